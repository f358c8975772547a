// Package distro is the one table of what allocbench needs from each Linux
// distribution it supports: for every release, its package manager and, for
// every need (the C compiler, the C library's headers, the musl toolchain,
// each allocator's shared library, what the musl source builds use), the
// package that provides it and what it provides (a command, a shared
// library's soname, a file), or why the release has none.
//
// The allocators' own packages are in their records (package alloc, one
// Library per release); a Need named after an allocator reads them there,
// so that both tables answer the same questions. The installers (the main
// job, the musl builds, the fidelity job, the local Debian bases), the
// container recipes, .ci/run, the README's test command and
// docs/allocators.md read these tables or are
// checked against them by tests. Detect finds the running release from /etc/os-release; Ensure
// installs what is missing in one step.
package distro

import (
	"fmt"
	"slices"
	"strings"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/sysinfo"
)

// Manager is a package manager.
type Manager string

// The package managers the table's releases use.
const (
	Apt Manager = "apt-get"
	Apk Manager = "apk"
	Dnf Manager = "dnf"
)

// Need is something allocbench or its tests use that a package provides.
type Need string

// What the main job, the musl builds and the fidelity job need.
const (
	CC          Need = "cc"          // the C compiler cgo uses
	LibcDev     Need = "libc-dev"    // the C library's headers and start files
	MuslCC      Need = "musl-gcc"    // the musl toolchain's gcc wrapper
	Make        Need = "make"        // the musl builds of jemalloc
	Binutils    Need = "binutils"    // ar and nm, for the musl builds
	DpkgDev     Need = "dpkg-dev"    // dpkg-source, to unpack Debian source packages
	Autoconf    Need = "autoconf"    // a jemalloc source without its configure script
	Xz          Need = "xz"          // glibc's source tarball, for the fidelity job
	Debootstrap Need = "debootstrap" // local Debian container bases
	CACerts     Need = "ca-certificates"
)

// What the tests use besides (TestNeeds lists them all).
const (
	JemallocDev Need = "jemalloc-dev" // the unversioned libjemalloc.so, for LD_PRELOAD in the fidelity tests
	MimallocDev Need = "mimalloc-dev"
	TcmallocDev Need = "tcmalloc-dev"
	Perf        Need = "perf" // the futex reference measurement
	Strace      Need = "strace"
	Chromium    Need = "chromium" // the report's browser test
	Bpftool     Need = "bpftool"  // the kernel's listing of BPF objects, for the host tracer's leak test
	Git         Need = "git"      // clean clones in the fresh-machine and go install tests
	// The real programs allocbench exec's tests measure (internal/programs).
	Ripgrep     Need = "ripgrep"
	RedisServer Need = "redis-server"
	RedisTools  Need = "redis-tools" // redis-cli and redis-benchmark
	Rustc       Need = "rustc"
	Cargo       Need = "cargo"
	RayonDev    Need = "rayon-dev" // the rayon crate's sources, for examples/rayonmap's offline build
)

// needInfo describes a need once, whatever the release.
type needInfo struct {
	Need Need
	Doc  string
	Test bool // only the tests use it
}

// needs is every need, in the order tables show them.
var needs = []needInfo{
	{CC, "C compiler", false},
	{LibcDev, "C library headers", false},
	{MuslCC, "musl toolchain", false},
	{Make, "make (musl builds)", false},
	{Binutils, "ar, nm (musl builds)", false},
	{DpkgDev, "dpkg-source (musl builds)", false},
	{Autoconf, "autoconf (musl builds, when configure is missing)", false},
	{Xz, "xz (fidelity)", false},
	{Debootstrap, "debootstrap (local container bases)", false},
	{CACerts, "CA certificates", false},
	{JemallocDev, "jemalloc development files", true},
	{MimallocDev, "mimalloc development files", true},
	{TcmallocDev, "gperftools development files", true},
	{Perf, "perf", true},
	{Strace, "strace", true},
	{Chromium, "Chromium", true},
	{Bpftool, "bpftool", true},
	{Git, "git", true},
	{Ripgrep, "ripgrep (exec's real programs)", true},
	{RedisServer, "Redis server (exec's real programs)", true},
	{RedisTools, "redis-cli, redis-benchmark (exec's real programs)", true},
	{Rustc, "Rust compiler (examples/rayonmap)", true},
	{Cargo, "cargo (examples/rayonmap)", true},
	{RayonDev, "rayon crate sources (examples/rayonmap)", true},
}

// Needs returns every need the table knows, in table order: first those of
// allocbench itself, then those of its tests alone. The tests use them all:
// the README's test command and .ci/run install exactly these and the
// allocators' packages (Allocators), by Debian 12's names.
func Needs() []Need {
	out := make([]Need, len(needs))
	for i, n := range needs {
		out[i] = n.Need
	}
	return out
}

// Allocators returns a need for every allocator whose record (package
// alloc) names shared libraries: the need of its library, named after it.
func Allocators() []Need {
	var out []Need
	for _, s := range alloc.All() {
		if s.Loadable() && !s.User() && len(s.Libraries) > 0 {
			out = append(out, Need(s.Name))
		}
	}
	return out
}

// ForTests reports whether only the tests use n.
func (n Need) ForTests() bool {
	for _, i := range needs {
		if i.Need == n {
			return i.Test
		}
	}
	return false
}

// Doc says what the need is, in a few words.
func (n Need) Doc() string {
	for _, i := range needs {
		if i.Need == n {
			return i.Doc
		}
	}
	return string(n) // an allocator's name
}

// Kind is what a package provides that can be checked.
type Kind int

// Kinds of Provides.
const (
	Command Kind = iota // a command on the PATH
	Library             // a shared library the dynamic loader finds, by soname
	File                // a file at an absolute path
)

// Provides is what a package puts on the system that shows it is
// installed: a command, a soname or a file.
type Provides struct {
	Kind Kind
	Name string
}

func (p Provides) String() string { return p.Name }

// Package is how one release meets one need: a package and what it
// provides, or no package and why.
type Package struct {
	Need Need
	// Name is the package; "" when the release has none.
	Name     string
	Provides Provides
	// Repo is the extra repository the package comes from ("epel"); ""
	// for the release's own.
	Repo string
	// None says why the release has no package for the need, when Name is
	// "".
	None string
}

// Shipped reports whether the release has a package for the need.
func (p Package) Shipped() bool { return p.Name != "" }

// Release is one release of a distribution.
type Release struct {
	// Label names the release here and its container image:
	// debian12 → allocbench/debian12.
	Label string
	// Name is how people call it: "Debian 12 (bookworm)".
	Name string
	// ID, VersionID and Codename are os-release's ID, VERSION_ID (its
	// leading components) and VERSION_CODENAME.
	ID, VersionID, Codename string
	Manager                 Manager
	// Libc is "glibc" or "musl".
	Libc string
	// Packages are the release's packages for the needs of this table;
	// the allocators' come from their records (see Package).
	Packages []Package
	// AllocatorRepo is the extra repository the allocators' packages come
	// from ("epel"); "" for the release's own.
	AllocatorRepo string
}

// Package returns how the release meets n: from this table, or, for an
// allocator, from its record in package alloc (the library it names for
// this release, or none). ok is false when neither knows n.
func (r Release) Package(n Need) (p Package, ok bool) {
	for _, p := range r.Packages {
		if p.Need == n {
			return p, true
		}
	}
	s, err := alloc.Lookup(string(n))
	if err != nil || !s.Loadable() || s.User() || len(s.Libraries) == 0 {
		return Package{}, false
	}
	lib, ok := s.On(r.Label)
	if !ok {
		return Package{Need: n, None: fmt.Sprintf("not packaged: %s's record (package alloc) names no library for %s", s.Name, r.Name)}, true
	}
	return Package{Need: n, Name: lib.Package, Provides: Provides{Library, lib.Soname}, Repo: r.AllocatorRepo}, true
}

// PackageNames returns the release's package names for needs, once each,
// in the order of needs, leaving out those it does not ship.
func (r Release) PackageNames(ns ...Need) []string {
	var out []string
	for _, n := range ns {
		if p, ok := r.Package(n); ok && p.Shipped() && !slices.Contains(out, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

func (r Release) String() string { return r.Name }

// Releases returns the table, in a fixed order.
func Releases() []Release {
	out := make([]Release, len(releases))
	for i, r := range releases {
		r.Packages = slices.Clone(r.Packages)
		out[i] = r
	}
	return out
}

// Labels returns every release's label, in table order.
func Labels() []string {
	var out []string
	for _, r := range releases {
		out = append(out, r.Label)
	}
	return out
}

// Lookup returns the release with the given label; the error names the
// valid ones.
func Lookup(label string) (Release, error) {
	for _, r := range Releases() {
		if r.Label == label {
			return r, nil
		}
	}
	return Release{}, fmt.Errorf("unknown distribution release %q (valid: %s)", label, strings.Join(Labels(), ", "))
}

// UnknownError says that the running system is not a release of the table.
type UnknownError struct {
	// System is what os-release says the system is, or why it could not
	// be read.
	System string
}

func (e *UnknownError) Error() string {
	var names []string
	for _, r := range releases {
		names = append(names, r.Name)
	}
	return fmt.Sprintf("%s is not a distribution release allocbench has a package table for (it knows %s)", e.System, strings.Join(names, ", "))
}

// Detect returns the running system's release, from /etc/os-release; an
// *UnknownError when it is not in the table.
func Detect() (Release, error) {
	vars, err := sysinfo.OSRelease()
	if err != nil {
		return Release{}, &UnknownError{System: "this system (" + err.Error() + ")"}
	}
	return FromOSRelease(vars)
}

// FromOSRelease finds the release that os-release's variables describe:
// the same ID, and a VERSION_ID that is the table's or starts with it and a
// dot (Alpine's 3.21.3 is 3.21, Rocky's 9.5 is 9). Without VERSION_ID (a
// Debian testing system) the VERSION_CODENAME decides.
func FromOSRelease(vars map[string]string) (Release, error) {
	id, version, codename := vars["ID"], vars["VERSION_ID"], vars["VERSION_CODENAME"]
	for _, r := range Releases() {
		if r.ID != id {
			continue
		}
		if version == r.VersionID || strings.HasPrefix(version, r.VersionID+".") {
			return r, nil
		}
		if version == "" && codename != "" && codename == r.Codename {
			return r, nil
		}
	}
	system := vars["PRETTY_NAME"]
	if system == "" {
		system = strings.TrimSpace(id + " " + version)
	}
	if system == "" {
		system = "this system (its os-release names no ID)"
	}
	return Release{}, &UnknownError{System: system}
}
