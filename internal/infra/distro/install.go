package distro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// InstallCommands are the commands that install the release's packages for
// ns, in order: apt-get refreshes its package lists first (a fresh machine
// has none), dnf enables EPEL first when a package comes from there. Needs
// the release does not ship are left out; nil when nothing is left.
func (r Release) InstallCommands(ns ...Need) [][]string {
	names := r.PackageNames(ns...)
	if len(names) == 0 {
		return nil
	}
	switch r.Manager {
	case Apt:
		return [][]string{
			{"apt-get", "update"},
			append([]string{"apt-get", "install", "-y", "--no-install-recommends"}, names...),
		}
	case Apk:
		return [][]string{append([]string{"apk", "add", "--no-cache"}, names...)}
	case Dnf:
		var cmds [][]string
	epel:
		for _, n := range ns {
			for _, p := range r.PackagesOf(n) {
				if p.Shipped() && p.Repo == "epel" {
					cmds = append(cmds, []string{"dnf", "install", "-y", "epel-release"})
					break epel
				}
			}
		}
		return append(cmds, append([]string{"dnf", "install", "-y"}, names...))
	}
	return nil
}

// CommandLine writes commands as one shell line: "apt-get update &&
// apt-get install ...".
func CommandLine(cmds [][]string) string {
	var parts []string
	for _, c := range cmds {
		parts = append(parts, strings.Join(c, " "))
	}
	return strings.Join(parts, " && ")
}

// Installer finds what is missing and installs it. NewInstaller makes one
// for this system; tests replace its fields.
type Installer struct {
	// Release is the running system's release, when Unknown is nil.
	Release Release
	// Unknown says why the system is not a release of the table.
	Unknown error
	// Present reports whether what a package provides is on the system.
	Present func(Provides) bool
	// Run runs one command of an installation and returns its output.
	Run func(ctx context.Context, argv []string) ([]byte, error)
	// Root says whether this process may install packages.
	Root bool
}

// NewInstaller returns the Installer of the running system.
func NewInstaller() Installer {
	r, err := Detect()
	return Installer{Release: r, Unknown: err, Present: Present, Run: runCommand, Root: os.Geteuid() == 0}
}

// Options control Ensure.
type Options struct {
	// NoInstall: never install; fail with the command that would.
	NoInstall bool
	// Log gets one line saying what is installed, when something is.
	Log io.Writer
	// Prefix starts that line: "allocbench: ".
	Prefix string
}

// Ensure makes sure that what ns need is on the system, installing what is
// missing in one step (as root, unless opts.NoInstall). A need the release
// does not ship is not an error: notes say which and why, and whoever needs
// it goes without. The error says what is missing and, where the table
// knows, the command that installs it.
func (in Installer) Ensure(ctx context.Context, ns []Need, opts Options) (notes []string, err error) {
	missing := in.missing(ns)
	if len(missing) == 0 {
		return nil, nil
	}
	if in.Unknown != nil {
		return nil, fmt.Errorf("missing %s; %v: install what provides them by hand", in.describe(missing, in.Unknown != nil), in.Unknown)
	}
	var install []Need
	for _, n := range missing {
		p, ok := in.Release.Package(n)
		switch {
		case !ok:
			notes = append(notes, fmt.Sprintf("%s: the table says nothing of %s", in.Release.Name, n.Doc()))
		case !p.Shipped():
			notes = append(notes, fmt.Sprintf("%s has no package for %s: %s", in.Release.Name, n.Doc(), p.None))
		default:
			install = append(install, n)
		}
	}
	if len(install) == 0 {
		return notes, nil
	}
	cmds := in.Release.InstallCommands(install...)
	line := CommandLine(cmds)
	what := in.describe(install, false)
	switch {
	case opts.NoInstall:
		return notes, fmt.Errorf("missing %s; install with: %s", what, line)
	case !in.Root:
		return notes, fmt.Errorf("missing %s; install as root with: %s", what, line)
	}
	if opts.Log != nil {
		fmt.Fprintf(opts.Log, "%smissing %s; installing: %s\n", opts.Prefix, what, line)
	}
	start := time.Now()
	for _, c := range cmds {
		if out, err := in.Run(ctx, c); err != nil {
			return notes, fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, lastLines(string(out), 10))
		}
	}
	if still := in.missing(install); len(still) > 0 {
		return notes, fmt.Errorf("%s ran, but %s is still missing", line, in.describe(still, false))
	}
	if opts.Log != nil {
		fmt.Fprintf(opts.Log, "%sinstalled in %s\n", opts.Prefix, time.Since(start).Round(time.Second))
	}
	return notes, nil
}

// Missing returns the needs among ns whose package's files are not on the
// system.
func (in Installer) Missing(ns []Need) []Need { return in.missing(ns) }

func (in Installer) missing(ns []Need) []Need {
	var out []Need
	for _, n := range ns {
		if !slices.Contains(out, n) && !in.present(n) {
			out = append(out, n)
		}
	}
	return out
}

// present reports whether n is met: for a need of several packages, when
// every one of the release's is there; otherwise when what any release's
// package provides is.
func (in Installer) present(n Need) bool {
	if in.Unknown == nil {
		var all []Package
		for _, p := range in.Release.PackagesOf(n) {
			if p.Shipped() {
				all = append(all, p)
			}
		}
		if len(all) > 1 {
			for _, p := range all {
				if !in.Present(p.Provides) {
					return false
				}
			}
			return true
		}
	}
	for _, p := range in.provides(n) {
		if in.Present(p) {
			return true
		}
	}
	return false
}

// provides is what shows that n is met: the release's package's, and any
// other release's (a library installed by hand is as good).
func (in Installer) provides(n Need) []Provides {
	var out []Provides
	if in.Unknown == nil {
		if p, ok := in.Release.Package(n); ok && p.Shipped() {
			out = append(out, p.Provides)
		}
	}
	for _, r := range releases {
		if p, ok := r.Package(n); ok && p.Shipped() && !slices.Contains(out, p.Provides) {
			out = append(out, p.Provides)
		}
	}
	return out
}

// describe names missing needs for a message: "libmimalloc.so.3 (package
// libmimalloc3)", and for a need of several packages each that is missing;
// where the release has no package, or the system is unknown, what any
// release's package provides: "libmimalloc.so.2 or libmimalloc.so.3
// (mimalloc)".
func (in Installer) describe(ns []Need, unknown bool) string {
	r := in.Release
	var parts []string
	for _, n := range ns {
		p, ok := r.Package(n)
		if ps := r.PackagesOf(n); !unknown && len(ps) > 1 {
			for _, p := range ps {
				if p.Shipped() && !in.Present(p.Provides) {
					parts = append(parts, fmt.Sprintf("%s (package %s)", p.Provides.Name, p.Name))
				}
			}
			continue
		}
		if unknown || !ok || !p.Shipped() {
			var names []string
			for _, r := range releases {
				if p, ok := r.Package(n); ok && p.Shipped() && !slices.Contains(names, p.Provides.Name) {
					names = append(names, p.Provides.Name)
				}
			}
			parts = append(parts, fmt.Sprintf("%s (%s)", strings.Join(names, " or "), n.Doc()))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (package %s)", p.Provides.Name, p.Name))
	}
	return strings.Join(parts, ", ")
}

func runCommand(ctx context.Context, argv []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	return cmd.CombinedOutput()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "\t" + strings.Join(lines, "\n\t")
}

// sbinDirs hold commands that a user's PATH may leave out (debootstrap).
var sbinDirs = []string{"/usr/local/sbin", "/usr/sbin", "/sbin"}

// Present reports whether p is on this system: a command on the PATH (or
// in an sbin directory), a file, or a shared library that the dynamic
// loader's cache lists or that lies in a library directory.
func Present(p Provides) bool {
	switch p.Kind {
	case Command:
		if _, err := exec.LookPath(p.Name); err == nil {
			return true
		}
		for _, d := range sbinDirs {
			if isFile(filepath.Join(d, p.Name)) {
				return true
			}
		}
		return false
	case File:
		return isFile(p.Name)
	case Library:
		return hasLibrary(p.Name)
	}
	return false
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// hasLibrary looks for soname in ldconfig's cache (glibc systems) and in
// the library directories (musl systems have no cache).
func hasLibrary(soname string) bool {
	for _, ldconfig := range []string{"/sbin/ldconfig", "/usr/sbin/ldconfig"} {
		out, err := exec.Command(ldconfig, "-p").Output()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] == soname {
				return true
			}
		}
		break
	}
	dirs := []string{"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"}
	multiarch, _ := filepath.Glob("/usr/lib/*-linux-*")
	for _, d := range append(dirs, multiarch...) {
		if _, err := os.Stat(filepath.Join(d, soname)); err == nil {
			return true
		}
	}
	return false
}

// ErrUnknown is matched by errors.Is for an *UnknownError.
var ErrUnknown = errors.New("unknown distribution release")

// Is makes errors.Is(err, ErrUnknown) true.
func (e *UnknownError) Is(target error) bool { return target == ErrUnknown }

// Hint says how to get what n needs on this system, for an error message:
// " (install it with: apt-get update && apt-get install -y ... libmimalloc3)",
// why the release has none, or, on a system the table does not know, the
// package of every release that has one. "" when the table has no such need.
func Hint(n Need) string {
	r, err := Detect()
	if err != nil {
		return hintUnknown(n)
	}
	return r.Hint(n)
}

// Hint is the hint for n on release r.
func (r Release) Hint(n Need) string {
	p, ok := r.Package(n)
	switch {
	case !ok:
		return hintUnknown(n)
	case !p.Shipped():
		return fmt.Sprintf(" (%s has no package for %s: %s)", r.Name, n.Doc(), p.None)
	}
	return fmt.Sprintf(" (install the %s package: %s)", p.Name, CommandLine(r.InstallCommands(n)))
}

func hintUnknown(n Need) string {
	var parts []string
	for _, r := range releases {
		if p, ok := r.Package(n); ok && p.Shipped() {
			parts = append(parts, r.Name+": "+p.Name)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (its package is " + strings.Join(parts, "; ") + ", or your distribution's equivalent)"
}
