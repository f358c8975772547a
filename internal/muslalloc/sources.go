package muslalloc

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// aptSource is one entry of an APT sources configuration, in either format:
// a deb822 paragraph (.sources) or a one-line entry (.list).
type aptSource struct {
	Types      []string
	URIs       []string
	Suites     []string
	Components []string
	// SignedBy is the Signed-By value as written: a keyring path, a
	// fingerprint list, or an embedded key whose continuation lines keep
	// their leading space.
	SignedBy string
	Trusted  string
	Enabled  bool
	// Origin says where the entry was read, for messages.
	Origin string
}

// parseDeb822Sources reads the paragraphs of a .sources file.
func parseDeb822Sources(r io.Reader, origin string) ([]aptSource, error) {
	var out []aptSource
	fields := map[string]string{}
	last := ""
	line := 0
	flush := func() {
		if len(fields) == 0 {
			return
		}
		s := aptSource{
			Types:      strings.Fields(fields["types"]),
			URIs:       strings.Fields(fields["uris"]),
			Suites:     strings.Fields(fields["suites"]),
			Components: strings.Fields(fields["components"]),
			SignedBy:   fields["signed-by"],
			Trusted:    strings.TrimSpace(fields["trusted"]),
			Enabled:    !strings.EqualFold(strings.TrimSpace(fields["enabled"]), "no"),
			Origin:     fmt.Sprintf("%s:%d", origin, line),
		}
		out = append(out, s)
		fields = map[string]string{}
		last = ""
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		switch {
		case strings.TrimSpace(text) == "":
			flush()
		case strings.HasPrefix(text, "#"):
			// A comment, between or inside paragraphs.
		case text[0] == ' ' || text[0] == '\t':
			if last == "" {
				return nil, fmt.Errorf("%s:%d: continuation line outside a field", origin, n)
			}
			fields[last] += "\n" + text
		default:
			k, v, ok := strings.Cut(text, ":")
			if !ok {
				return nil, fmt.Errorf("%s:%d: not a field: %q", origin, n, text)
			}
			if len(fields) == 0 {
				line = n
			}
			last = strings.ToLower(strings.TrimSpace(k))
			fields[last] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	flush()
	return out, nil
}

// parseOneLineSources reads a sources.list file:
//
//	deb [signed-by=/usr/share/keyrings/k.gpg arch=amd64] http://deb.debian.org/debian bookworm main
func parseOneLineSources(r io.Reader, origin string) ([]aptSource, error) {
	var out []aptSource
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		typ, rest, _ := strings.Cut(text, " ")
		if typ != "deb" && typ != "deb-src" {
			return nil, fmt.Errorf("%s:%d: unknown type %q", origin, n, typ)
		}
		rest = strings.TrimSpace(rest)
		s := aptSource{Types: []string{typ}, Enabled: true, Origin: fmt.Sprintf("%s:%d", origin, n)}
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: unterminated options", origin, n)
			}
			for _, opt := range strings.Fields(rest[1:end]) {
				k, v, _ := strings.Cut(opt, "=")
				switch strings.ToLower(k) {
				case "signed-by":
					s.SignedBy = strings.ReplaceAll(v, ",", " ")
				case "trusted":
					s.Trusted = v
				}
			}
			rest = rest[end+1:]
		}
		f := strings.Fields(rest)
		if len(f) < 2 {
			return nil, fmt.Errorf("%s:%d: want a URI and a suite: %q", origin, n, sc.Text())
		}
		s.URIs = []string{f[0]}
		s.Suites = []string{f[1]}
		s.Components = f[2:]
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	return out, nil
}

// readSystemSources reads the APT sources under etc (normally /etc/apt):
// sources.list and the .list and .sources files of sources.list.d. Other
// files there (.disabled, .save, ...) are ignored, as APT ignores them.
func readSystemSources(etc string) ([]aptSource, error) {
	var all []aptSource
	read := func(path string, parse func(io.Reader, string) ([]aptSource, error)) error {
		f, err := os.Open(path)
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		defer f.Close()
		s, err := parse(f, path)
		all = append(all, s...)
		return err
	}
	if err := read(filepath.Join(etc, "sources.list"), parseOneLineSources); err != nil {
		return nil, err
	}
	parts, _ := filepath.Glob(filepath.Join(etc, "sources.list.d", "*"))
	sort.Strings(parts)
	for _, p := range parts {
		var err error
		switch {
		case strings.HasSuffix(p, ".list"):
			err = read(p, parseOneLineSources)
		case strings.HasSuffix(p, ".sources"):
			err = read(p, parseDeb822Sources)
		}
		if err != nil {
			return nil, err
		}
	}
	return all, nil
}

// distSuite reports whether suite belongs to the release codename:
// "bookworm", "bookworm-updates", "bookworm-security", "bookworm/updates".
// Without a codename every suite does.
func distSuite(suite, codename string) bool {
	if codename == "" {
		// No codename to go by: take every suite.
		return true
	}
	return suite == codename || strings.HasPrefix(suite, codename+"-") || strings.HasPrefix(suite, codename+"/")
}

// sourceEntries turns the system's binary (deb) entries for the release
// codename into deb-src entries on the same mirrors, so that sources come
// from wherever the machine gets its packages (a mirror, a proxy, a
// snapshot). Entries of other repositories are left out.
func sourceEntries(system []aptSource, codename string) []aptSource {
	var out []aptSource
	seen := map[string]bool{}
	for _, s := range system {
		if !s.Enabled || !(contains(s.Types, "deb") || contains(s.Types, "deb-src")) {
			continue
		}
		var uris []string
		for _, u := range s.URIs {
			if !strings.HasPrefix(u, "cdrom:") {
				uris = append(uris, u)
			}
		}
		// A suite counts once per mirror and components: APT warns about
		// an index configured twice.
		var suites []string
		for _, su := range s.Suites {
			if !distSuite(su, codename) {
				continue
			}
			fresh := false
			for _, u := range uris {
				k := u + " " + su + " " + strings.Join(s.Components, " ")
				if !seen[k] {
					seen[k] = true
					fresh = true
				}
			}
			if fresh {
				suites = append(suites, su)
			}
		}
		if len(uris) == 0 || len(suites) == 0 {
			continue
		}
		out = append(out, aptSource{
			Types:      []string{"deb-src"},
			URIs:       uris,
			Suites:     suites,
			Components: s.Components,
			SignedBy:   s.SignedBy,
			Trusted:    s.Trusted,
			Enabled:    true,
			Origin:     s.Origin,
		})
	}
	return out
}

// formatDeb822 writes entries as a .sources file.
func formatDeb822(entries []aptSource) string {
	var b strings.Builder
	b.WriteString("# Written by allocbench (internal/muslalloc): the system's Debian mirrors, for source packages.\n")
	for i, s := range entries {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "# from %s\n", s.Origin)
		fmt.Fprintf(&b, "Types: %s\n", strings.Join(s.Types, " "))
		fmt.Fprintf(&b, "URIs: %s\n", strings.Join(s.URIs, " "))
		fmt.Fprintf(&b, "Suites: %s\n", strings.Join(s.Suites, " "))
		if len(s.Components) > 0 {
			fmt.Fprintf(&b, "Components: %s\n", strings.Join(s.Components, " "))
		}
		if s.SignedBy != "" {
			fmt.Fprintf(&b, "Signed-By: %s\n", s.SignedBy)
		}
		if s.Trusted != "" {
			fmt.Fprintf(&b, "Trusted: %s\n", s.Trusted)
		}
	}
	return b.String()
}

// describeSources is a one-line summary for the log:
// "http://deb.debian.org/debian bookworm bookworm-updates main".
func describeSources(entries []aptSource) string {
	var parts []string
	for _, s := range entries {
		parts = append(parts, strings.Join(s.URIs, " ")+" "+strings.Join(s.Suites, " ")+" "+strings.Join(s.Components, " "))
	}
	return strings.Join(parts, "; ")
}

// osCodename reads VERSION_CODENAME from an os-release file.
func osCodename(osRelease string) string {
	for _, line := range strings.Split(osRelease, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && (k == "VERSION_CODENAME" || k == "DEBIAN_CODENAME") && v != "" {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
