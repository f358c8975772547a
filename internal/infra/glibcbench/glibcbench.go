// Package glibcbench builds and runs glibc's own malloc benchmark,
// benchtests/bench-malloc-thread.c, from the distribution's glibc source
// package, so that allocbench's churn workload can be checked against the
// program it reproduces:
//
//	prog, err := glibcbench.Build(ctx, glibcbench.Options{Duration: 2 * time.Second, Log: os.Stderr})
//	lib, err := prog.Preload(ctx, "jemalloc") // "" for libc
//	res, err := prog.Run(ctx, 2, lib)
//	// res.OpsPerSec(): malloc+free pairs per second, all threads together
//
// The sources are those of the installed libc6's source package, at its
// version, fetched with apt-get through package debsrc's private source
// list. Only four files of the upstream tarball are used: the benchmark,
// bench-timing.h and json-lib.{c,h}; the build refuses to go on when one of
// Debian's patches changes any of them. Two things differ from glibc's own
// build, and nothing else: BENCHMARK_DURATION, a #define of 10 seconds that
// -D cannot override, is edited to the duration asked for, and the timing
// header glibc takes from its sysdeps (CPU cycles) is replaced by one that
// reads CLOCK_MONOTONIC, so that times are in nanoseconds. It is compiled
// with gcc -O2, as glibc's benchtests are, and linked against the system's
// glibc; other allocators are swapped in with LD_PRELOAD.
//
// Sources and binaries are cached, keyed by the glibc source version (and,
// for binaries, the compiler, architecture, recipe and duration), and
// checked by their SHA-256 before use.
package glibcbench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/infra/debsrc"
)

const (
	// Name is the program's name.
	Name = "bench-malloc-thread"
	// RecipeVersion changes whenever the way the program is built does, so
	// that a binary built the old way is not used.
	RecipeVersion = 1
	// MaxDuration bounds Options.Duration.
	MaxDuration = time.Hour

	sourcePackage = "glibc"
	libcPackage   = "libc6"
	cc            = "gcc"
)

// ErrFetch marks an error in fetching glibc's sources: no Debian mirror to
// be reached, or no such version there.
var ErrFetch = debsrc.ErrFetch

// sourceFiles are taken from the tarball's benchtests directory.
var sourceFiles = []string{"bench-malloc-thread.c", "bench-timing.h", "json-lib.c", "json-lib.h"}

// Compiler flags and libraries, as glibc's benchtests are built: -O2, the
// maths library for powf and the threads library.
var (
	cflags = []string{"-O2"}
	ldlibs = []string{"-lm", "-lpthread"}
)

// Options control Build.
type Options struct {
	// CacheDir holds the sources, the binaries and the private package
	// index; default $XDG_CACHE_HOME/allocbench/glibcbench or
	// ~/.cache/allocbench/glibcbench.
	CacheDir string
	// Duration is how long each run of the program lasts: whole seconds,
	// 1s to MaxDuration (the program sets an alarm in seconds).
	Duration time.Duration
	// Log, when set, receives one line per step of the build.
	Log io.Writer
}

// Program is a built bench-malloc-thread.
type Program struct {
	Path   string
	SHA256 string
	// Duration is the run length compiled in.
	Duration time.Duration
	// Source and Version name the source package: "glibc", "2.36-9+deb12u10".
	Source, Version string
	// CC is the compiler and its version: "gcc 12.2.0".
	CC string
}

// Upstream is glibc's own version: "2.36".
func (p Program) Upstream() string { return debsrc.UpstreamVersion(p.Version) }

// Describe says what the program is, for configuration lines:
// "benchtests/bench-malloc-thread.c of glibc 2.36 (Debian source 2.36-9+deb12u10), duration 2s, gcc 12.2.0 -O2, CLOCK_MONOTONIC ns".
func (p Program) Describe() string {
	return fmt.Sprintf("benchtests/%s.c of glibc %s (Debian source %s %s), duration %v, %s %s, CLOCK_MONOTONIC ns",
		Name, p.Upstream(), p.Source, p.Version, p.Duration, p.CC, strings.Join(cflags, " "))
}

// CheckDuration reports whether d can be compiled in: whole seconds, 1s to
// MaxDuration.
func CheckDuration(d time.Duration) error {
	if d < time.Second || d > MaxDuration || d%time.Second != 0 {
		return fmt.Errorf("duration %v is not whole seconds from 1s to %v (bench-malloc-thread's alarm counts seconds)", d, MaxDuration)
	}
	return nil
}

// DefaultCacheDir is $XDG_CACHE_HOME/allocbench/glibcbench, or
// ~/.cache/allocbench/glibcbench.
func DefaultCacheDir() (string, error) { return debsrc.CacheDir("glibcbench") }

// Build returns the program for the installed glibc's source version and
// opts.Duration, from the cache or built now (the first time, a 19 MB
// download).
func Build(ctx context.Context, opts Options) (Program, error) {
	b, err := newBuilder(opts)
	if err != nil {
		return Program{}, err
	}
	return b.build(ctx)
}

type builder struct {
	opts     Options
	log      io.Writer
	lookPath func(string) (string, error)
	exec     func(context.Context, debsrc.Step) ([]byte, error)
	system   debsrc.System
	arch     string
}

func newBuilder(opts Options) (*builder, error) {
	if err := CheckDuration(opts.Duration); err != nil {
		return nil, err
	}
	dir, err := debsrc.ResolveCacheDir(opts.CacheDir, "glibcbench")
	if err != nil {
		return nil, err
	}
	opts.CacheDir = dir
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	return &builder{
		opts:     opts,
		log:      log,
		lookPath: exec.LookPath,
		exec:     debsrc.Exec,
		system:   debsrc.DefaultSystem(),
		arch:     runtime.GOARCH,
	}, nil
}

func (b *builder) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "glibcbench: "+format+"\n", args...)
}

// run runs a step and turns a failure into a debsrc.StepError.
func (b *builder) run(ctx context.Context, s debsrc.Step) ([]byte, error) {
	out, err := b.exec(ctx, s)
	if err != nil {
		return out, s.Failed(out, err)
	}
	return out, nil
}

// tool is a command the build needs and the Debian package that has it.
type tool struct{ cmd, pkg string }

var tools = []tool{
	{"dpkg-query", "dpkg"},
	{"apt-get", "apt"},
	{cc, "gcc"},
	{"tar", "tar"},
	{"xz", "xz-utils"},
}

// checkTools names what is missing and how to install it.
func (b *builder) checkTools() error {
	var missing, pkgs []string
	for _, t := range tools {
		if _, err := b.lookPath(t.cmd); err != nil {
			missing = append(missing, t.cmd)
			pkgs = append(pkgs, t.pkg)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := b.lookPath("dpkg-query"); err != nil {
		return fmt.Errorf("building glibc's %s needs a Debian or Ubuntu system (it fetches the distribution's glibc source package with apt-get); missing %s",
			Name, strings.Join(missing, ", "))
	}
	return fmt.Errorf("building glibc's %s needs %s; install with: apt-get install -y --no-install-recommends %s",
		Name, strings.Join(missing, ", "), strings.Join(pkgs, " "))
}

// glibcVersion is the source package and version of the installed libc6.
func (b *builder) glibcVersion(ctx context.Context) (source, version string, err error) {
	out, err := b.exec(ctx, debsrc.Step{Argv: []string{"dpkg-query", "-W", "-f", debsrc.DpkgQueryFormat, libcPackage}})
	src, v, ok := debsrc.ParseDpkgQuery(string(out))
	if err != nil || !ok {
		return "", "", fmt.Errorf("%s is not installed (dpkg-query: %s): cannot tell which glibc sources to build", libcPackage, strings.TrimSpace(string(out)))
	}
	if src != sourcePackage {
		return "", "", fmt.Errorf("%s comes from source package %q, not %q", libcPackage, src, sourcePackage)
	}
	if err := debsrc.CheckVersion(src, v); err != nil {
		return "", "", err
	}
	return src, v, nil
}

// ccVersion is "gcc 12.2.0".
func (b *builder) ccVersion(ctx context.Context) (string, error) {
	out, err := b.run(ctx, debsrc.Step{What: "asking the compiler its version", Argv: []string{cc, "-dumpfullversion"}})
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(out))
	if v == "" || strings.ContainsAny(v, " \t\n/") {
		return "", fmt.Errorf("%s -dumpfullversion printed %q, not a version", cc, v)
	}
	return cc + " " + v, nil
}

// key is what a binary depends on.
type key struct {
	Source, Version, CC, Arch string
	Recipe                    int
	Duration                  time.Duration
}

func (k key) String() string {
	return fmt.Sprintf("%s %s, %s, %s, recipe %d, duration %v", k.Source, k.Version, k.CC, k.Arch, k.Recipe, k.Duration)
}

// sourceDir holds the pristine sources of one glibc version.
func (b *builder) sourceDir(source, version string) string {
	return filepath.Join(b.opts.CacheDir, clean(source+"-"+version), "src")
}

// binaryPath is where the binary for k goes; its manifest is beside it.
func (b *builder) binaryPath(k key) string {
	dir := clean(fmt.Sprintf("%s_%s_r%d", strings.ReplaceAll(k.CC, " ", "-"), k.Arch, k.Recipe))
	return filepath.Join(b.opts.CacheDir, clean(k.Source+"-"+k.Version), dir, fmt.Sprintf("%s-%ds", Name, int(k.Duration/time.Second)))
}

// clean makes a version a file name: readable, and distinct for distinct
// versions (versions never contain '='; an epoch's ':' becomes '%').
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(".+~-_", r):
			return r
		case r == ':':
			return '%'
		}
		return '='
	}, s)
}

func (b *builder) build(ctx context.Context) (Program, error) {
	if err := b.checkTools(); err != nil {
		return Program{}, err
	}
	source, version, err := b.glibcVersion(ctx)
	if err != nil {
		return Program{}, err
	}
	ccv, err := b.ccVersion(ctx)
	if err != nil {
		return Program{}, err
	}
	k := key{Source: source, Version: version, CC: ccv, Arch: b.arch, Recipe: RecipeVersion, Duration: b.opts.Duration}
	if p, ok := b.cachedBinary(k); ok {
		b.logf("using %s (cached)", p.Path)
		return p, nil
	}
	if err := os.MkdirAll(b.opts.CacheDir, 0o755); err != nil {
		return Program{}, err
	}
	unlock, err := debsrc.Lock(ctx, b.opts.CacheDir, func() {
		b.logf("waiting for another build to finish (%s)", filepath.Join(b.opts.CacheDir, ".lock"))
	})
	if err != nil {
		return Program{}, err
	}
	defer unlock()
	if p, ok := b.cachedBinary(k); ok { // built while we waited
		b.logf("using %s (cached)", p.Path)
		return p, nil
	}
	b.removeStale()

	src := b.sourceDir(source, version)
	if _, ok := cachedSources(src, source, version); !ok {
		if err := b.fetchSources(ctx, source, version, src); err != nil {
			return Program{}, err
		}
	} else {
		b.logf("using the sources in %s (cached)", src)
	}
	return b.compile(ctx, k, src)
}

// removeStale deletes the work directories of builds that were killed; the
// caller holds the lock, so no build is using them.
func (b *builder) removeStale() {
	stale, _ := filepath.Glob(filepath.Join(b.opts.CacheDir, ".work-*"))
	for _, d := range stale {
		os.RemoveAll(d)
	}
}

// fileSHA256 is the hex SHA-256 of a file's content.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// errChanged says the upstream file is not what the recipe was written
// for.
var errChanged = errors.New("the recipe needs looking at")
