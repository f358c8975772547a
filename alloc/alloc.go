// Package alloc names the memory allocators allocbench measures and holds one
// record per allocator: where its code comes from on each distribution
// release, its entry points, its version and trim hooks, how the musl variant
// builds it, and its plot colour. Loading (package cgoalloc), installation,
// the variants, the container recipes, the plots and the allocator table of
// docs/allocators.md all read these records. A user's own library becomes a record too
// (see ParseUser). It is pure Go: the cgo side that loads an allocator lives
// in package cgoalloc.
package alloc

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/suggest"
)

// The allocators allocbench knows.
const (
	// Libc is the malloc of the C library the binary is linked against:
	// glibc's ptmalloc in a dynamic glibc build, mallocng in a musl build.
	Libc = "libc"
	// Jemalloc is the distribution's libjemalloc, loaded at run time.
	Jemalloc = "jemalloc"
	// Mimalloc is the distribution's mimalloc 2 (libmimalloc.so.2).
	Mimalloc = "mimalloc"
	// Mimalloc3 is the distribution's mimalloc 3 (libmimalloc.so.3), on
	// the releases that ship it.
	Mimalloc3 = "mimalloc3"
	// Tcmalloc is gperftools' libtcmalloc_minimal, loaded at run time.
	Tcmalloc = "tcmalloc"
	// Tbbmalloc is oneTBB's scalable allocator, libtbbmalloc.
	Tbbmalloc = "tbbmalloc"
	// Floor is a trivial per-thread allocator inside the harness. Its rows
	// show what the harness itself costs per operation.
	Floor = "floor"
)

// Kind says where an allocator's code is.
type Kind int

const (
	// Shared is a shared library opened at run time (RTLD_LOCAL), or
	// linked in statically in the musl variant when it has a MuslBuild.
	Shared Kind = iota
	// CLibrary is the C library's own malloc.
	CLibrary
	// Harness is an allocator inside the harness (floor).
	Harness
)

// Library is one shared library that provides an allocator on one
// distribution release, and the package that ships it there.
type Library struct {
	// Release is the distribution release: os-release's ID and VERSION_ID
	// without dots ("debian12", "ubuntu2404", "alpine321", "rocky9").
	Release string
	Soname  string
	// Package is the package that ships Soname on Release.
	Package string
}

// HookKind is the C shape of a version or trim function.
type HookKind string

// The hook shapes the loader knows. Adding an allocator whose hooks have one
// of these shapes needs no C.
const (
	NoHook HookKind = ""
	// VersionMallctl: int mallctl(const char *, void *, size_t *, void *,
	// size_t), asked for "version" (jemalloc).
	VersionMallctl HookKind = "mallctl"
	// VersionDigits: int f(void) returning major*100 + minor*10 + patch
	// (mi_version).
	VersionDigits HookKind = "digits"
	// VersionGperftools: const char *f(int *, int *, const char **)
	// (tc_version).
	VersionGperftools HookKind = "gperftools"
	// VersionString: const char *f(void).
	VersionString HookKind = "string"
	// TrimMallctl: mallctl("arena.4096.purge"): purge every arena.
	TrimMallctl HookKind = "mallctl-purge"
	// TrimCollect: void f(bool force), called with true (mi_collect).
	TrimCollect HookKind = "collect"
	// TrimCall: void f(void).
	TrimCall HookKind = "call"
)

// Hook is a function of the allocator's library the harness calls, and its
// shape.
type Hook struct {
	Kind   HookKind
	Symbol string
}

func (h Hook) String() string {
	if h.Kind == NoHook {
		return "none"
	}
	return fmt.Sprintf("%s (%s)", h.Symbol, h.Kind)
}

// MuslBuild says how the musl variant builds an allocator: statically, with
// musl-gcc, from the distribution's source package, through the one generic
// recipe of internal/infra/muslalloc that reads these fields.
type MuslBuild struct {
	// Source is the Debian source package.
	Source string
	// Binary is the binary package whose version (installed, else the
	// candidate) picks the source version, so both variants measure the
	// same version.
	Binary string
	// Style is how the sources are built.
	Style BuildStyle
	// Lang is the language of the sources: "c", or "c++" for sources that
	// need a C++ compiler and runtime built for musl.
	Lang string
	// Configure are the arguments of ./configure (BuildConfigure) or cmake
	// (BuildCMake); ArchConfigure adds arguments per GOARCH, under "" for
	// the architectures it does not name.
	Configure     []string
	ArchConfigure map[string][]string
	// CFlags are the compiler flags: CFLAGS (and CXXFLAGS) of a configure
	// or CMake build, after the package's own; the whole command line of a
	// BuildUnits build, with Include as -I directories.
	CFlags  []string
	Include []string
	// Units are the files a BuildUnits build compiles, relative to the
	// unpacked sources.
	Units []string
	// Target is the archive the package's own build writes, relative to
	// the unpacked sources (configure) or the build directory (CMake); it
	// is also the make target.
	Target string
	// Archive is the file name the build delivers ("libjemalloc.a").
	Archive string
	// Symbols are the prefixed entry points and hooks the archive must
	// define; it must define none of the C library's malloc names.
	Symbols []string
}

// BuildStyle is how a MuslBuild's sources are built.
type BuildStyle string

const (
	// BuildUnits compiles Units with musl-gcc and archives them.
	BuildUnits BuildStyle = "units"
	// BuildConfigure runs ./configure (generated with autoreconf where the
	// source package has none) and make Target.
	BuildConfigure BuildStyle = "configure"
	// BuildCMake configures a build directory with cmake and makes Target.
	BuildCMake BuildStyle = "cmake"
)

// ConfigureArgs are Configure and ArchConfigure's arguments for GOARCH arch.
func (m MuslBuild) ConfigureArgs(arch string) []string {
	extra, ok := m.ArchConfigure[arch]
	if !ok {
		extra = m.ArchConfigure[""]
	}
	return append(append([]string(nil), m.Configure...), extra...)
}

// Spec is the record of one allocator.
type Spec struct {
	Name string
	// Doc is a one-line description for help texts.
	Doc  string
	Kind Kind
	// Libraries are the shared libraries that provide the allocator, per
	// distribution release; empty for the C library's and the harness's.
	Libraries []Library
	// Path is the file of a user's library (see ParseUser), opened instead
	// of Libraries.
	Path string
	// Prefix names the entry points: Prefix+"malloc", Prefix+"free" and
	// Prefix+"realloc", unless Malloc, Free and Realloc name them
	// explicitly.
	Prefix                string
	Malloc, Free, Realloc string
	// Version reports the version; Trim gives cached free memory back
	// between runs.
	Version, Trim Hook
	// Interposes is true when the library also defines the C library's
	// malloc names, so that LD_PRELOAD swaps it in for a whole program
	// (as glibc's own benchmark is run in allocbench fidelity).
	Interposes bool
	// Proxy is the soname of a companion library that defines the C
	// library's malloc names on top of the allocator, for one that does
	// not interpose itself (tbbmalloc's libtbbmalloc_proxy): what
	// LD_PRELOAD names to swap the allocator in for a whole program
	// (allocbench exec).
	Proxy string
	// Musl, when set, is how the static musl variant builds the
	// allocator. MuslSkip says why it is not there: with no Musl, why
	// it is not tried; with Musl, why the build was tried and fails on
	// Debian (internal/infra/muslalloc tries it anyway, and skips it with the
	// failure it meets).
	Musl     *MuslBuild
	MuslSkip string
	// Colour is the allocator's colour in plots, as 0xRRGGBB; 0 takes one
	// from a spare palette.
	Colour uint32
	// CrossThreadFree is false for an allocator that cannot take a block
	// freed by a thread other than the one that allocated it; workloads that
	// free across threads skip it.
	CrossThreadFree bool
	// Env are the environment variables that change how the allocator
	// behaves, and EnvPrefixes the prefixes of such variables: the main
	// job passes them on to the cells only through -env and says so, and
	// the benchmarks record each one they get (package sysinfo reads them
	// here).
	Env         []string
	EnvPrefixes []string
}

// Symbols are the entry points the workloads call.
func (s Spec) Symbols() (malloc, free, realloc string) {
	malloc, free, realloc = s.Malloc, s.Free, s.Realloc
	if malloc == "" {
		malloc = s.Prefix + "malloc"
	}
	if free == "" {
		free = s.Prefix + "free"
	}
	if realloc == "" {
		realloc = s.Prefix + "realloc"
	}
	return malloc, free, realloc
}

// MuslBuilt reports whether the musl variant has the allocator: it has a
// musl build expected to succeed.
func (s Spec) MuslBuilt() bool { return s.Musl != nil && s.MuslSkip == "" }

// User reports whether the record describes a user's own library.
func (s Spec) User() bool { return s.Path != "" }

// Loadable reports whether the allocator comes from a shared library.
func (s Spec) Loadable() bool { return s.Kind == Shared }

// Sonames are the distinct sonames of Libraries, those of release first:
// the files the loader tries, in order.
func (s Spec) Sonames(release string) []string {
	var out []string
	add := func(so string) {
		for _, x := range out {
			if x == so {
				return
			}
		}
		out = append(out, so)
	}
	for _, l := range s.Libraries {
		if l.Release == release {
			add(l.Soname)
		}
	}
	for _, l := range s.Libraries {
		add(l.Soname)
	}
	return out
}

// On returns the library that provides the allocator on release.
func (s Spec) On(release string) (Library, bool) {
	for _, l := range s.Libraries {
		if l.Release == release {
			return l, true
		}
	}
	return Library{}, false
}

// Packages are the packages that ship the allocator, per release.
func (s Spec) Packages() map[string]string {
	out := map[string]string{}
	for _, l := range s.Libraries {
		out[l.Release] = l.Package
	}
	return out
}

// Releases are the distribution releases the records name packages for, in
// the order the records first name them. The releases themselves (their
// names, package managers, other packages) are package
// internal/infra/distro's record, which this low layer cannot import: the
// records name a release by its label only, and a test there checks that
// each label is one of its releases.
func Releases() []string {
	var out []string
	for _, s := range builtins {
		for _, l := range s.Libraries {
			if !slices.Contains(out, l.Release) {
				out = append(out, l.Release)
			}
		}
	}
	return out
}

// noMuslCXX is why the musl build of an allocator written in C++ fails
// on Debian: musl-gcc -x c++ stops at the first standard header
// ("fatal error: new: No such file or directory"), since Debian's musl-tools
// brings no libstdc++ headers or runtime built for musl.
const noMuslCXX = "its sources are C++; musl-gcc finds no C++ standard library (no <new>: Debian ships no libstdc++ built for musl)"

var builtins = []Spec{
	{
		Name:   Libc,
		Doc:    "malloc of the C library the binary is linked against (glibc or musl)",
		Kind:   CLibrary,
		Colour: 0x0072B2,
		// glibc's tunables and MALLOC_* variables (MALLOC_ARENA_MAX,
		// MALLOC_CHECK_, MALLOC_PERTURB_...), and what the dynamic linker
		// loads.
		Env:             []string{"GLIBC_TUNABLES", "LD_PRELOAD", "LD_LIBRARY_PATH"},
		EnvPrefixes:     []string{"MALLOC_"},
		CrossThreadFree: true,
	},
	{
		Name: Jemalloc,
		Doc:  "jemalloc, loaded from the system's shared library",
		Libraries: []Library{
			{"debian12", "libjemalloc.so.2", "libjemalloc2"},
			{"debian13", "libjemalloc.so.2", "libjemalloc2"},
			{"ubuntu2404", "libjemalloc.so.2", "libjemalloc2"},
			{"alpine321", "libjemalloc.so.2", "jemalloc"},
			{"rocky9", "libjemalloc.so.2", "jemalloc"},
		},
		Version: Hook{VersionMallctl, "mallctl"},
		Trim:    Hook{TrimMallctl, "mallctl"},
		// Debian's configure options from debian/rules, with prefixed entry
		// points, no C++, no libdl; 4 KiB pages and profiling on x86,
		// 64 KiB pages elsewhere. -O2 as dpkg-buildflags gives, after
		// jemalloc's own -O3.
		Musl: &MuslBuild{Source: "jemalloc", Binary: "libjemalloc2", Style: BuildConfigure, Lang: "c",
			Configure: []string{"--with-jemalloc-prefix=je_", "--disable-cxx", "--disable-shared", "--enable-static",
				"--disable-doc", "--disable-libdl", "--with-version=VERSION", "--with-lg-hugepage=21"},
			ArchConfigure: map[string][]string{
				"amd64": {"--with-lg-page=12", "--enable-prof"},
				"386":   {"--with-lg-page=12", "--enable-prof"},
				"":      {"--with-lg-page=16"},
			},
			CFlags:  []string{"-O2", "-g0", "-fstack-protector-strong"},
			Target:  "lib/libjemalloc.a",
			Archive: "libjemalloc.a",
			Symbols: []string{"je_malloc", "je_free", "je_realloc", "je_mallctl"}},
		Colour:     0xD55E00,
		Interposes: true,
		// MALLOC_CONF (under MALLOC_, the C library's prefix), and the
		// names it takes with a prefix: je_ (the musl build's, Debian's
		// static builds') and _rjem_ (Rust's tikv-jemallocator).
		Env:             []string{"MALLOC_CONF", "JE_MALLOC_CONF", "_RJEM_MALLOC_CONF"},
		EnvPrefixes:     []string{"JEMALLOC_"},
		CrossThreadFree: true,
	},
	{
		Name: Mimalloc,
		Doc:  "mimalloc 2, loaded from the system's shared library",
		Libraries: []Library{
			{"debian12", "libmimalloc.so.2", "libmimalloc2.0"},
			{"ubuntu2404", "libmimalloc.so.2", "libmimalloc2.0"},
			{"alpine321", "libmimalloc.so.2", "mimalloc2"},
		},
		Prefix:  "mi_",
		Version: Hook{VersionDigits, "mi_version"},
		Trim:    Hook{TrimCollect, "mi_collect"},
		// The whole library in one unit (src/static.c) with CMake's release
		// flags, without MI_MALLOC_OVERRIDE.
		Musl: &MuslBuild{Source: "mimalloc", Binary: "libmimalloc2.0", Style: BuildUnits, Lang: "c",
			CFlags: []string{"-O2", "-DNDEBUG", "-DMI_STATIC_LIB",
				"-fvisibility=hidden", "-ftls-model=initial-exec", "-fstack-protector-strong",
				"-Wall", "-Wextra", "-Wno-unknown-pragmas"},
			Include: []string{"include"},
			Units:   []string{"src/static.c"},
			Archive: "libmimalloc.a",
			Symbols: []string{"mi_malloc", "mi_free", "mi_realloc", "mi_version", "mi_collect"}},
		Colour:          0x009E73,
		Interposes:      true,
		EnvPrefixes:     []string{"MIMALLOC_"},
		CrossThreadFree: true,
	},
	{
		Name: Mimalloc3,
		Doc:  "mimalloc 3, loaded from the system's shared library (Debian 13)",
		Libraries: []Library{
			{"debian13", "libmimalloc.so.3", "libmimalloc3"},
		},
		Prefix:          "mi_",
		Version:         Hook{VersionDigits, "mi_version"},
		Trim:            Hook{TrimCollect, "mi_collect"},
		Colour:          0x56B4E9,
		Interposes:      true,
		MuslSkip:        "the musl builds follow the source versions of the glibc variant's packages, and mimalloc 3's record has no musl build yet",
		EnvPrefixes:     []string{"MIMALLOC_"},
		CrossThreadFree: true,
	},
	{
		Name: Tcmalloc,
		Doc:  "gperftools tcmalloc (minimal), loaded from the system's shared library",
		Libraries: []Library{
			{"debian12", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4"},
			{"debian13", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4t64"},
			{"ubuntu2404", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4t64"},
			{"alpine321", "libtcmalloc_minimal.so.4", "gperftools"},
			{"rocky9", "libtcmalloc_minimal.so.4", "gperftools-libs"},
		},
		Prefix:     "tc_",
		Version:    Hook{VersionGperftools, "tc_version"},
		Trim:       Hook{TrimCall, "MallocExtension_ReleaseFreeMemory"},
		Colour:     0xCC79A7,
		Interposes: true,
		// Debian's source package is google-perftools, without a configure
		// script (debian/rules runs dh_autoreconf).
		Musl: &MuslBuild{Source: "google-perftools", Binary: "libtcmalloc-minimal4", Style: BuildConfigure, Lang: "c++",
			Configure: []string{"--enable-minimal", "--disable-shared", "--enable-static"},
			CFlags:    []string{"-O2", "-g0"},
			Target:    ".libs/libtcmalloc_minimal.a",
			Archive:   "libtcmalloc_minimal.a",
			Symbols:   []string{"tc_malloc", "tc_free", "tc_realloc", "tc_version"}},
		MuslSkip: noMuslCXX,
		// gperftools' TCMALLOC_* and PERFTOOLS_* variables, and
		// MALLOCSTATS (statistics at exit).
		Env:             []string{"MALLOCSTATS"},
		EnvPrefixes:     []string{"TCMALLOC_", "PERFTOOLS_"},
		CrossThreadFree: true,
	},
	{
		Name: Tbbmalloc,
		Doc:  "oneTBB's scalable allocator (tbbmalloc), loaded from the system's shared library",
		Libraries: []Library{
			{"debian12", "libtbbmalloc.so.2", "libtbbmalloc2"},
			{"debian13", "libtbbmalloc.so.2", "libtbbmalloc2"},
			{"ubuntu2404", "libtbbmalloc.so.2", "libtbbmalloc2"},
		},
		Prefix: "scalable_",
		Proxy:  "libtbbmalloc_proxy.so.2",
		// No trim hook: scalable_allocation_command(TBBMALLOC_CLEAN_ALL_BUFFERS)
		// crashed in Debian 13's tbbmalloc between runs once worker threads
		// had exited. Memory figures come from a fresh process anyway.
		Colour: 0xE69F00,
		Musl: &MuslBuild{Source: "onetbb", Binary: "libtbbmalloc2", Style: BuildCMake, Lang: "c++",
			Configure: []string{"-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF", "-DTBB_TEST=OFF", "-DTBB_STRICT=OFF"},
			CFlags:    []string{"-O2", "-g0"},
			Target:    "tbbmalloc",
			Archive:   "libtbbmalloc.a",
			Symbols:   []string{"scalable_malloc", "scalable_free", "scalable_realloc"}},
		MuslSkip: noMuslCXX,
		// TBB_MALLOC_USE_HUGE_PAGES, TBB_MALLOC_SET_HUGE_SIZE_THRESHOLD.
		EnvPrefixes:     []string{"TBB_MALLOC_"},
		CrossThreadFree: true,
	},
	{
		Name:            Floor,
		Doc:             "per-thread free lists inside the harness: the harness's own cost per operation",
		Kind:            Harness,
		Prefix:          "floor_",
		Colour:          0x555555,
		CrossThreadFree: false,
	},
}

var (
	mu    sync.Mutex
	users []Spec
)

// EnvOwner returns the name of the allocator whose record names the
// environment variable name, in Env, or else by a prefix in EnvPrefixes
// (MALLOC_CONF is jemalloc's; MALLOC_ARENA_MAX the C library's); "" when
// none does.
func EnvOwner(name string) string {
	all := All()
	for _, s := range all {
		for _, n := range s.Env {
			if name == n {
				return s.Name
			}
		}
	}
	for _, s := range all {
		for _, p := range s.EnvPrefixes {
			if strings.HasPrefix(name, p) {
				return s.Name
			}
		}
	}
	return ""
}

// All returns every known allocator, the built-in ones in the order tables
// show them, then the user's libraries in the order they were registered.
func All() []Spec {
	mu.Lock()
	defer mu.Unlock()
	out := make([]Spec, 0, len(builtins)+len(users))
	out = append(out, builtins...)
	return append(out, users...)
}

// Builtin returns the built-in records.
func Builtin() []Spec {
	return append([]Spec(nil), builtins...)
}

// Names returns the names of every known allocator, in table order.
func Names() []string {
	all := All()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
	}
	return names
}

// Lookup returns the allocator called name.
func Lookup(name string) (Spec, error) {
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	return Spec{}, fmt.Errorf("unknown allocator %q%s (valid: %s, or name=/path/to/lib.so[:prefix] for a library of your own)",
		name, suggest.DidYouMean(name, Names()), strings.Join(Names(), ", "))
}

// Register adds a user's library (made by ParseUser) to the known
// allocators. Registering the same record twice is a no-op; another record
// under a known name is an error.
func Register(s Spec) error {
	if !s.User() {
		return fmt.Errorf("allocator %s: only a user's library can be registered", s.Name)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, b := range builtins {
		if b.Name == s.Name {
			return fmt.Errorf("allocator name %q is taken by the built-in allocator (built-in: %s); give your library another name", s.Name, builtinNames())
		}
	}
	for _, u := range users {
		if u.Name == s.Name {
			if u.Path == s.Path && u.Prefix == s.Prefix {
				return nil
			}
			return fmt.Errorf("allocator %s is given twice: %s and %s", s.Name, FormatUser(u), FormatUser(s))
		}
	}
	users = append(users, s)
	return nil
}

// Users returns the user's libraries registered so far.
func Users() []Spec {
	mu.Lock()
	defer mu.Unlock()
	return append([]Spec(nil), users...)
}

func builtinNames() string {
	var n []string
	for _, b := range builtins {
		n = append(n, b.Name)
	}
	return strings.Join(n, ", ")
}

// ParseList parses a comma-separated list of allocators; "all" stands for
// every built-in one. An entry name=/path/to/lib.so[:prefix] is a user's
// library: it is checked (see
// ParseUser) and registered. Duplicates are dropped; the result keeps table
// order.
func ParseList(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty allocator list (valid: all, or a comma-separated list of %s, or name=/path/to/lib.so[:prefix])", strings.Join(Names(), ", "))
	}
	want := map[string]bool{}
	fields := strings.Split(s, ",")
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "all" {
			for _, b := range builtins {
				want[b.Name] = true
			}
			continue
		}
		if strings.Contains(f, "=") {
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
			want[u.Name] = true
			continue
		}
		if _, err := Lookup(f); err != nil {
			return nil, err
		}
		want[f] = true
	}
	var out []string
	for _, n := range Names() {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// Info is what was found about one allocator in this process.
type Info struct {
	Name string
	// Version is the version the allocator reports about itself.
	Version string
	// Library is the file the allocator was loaded from ("" when it is part
	// of the binary).
	Library string
	// BuildID is the library's GNU build-id, in hex, when it has one.
	BuildID string
	// ServedBy is the object that really serves the entry points the
	// workloads call, as the dynamic linker resolved them.
	ServedBy string
	// Skipped, when not empty, says why the allocator cannot be used here.
	Skipped string
}

// Available reports whether the allocator can be used in this process.
func (i Info) Available() bool { return i.Skipped == "" }

// ConfigKey is the benchfmt configuration key for the allocator.
func (i Info) ConfigKey() string { return results.AllocKey(i.Name) }

// ConfigValue is the benchfmt configuration value: the version and where it
// came from, or why it was skipped.
func (i Info) ConfigValue() string {
	if i.Skipped != "" {
		return "skipped: " + oneLine(i.Skipped)
	}
	v := i.Version
	if i.Library != "" {
		v += " library=" + i.Library
	}
	if i.BuildID != "" {
		v += " build-id=" + i.BuildID
	}
	if i.ServedBy != "" {
		v += " served-by=" + i.ServedBy
	}
	return oneLine(v)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// sortedReleases lists the releases of a record's libraries in the order
// of Releases.
func sortedReleases(s Spec) []string {
	var out []string
	for _, l := range s.Libraries {
		out = append(out, l.Release)
	}
	releases := Releases()
	index := func(r string) int {
		if i := slices.Index(releases, r); i >= 0 {
			return i
		}
		return len(releases)
	}
	sort.SliceStable(out, func(i, j int) bool { return index(out[i]) < index(out[j]) })
	return out
}

// PackagesOn are the packages that ship the built-in allocators on release,
// in record order: what a recipe for that release installs.
func PackagesOn(release string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range builtins {
		if l, ok := s.On(release); ok && !seen[l.Package] {
			seen[l.Package] = true
			out = append(out, l.Package)
		}
	}
	return out
}
