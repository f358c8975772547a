package alloc

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/allocbench/allocbench/internal/elfinfo"
)

var (
	userName   = regexp.MustCompile(`^[a-z0-9][a-z0-9_.+-]{0,31}$`)
	symbolName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// ParseUser reads a user's library, name=/path/to/lib.so[:prefix], and
// checks it before any work: the name is free, the file is an ELF shared
// library for this machine, and it defines prefix+malloc, prefix+free and
// prefix+realloc. Its version and trim hooks are the first of the known
// ones (jemalloc's mallctl, mi_version, tc_version...) that it defines. The
// library is not loaded here; package cgoalloc opens it as it opens the
// distribution's allocators.
func ParseUser(s string) (Spec, error) {
	name, rest, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok || rest == "" {
		return Spec{}, fmt.Errorf("%q is not name=/path/to/lib.so[:prefix]", s)
	}
	if !userName.MatchString(name) || name == "all" {
		return Spec{}, fmt.Errorf("allocator name %q: want 1 to 32 lower-case letters, digits or _.+- (starting with a letter or digit; it names configuration keys, which have no capitals), not \"all\"", name)
	}
	for _, b := range builtins {
		if b.Name == name {
			return Spec{}, fmt.Errorf("allocator name %q is taken by the built-in allocator (built-in: %s); give your library another name", name, builtinNames())
		}
	}
	path, prefix := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[i+1:], "/") {
		path, prefix = rest[:i], rest[i+1:]
		if prefix != "" && !symbolName.MatchString(prefix) {
			return Spec{}, fmt.Errorf("allocator %s: prefix %q is not the start of a C symbol name (letters, digits, _)", name, prefix)
		}
	}
	if strings.ContainsAny(path, ",\n") {
		return Spec{}, fmt.Errorf("allocator %s: the path %q holds a comma or a newline, which a list of libraries cannot carry; link or copy the library elsewhere", name, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Spec{}, fmt.Errorf("allocator %s: %w", name, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		if os.IsNotExist(err) {
			return Spec{}, fmt.Errorf("allocator %s: %s does not exist", name, abs)
		}
		return Spec{}, fmt.Errorf("allocator %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return Spec{}, fmt.Errorf("allocator %s: %s is not a regular file", name, abs)
	}
	if strings.HasSuffix(abs, ".a") {
		return Spec{}, fmt.Errorf("allocator %s: %s is a static archive; give a shared library (.so), which the glibc variant opens at run time", name, abs)
	}
	lib, err := elfinfo.Read(abs)
	if err != nil {
		return Spec{}, fmt.Errorf("allocator %s: %w", name, err)
	}
	spec := Spec{
		Name:            name,
		Doc:             "your library " + abs,
		Kind:            Shared,
		Path:            abs,
		Prefix:          prefix,
		CrossThreadFree: true,
	}
	m, f, r := spec.Symbols()
	var missing []string
	for _, sym := range []string{m, f, r} {
		if !lib.Defined[sym] {
			missing = append(missing, sym)
		}
	}
	if len(missing) > 0 {
		hint := ""
		if p := prefixes(lib.Defined); len(p) > 0 {
			hint = fmt.Sprintf("; it has malloc, free and realloc with the prefix %s: add :%s after the path", quoteAll(p), p[0])
		}
		return Spec{}, fmt.Errorf("allocator %s: %s does not define %s (prefix %q)%s", name, abs, strings.Join(missing, ", "), prefix, hint)
	}
	spec.Version, spec.Trim = knownHooks(prefix, lib.Defined)
	return spec, nil
}

// knownHooks picks the version and trim hooks of the built-in records (and
// the prefixed mallctl of a jemalloc built with a prefix) that a library
// defines.
func knownHooks(prefix string, defined map[string]bool) (version, trim Hook) {
	versions := []Hook{{VersionMallctl, prefix + "mallctl"}}
	trims := []Hook{{TrimMallctl, prefix + "mallctl"}}
	for _, b := range builtins {
		if b.Version.Kind != NoHook {
			versions = append(versions, b.Version)
		}
		if b.Trim.Kind != NoHook {
			trims = append(trims, b.Trim)
		}
	}
	for _, h := range versions {
		if defined[h.Symbol] {
			version = h
			break
		}
	}
	for _, h := range trims {
		if defined[h.Symbol] {
			trim = h
			break
		}
	}
	return version, trim
}

// prefixes lists the prefixes p for which a library defines p+"malloc",
// p+"free" and p+"realloc".
func prefixes(defined map[string]bool) []string {
	var out []string
	for sym := range defined {
		if p, ok := strings.CutSuffix(sym, "malloc"); ok && defined[p+"free"] && defined[p+"realloc"] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, " or ")
}

// FormatUser writes a user's library back as ParseUser reads it.
func FormatUser(s Spec) string {
	out := s.Name + "=" + s.Path
	if s.Prefix != "" {
		out += ":" + s.Prefix
	}
	return out
}

// FormatUsers writes user libraries as a comma-separated list that
// ParseUsers reads.
func FormatUsers(list []Spec) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = FormatUser(s)
	}
	return strings.Join(parts, ",")
}

// ParseUsers parses and registers a comma-separated list of user libraries
// (name=/path/to/lib.so[:prefix],...), checking each before any work.
func ParseUsers(s string) ([]Spec, error) {
	var out []Spec
	fields := strings.Split(s, ",")
	for i, f := range fields {
		if strings.TrimSpace(f) == "" {
			continue
		}
		u, err := ParseUser(f)
		if err != nil {
			if cerr := commaInPath(fields, i); cerr != nil {
				return nil, cerr
			}
			return nil, err
		}
		if err := Register(u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// CheckNotPreloaded refuses a user's library that defines malloc and that
// LD_PRELOAD (its value given) names: preloaded, it is the process's own
// malloc, so it would serve the harness, the Go runtime's C calls and
// "libc" too, and opening it again under its own name would measure it
// twice under two names. A library with prefixed entry points only changes
// nothing when preloaded.
func CheckNotPreloaded(s Spec, ldPreload string) error {
	st, err := os.Stat(s.Path)
	if err != nil || strings.TrimSpace(ldPreload) == "" {
		return nil
	}
	if lib, err := elfinfo.Read(s.Path); err == nil && !lib.Defined["malloc"] {
		return nil
	}
	for _, p := range strings.FieldsFunc(ldPreload, func(r rune) bool { return r == ':' || r == ' ' }) {
		if pst, err := os.Stat(p); err == nil && os.SameFile(st, pst) {
			return fmt.Errorf("allocator %s: %s is preloaded (LD_PRELOAD=%s): it would replace the process's own malloc, and every figure, libc's too, would be its; drop it from LD_PRELOAD", s.Name, s.Path, ldPreload)
		}
	}
	return nil
}

// commaInPath returns the error for a user's library whose path holds a
// comma, which the list split: fields[i] and some of those after it,
// joined again, name a file. It returns nil when they do not.
func commaInPath(fields []string, i int) error {
	for j := i + 1; j < len(fields); j++ {
		name, rest, _ := strings.Cut(strings.TrimSpace(strings.Join(fields[i:j+1], ",")), "=")
		paths := []string{rest}
		if k := strings.LastIndexByte(rest, ':'); k >= 0 && !strings.Contains(rest[k+1:], "/") {
			paths = append(paths, rest[:k])
		}
		for _, p := range paths {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return fmt.Errorf("allocator %s: the path %q holds a comma (\",\"), which separates the allocators of a list; link or copy the library to a path without one", name, p)
			}
		}
	}
	return nil
}
