package program

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/elfinfo"
	"github.com/allocbench/allocbench/internal/sysinfo"
)

// Plan is what Measure runs: the checked options and every cell.
type Plan struct {
	Options Options
	Cells   []Cell
	// Installed are the allocators found on this machine, libc first.
	Installed []Allocator
}

// NewPlan checks the options before any work: the program exists, is an
// executable ELF program for this machine, is not setuid or setgid (the
// dynamic linker ignores LD_PRELOAD for it), and is dynamically linked
// when allocators are to be preloaded into it; every allocator asked for
// is installed. Nothing is run.
func NewPlan(o Options) (*Plan, error) {
	o.fill()
	if o.Runs < 0 || o.MinRuns < 1 || o.MaxRuns < 1 || o.Warmup < 0 || o.Timeout < 0 || o.Budget < 0 {
		return nil, fmt.Errorf("runs %d, min-runs %d, max-runs %d, warmup %d, timeout %v, budget %v: none may be negative and the run counts are at least 1",
			o.Runs, o.MinRuns, o.MaxRuns, o.Warmup, o.Timeout, o.Budget)
	}
	if o.MinRuns > o.MaxRuns {
		return nil, fmt.Errorf("min-runs %d is above max-runs %d", o.MinRuns, o.MaxRuns)
	}
	if !(o.Target > 0 && o.Target < 1) {
		return nil, fmt.Errorf("target %g: want a share between 0 and 1 (0.03 for ±3%%)", o.Target)
	}
	switch o.Futex {
	case "", "auto", "tracepoint", "sampled", "off":
	default:
		return nil, fmt.Errorf("futex method %q: want auto, tracepoint, sampled or off", o.Futex)
	}
	for _, kv := range o.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return nil, fmt.Errorf("environment variable %q is not KEY=VALUE", kv)
		}
	}
	if o.Input != "" {
		st, err := os.Stat(o.Input)
		if err != nil {
			return nil, fmt.Errorf("input: %w", err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("input %s is a directory, not a file", o.Input)
		}
	}
	bins := o.Binaries
	if len(bins) == 0 {
		if o.Program == "" {
			return nil, errors.New("no program to run")
		}
		bins = []Binary{{Path: o.Program}}
	}
	seen := map[string]bool{}
	for i := range bins {
		b := &bins[i]
		if b.Label != "" {
			if seen[b.Label] {
				return nil, fmt.Errorf("binary label %q is given twice", b.Label)
			}
			seen[b.Label] = true
			b.Label = sanitizeLabel(b.Label)
		}
		if err := checkBinary(b, len(o.Binaries) > 0); err != nil {
			return nil, err
		}
	}
	o.Binaries = bins

	p := &Plan{Options: o}
	var err error
	p.Installed, err = installed()
	if err != nil {
		return nil, err
	}
	allocs, err := p.pick(o.Allocs)
	if err != nil {
		return nil, err
	}
	for _, b := range bins {
		if b.OwnMallocOnly() {
			p.Cells = append(p.Cells, Cell{Binary: b, Alloc: Allocator{Name: Libc, Doc: "the binary's own malloc"}})
			continue
		}
		for _, a := range allocs {
			p.Cells = append(p.Cells, Cell{Binary: b, Alloc: a})
		}
	}
	return p, nil
}

// checkBinary finds and checks one program. several is set when it is
// one of -binary's, which may be static.
func checkBinary(b *Binary, several bool) error {
	path := b.Path
	if !strings.Contains(path, "/") {
		found, err := exec.LookPath(path)
		if err != nil {
			return fmt.Errorf("program %q is not in PATH (%s)", path, os.Getenv("PATH"))
		}
		path = found
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("program %s does not exist", abs)
		}
		return fmt.Errorf("program: %w", err)
	}
	switch {
	case !st.Mode().IsRegular():
		return fmt.Errorf("program %s is not a regular file", abs)
	case st.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("program %s is not executable (mode %v)", abs, st.Mode().Perm())
	case st.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0:
		return fmt.Errorf("program %s is setuid or setgid (mode %v): the dynamic linker ignores LD_PRELOAD for it, so every allocator would be the C library's; measure a copy without the bit", abs, st.Mode())
	}
	e, err := elfinfo.ReadExecutable(abs)
	if err != nil {
		return fmt.Errorf("program: %w (allocbench exec measures ELF programs; for a script, give its interpreter and the script as arguments)", err)
	}
	b.Path, b.Interpreter, b.Static = abs, e.Interpreter, e.Static()
	if b.Static && !several {
		return fmt.Errorf("program %s is statically linked: it cannot take an allocator by LD_PRELOAD; compare builds of it with -binary label=path (e.g. -binary glibc=./app-gnu -binary musl=./app-musl), where a static build runs with its own malloc", abs)
	}
	if b.Musl() && !several {
		return fmt.Errorf("program %s is linked against musl (%s): the allocator libraries here are built for glibc and cannot be preloaded into it; compare builds of it with -binary label=path (e.g. -binary glibc=./app-gnu -binary musl=%s), where a musl build runs with its own malloc", abs, b.Interpreter, b.Path)
	}
	return nil
}

// installed lists libc and every built-in allocator whose library is
// found here, by its sonames. A user's library is taken only where it is
// named (pick).
func installed() ([]Allocator, error) {
	out := []Allocator{{Name: Libc, Doc: "the C library's own malloc (nothing preloaded)"}}
	release := sysinfo.Release()
	for _, s := range alloc.Builtin() {
		if s.Kind != alloc.Shared {
			continue
		}
		sonames := s.Sonames(release)
		switch {
		case s.Interposes:
		case s.Proxy != "":
			// The proxy needs the allocator's own library beside it.
			found := false
			for _, so := range sonames {
				found = found || findLibrary(so) != ""
			}
			if !found {
				continue
			}
			sonames = []string{s.Proxy}
		default:
			// Its library does not define malloc: LD_PRELOAD cannot
			// swap it in.
			continue
		}
		for _, so := range sonames {
			if path := findLibrary(so); path != "" {
				out = append(out, Allocator{Name: s.Name, Library: path, Doc: s.Doc})
				break
			}
		}
	}
	return out, nil
}

// pick returns the allocators named, in table order, or every installed
// one for none.
func (p *Plan) pick(names []string) ([]Allocator, error) {
	if len(names) == 0 {
		return p.Installed, nil
	}
	var out []Allocator
	for _, n := range names {
		var found *Allocator
		for i := range p.Installed {
			if p.Installed[i].Name == n {
				found = &p.Installed[i]
			}
		}
		if s, err := alloc.Lookup(n); found == nil && err == nil && s.User() {
			found = &Allocator{Name: s.Name, Library: s.Path, Doc: s.Doc}
		}
		if found == nil {
			if s, err := alloc.Lookup(n); err == nil && s.Kind == alloc.Harness {
				return nil, fmt.Errorf("allocator %s lives inside allocbench's kernels and cannot serve a program (installed: %s)", n, p.installedNames())
			}
			if _, err := alloc.Lookup(n); err != nil {
				return nil, fmt.Errorf("%v; installed here: %s", err, p.installedNames())
			}
			return nil, fmt.Errorf("allocator %s is not installed here (no library found for it); installed: %s", n, p.installedNames())
		}
		dup := false
		for _, a := range out {
			dup = dup || a.Name == n
		}
		if !dup {
			out = append(out, *found)
		}
	}
	return out, nil
}

func (p *Plan) installedNames() string {
	var n []string
	for _, a := range p.Installed {
		n = append(n, a.Name)
	}
	return strings.Join(n, ", ")
}

// findLibrary returns the file of soname that the dynamic linker would
// load for a program of this machine: from ldconfig's cache, else the
// usual library directories; "" when there is none.
func findLibrary(soname string) string {
	var candidates []string
	for _, ldconfig := range []string{"/sbin/ldconfig", "/usr/sbin/ldconfig"} {
		out, err := exec.Command(ldconfig, "-p").Output()
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && f[0] == soname {
				if _, path, ok := strings.Cut(line, "=> "); ok {
					candidates = append(candidates, strings.TrimSpace(path))
				}
			}
		}
		break
	}
	dirs := []string{"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"}
	multiarch, _ := filepath.Glob("/usr/lib/*-linux-*")
	for _, d := range append(multiarch, dirs...) {
		candidates = append(candidates, filepath.Join(d, soname))
	}
	for _, c := range candidates {
		if _, err := elfinfo.Read(c); err == nil {
			return c
		}
	}
	return ""
}
