// Package muslalloc builds the musl allocator libraries: every allocator
// whose record (package alloc) has a musl build, compiled with musl-gcc from
// Debian's own source packages through one generic recipe that the record
// drives (a configure, CMake or plain compile build, its flags, the archive
// it yields and the symbols nm must find there), as static libraries with
// prefixed entry points (je_malloc, mi_malloc) that leave musl's malloc the
// process's malloc. A build the record expects to fail (C++ sources: musl-gcc
// has no C++ standard library) is tried and skipped with the reason met.
// A static musl build of allocbench links them in with the
// allocbench_static build tag, since a static binary cannot open the
// system's shared libraries:
//
//	libs, err := muslalloc.Build(ctx, muslalloc.Options{Log: os.Stderr})
//	// then, from the module root:
//	// CC=musl-gcc CGO_LDFLAGS=<libs.CGOLDFLAGS()> go test -tags allocbench_static \
//	//   -ldflags "<libs.LDFlags()>" ./bench
//
// The versions built are those of the glibc build's libraries: the source
// versions of the installed binary packages the records name
// (libjemalloc2, libmimalloc2.0, ...), or of their candidates when they are
// not installed. The sources come through apt-get from the machine's own
// Debian mirror, with a private source list and
// package index in the cache directory; the system's APT configuration is
// not touched. Results are cached by source versions, musl version and
// recipe, and a cache entry appears whole or not at all.
package muslalloc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/infra/debsrc"
	"github.com/allocbench/allocbench/internal/infra/distro"
)

const (
	// BuildTag links the libraries into package cgoalloc.
	BuildTag = "allocbench_static"
	// SourcesVar is the variable that takes Libs.Sources with -X.
	SourcesVar = "github.com/allocbench/allocbench/cgoalloc.staticSources"
	// SkippedVar is the variable that takes Libs.SkippedText with -X.
	SkippedVar = "github.com/allocbench/allocbench/cgoalloc.staticSkipped"
	// RecipeVersion changes whenever the way the libraries are built does,
	// so that a cache entry built the old way is not used.
	RecipeVersion = 2

	manifestName = "allocbench-musl.json"
)

// ErrFetch marks an error in fetching the Debian sources (the package index
// or the source package): usually no network or no such version on the
// mirror.
var ErrFetch = debsrc.ErrFetch

// StepError is a command of the build that failed: what it was for, the
// command, and the tail of its output.
type StepError = debsrc.StepError

// recipe is an allocator the generic recipe builds: its record's name and
// musl build.
type recipe struct {
	Name string
	alloc.MuslBuild
	// Expected is why the build is expected to fail ("" when it should
	// succeed): a failure is then a skip, not an error.
	Expected string
}

// recipes are the records with a musl build, in the records' order.
func recipes() []recipe {
	var out []recipe
	for _, s := range alloc.Builtin() {
		if s.Musl != nil {
			out = append(out, recipe{Name: s.Name, MuslBuild: *s.Musl, Expected: s.MuslSkip})
		}
	}
	return out
}

// muslVersionLine finds the version musl's dynamic loader prints.
var muslVersionLine = regexp.MustCompile(`(?m)^Version ([0-9][^\s]*)`)

// Options control Build.
type Options struct {
	// CacheDir holds the built libraries and the private package index;
	// default $XDG_CACHE_HOME/allocbench/musl or ~/.cache/allocbench/musl.
	CacheDir string
	// Log, when set, receives one line per step of the build.
	Log io.Writer
	// NoInstall forbids installing missing tools (musl-tools, dpkg-dev,
	// ...); Build then fails with the command that installs them.
	NoInstall bool
}

// Libs are built allocator libraries.
type Libs struct {
	// Dir holds the archives (libjemalloc.a, libmimalloc.a, ...).
	Dir string
	// Versions are the Debian source package versions built, by
	// allocator: {"jemalloc": "5.3.0-1", "mimalloc": "2.0.9+ds-2"}.
	Versions map[string]string
	// Skipped are the allocators whose build was tried and failed, with
	// the reason: {"tcmalloc": "its sources are C++; ..."}.
	Skipped map[string]string
	// Fallback are the allocators built from the other Debian release's
	// sources because this release's version could not be fetched, with
	// which: {"jemalloc": "trixie's source 5.3.0-3, as jemalloc 5.3.0-1
	// could not be fetched"}.
	Fallback map[string]string
	// Musl is the version of musl they were built against: the Debian
	// version of musl-dev ("1.2.3-1"), or the version musl's loader reports.
	Musl string
	// CC is the compiler that built them, and must build the program that
	// links them: "musl-gcc".
	CC string
}

// Sources says where the libraries came from, for SourcesVar:
// "jemalloc 5.3.0-1 and mimalloc 2.0.9+ds-2, Debian sources built with
// musl-gcc 1.2.3".
func (l Libs) Sources() string {
	var parts []string
	for _, r := range recipes() {
		if v, ok := l.Versions[r.Name]; ok {
			parts = append(parts, r.Name+" "+v)
		}
	}
	list := strings.Join(parts, ", ")
	if n := len(parts); n > 1 {
		list = strings.Join(parts[:n-1], ", ") + " and " + parts[n-1]
	}
	text := fmt.Sprintf("%s, Debian sources built with %s %s", list, l.CC, debsrc.UpstreamVersion(l.Musl))
	for _, r := range recipes() {
		if f, ok := l.Fallback[r.Name]; ok {
			text += " (" + r.Name + ": " + f + ")"
		}
	}
	return text
}

// SkippedText lists the builds that were tried and failed, with the
// reason, for SkippedVar: "tcmalloc: musl-gcc cannot compile C++: ...;
// tbbmalloc: ...", in the records' order. A reason loses its quotes and
// its semicolons become commas, so that the list survives -ldflags.
func (l Libs) SkippedText() string {
	var parts []string
	for _, r := range recipes() {
		if why, ok := l.Skipped[r.Name]; ok {
			parts = append(parts, r.Name+": "+skipClean.Replace(why))
		}
	}
	return strings.Join(parts, "; ")
}

// skipClean makes a reason fit SkippedVar's list through -ldflags.
var skipClean = strings.NewReplacer("'", "", `"`, "", ";", ",", "\n", " ")

// FailedText is SkippedText for a build that failed as a whole (Build's
// error err): every recipe, with err as the reason, so that a program
// built without the libraries still says why each is missing ("the archive
// serves no source for that version", say) rather than only that it
// cannot load it.
func FailedText(err error) string {
	why := skipClean.Replace(strings.TrimSpace(err.Error()))
	var parts []string
	for _, r := range recipes() {
		parts = append(parts, r.Name+": the musl libraries could not be built: "+why)
	}
	return strings.Join(parts, "; ")
}

// CGOLDFLAGS is the CGO_LDFLAGS value that finds the libraries: "-L" + Dir,
// quoted where Dir needs it.
func (l Libs) CGOLDFLAGS() string {
	flag := "-L" + l.Dir
	if strings.ContainsAny(flag, " \t\n'\"\\") {
		if strings.ContainsRune(flag, '\'') {
			return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(flag) + `"`
		}
		return "'" + flag + "'"
	}
	return flag
}

// LDFlags is the go build -ldflags value for a static musl binary that
// names the libraries' sources and the builds that failed.
func (l Libs) LDFlags() string {
	flags := "-linkmode external -extldflags -static -X '" + SourcesVar + "=" + l.Sources() + "'"
	if text := l.SkippedText(); text != "" {
		flags += " -X '" + SkippedVar + "=" + text + "'"
	}
	return flags
}

// BuildFlags are the go build/test flags: the build tag and LDFlags.
func (l Libs) BuildFlags() []string {
	return []string{"-tags", BuildTag, "-ldflags", l.LDFlags()}
}

// Env is the environment to add for go build/test: the compiler, cgo and
// CGO_LDFLAGS.
func (l Libs) Env() []string {
	return []string{"CC=" + l.CC, "CGO_ENABLED=1", "CGO_LDFLAGS=" + l.CGOLDFLAGS()}
}

// DefaultCacheDir is $XDG_CACHE_HOME/allocbench/musl, or
// ~/.cache/allocbench/musl.
func DefaultCacheDir() (string, error) { return debsrc.CacheDir("musl") }

// Build returns the libraries for the current source and musl versions,
// from the cache or built now (about a minute on two cores).
func Build(ctx context.Context, opts Options) (Libs, error) {
	b, err := newBuilder(opts)
	if err != nil {
		return Libs{}, err
	}
	return b.build(ctx)
}

type builder struct {
	opts Options
	log  io.Writer
	// installer knows this system's release and installs the tools.
	installer distro.Installer
	lookPath  func(string) (string, error)
	exec      func(context.Context, debsrc.Step) ([]byte, error)
	system    debsrc.System
	arch      string // GOARCH
	// other is the private index of the other Debian release, made when
	// a source cannot be fetched from this one's.
	other    *debsrc.Apt
	buildLog io.Writer
}

func newBuilder(opts Options) (*builder, error) {
	dir, err := debsrc.ResolveCacheDir(opts.CacheDir, "musl")
	if err != nil {
		return nil, err
	}
	opts.CacheDir = dir
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	return &builder{
		opts:      opts,
		log:       log,
		installer: distro.NewInstaller(),
		lookPath:  exec.LookPath,
		exec:      debsrc.Exec,
		system:    debsrc.DefaultSystem(),
		arch:      runtime.GOARCH,
	}, nil
}

func (b *builder) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "muslalloc: "+format+"\n", args...)
}

// run runs a step and turns a failure into a StepError.
func (b *builder) run(ctx context.Context, s debsrc.Step) ([]byte, error) {
	out, err := b.exec(ctx, s)
	if b.buildLog != nil {
		fmt.Fprintf(b.buildLog, "$ %s\n%s\n", debsrc.QuoteArgs(s.Argv), out)
	}
	if err != nil {
		return out, s.Failed(out, err)
	}
	return out, nil
}

// cacheKey is what a cache entry depends on: the source version of every
// recipe, musl's, the compiler, the architecture and the recipe version.
type cacheKey struct {
	Versions       map[string]string
	Musl, CC, Arch string
	Recipe         int
}

func (k cacheKey) String() string {
	var parts []string
	for _, r := range recipes() {
		parts = append(parts, r.Name+" "+k.Versions[r.Name])
	}
	return fmt.Sprintf("%s, musl %s, %s, %s, recipe %d",
		strings.Join(parts, ", "), k.Musl, k.CC, k.Arch, k.Recipe)
}

// dirName names the cache entry: readable, and distinct for distinct keys
// (versions never contain '_'; an epoch's ':' becomes '%').
func (k cacheKey) dirName() string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(".+~-", r):
				return r
			case r == ':':
				return '%'
			}
			return '='
		}, s)
	}
	var parts []string
	for _, r := range recipes() {
		parts = append(parts, r.Name+"-"+clean(k.Versions[r.Name]))
	}
	return fmt.Sprintf("%s_musl-%s_%s_%s_r%d",
		strings.Join(parts, "_"), clean(k.Musl), clean(k.CC), clean(k.Arch), k.Recipe)
}

// complete reports whether every recipe has a version.
func (k cacheKey) complete() bool {
	for _, r := range recipes() {
		if k.Versions[r.Name] == "" {
			return false
		}
	}
	return k.Musl != ""
}

// libs are the libraries of an entry in dir; skipped are the recipes that
// failed there.
func (k cacheKey) libs(dir string, skipped, fallback map[string]string) Libs {
	l := Libs{Dir: dir, Versions: map[string]string{}, Skipped: map[string]string{}, Fallback: map[string]string{}, Musl: k.Musl, CC: k.CC}
	for _, r := range recipes() {
		if why, ok := skipped[r.Name]; ok {
			l.Skipped[r.Name] = why
			continue
		}
		l.Versions[r.Name] = k.Versions[r.Name]
		if f, ok := fallback[r.Name]; ok {
			l.Fallback[r.Name] = f
		}
	}
	return l
}

// manifest is written last into a cache entry.
type manifest struct {
	Key     string `json:"key"`
	Sources string `json:"sources"`
	// SHA256 is the SHA-256 of each library, in hex: a cached entry is
	// used only when its files still have it.
	SHA256 map[string]string `json:"sha256"`
	// Skipped are the recipes that failed, with the reason.
	Skipped map[string]string `json:"skipped,omitempty"`
	// Fallback are the recipes built from the other release's sources.
	Fallback map[string]string `json:"fallback,omitempty"`
	Built    time.Time         `json:"built"`
	Seconds  float64           `json:"seconds"`
	Recipe   map[string]any    `json:"recipe"`
}

// cached returns the cache entry for k when it is complete.
func (b *builder) cached(k cacheKey) (Libs, bool) {
	dir := filepath.Join(b.opts.CacheDir, k.dirName())
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return Libs{}, false
	}
	var m manifest
	if json.Unmarshal(data, &m) != nil || m.Key != k.String() {
		return Libs{}, false
	}
	for _, r := range recipes() {
		if _, ok := m.Skipped[r.Name]; ok {
			continue
		}
		f := r.Archive
		sum, err := fileSHA256(filepath.Join(dir, f))
		if err != nil || m.SHA256[f] == "" || sum != m.SHA256[f] {
			return Libs{}, false
		}
	}
	return k.libs(dir, m.Skipped, m.Fallback), true
}

// fileSHA256 returns the SHA-256 of a file's contents, in hex.
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

// lock takes the cache directory's lock, so that two builds do not work on
// the same entry or the private package index at once.
func (b *builder) lock(ctx context.Context) (func(), error) {
	return debsrc.Lock(ctx, b.opts.CacheDir, func() {
		b.logf("waiting for another build to finish (%s)", filepath.Join(b.opts.CacheDir, ".lock"))
	})
}

func (b *builder) build(ctx context.Context) (Libs, error) {
	if _, err := b.lookPath("apt-get"); err != nil {
		return Libs{}, errors.New("building the musl allocator libraries needs apt-get and dpkg (Debian or Ubuntu) to fetch Debian's source packages")
	}
	k := cacheKey{Versions: map[string]string{}, CC: "musl-gcc", Arch: b.arch, Recipe: RecipeVersion}
	sources := map[string]string{}
	for _, r := range recipes() {
		sources[r.Name], k.Versions[r.Name] = b.localVersion(ctx, r)
	}
	k.Musl = b.muslVersion(ctx)
	if k.complete() {
		if libs, ok := b.cached(k); ok {
			b.logf("using %s (cached)", libs.Dir)
			return libs, nil
		}
	}

	if err := os.MkdirAll(b.opts.CacheDir, 0o755); err != nil {
		return Libs{}, err
	}
	unlock, err := b.lock(ctx)
	if err != nil {
		return Libs{}, err
	}
	defer unlock()
	if k.complete() {
		if libs, ok := b.cached(k); ok { // built while we waited
			b.logf("using %s (cached)", libs.Dir)
			return libs, nil
		}
	}
	b.removeStale()

	if err := b.ensureTools(ctx, baseNeeds); err != nil {
		return Libs{}, err
	}
	if k.Musl == "" {
		if k.Musl = b.muslVersion(ctx); k.Musl == "" {
			return Libs{}, errors.New("cannot tell the version of musl that musl-gcc builds against (no musl-dev package and no ld-musl loader)")
		}
	}

	apt, err := b.privateApt(ctx)
	if err != nil {
		return Libs{}, err
	}
	for _, r := range recipes() {
		if k.Versions[r.Name] != "" {
			continue
		}
		if sources[r.Name], k.Versions[r.Name], err = b.archiveVersion(ctx, apt, r); err != nil {
			return Libs{}, err
		}
	}
	if libs, ok := b.cached(k); ok {
		b.logf("using %s (cached)", libs.Dir)
		return libs, nil
	}
	return b.buildEntry(ctx, apt, k, sources)
}

// removeStale deletes the work directories of builds that were killed; the
// caller holds the lock, so no build is using them.
func (b *builder) removeStale() {
	stale, _ := filepath.Glob(filepath.Join(b.opts.CacheDir, ".build-*"))
	for _, d := range stale {
		os.RemoveAll(d)
	}
}

// localVersion is the source package and version of the installed binary
// package, or of its candidate in the system's package index; "" when
// neither is known.
func (b *builder) localVersion(ctx context.Context, p recipe) (source, version string) {
	out, err := b.exec(ctx, debsrc.Step{Argv: []string{"dpkg-query", "-W", "-f", debsrc.DpkgQueryFormat, p.Binary}})
	if src, v, ok := debsrc.ParseDpkgQuery(string(out)); ok && err == nil && debsrc.CheckVersion(p.Binary, v) == nil {
		b.logf("%s %s: source of the installed %s", src, v, p.Binary)
		return src, v
	}
	out, err = b.exec(ctx, debsrc.Step{Argv: []string{"apt-cache", "policy", p.Binary}})
	if c := debsrc.ParsePolicyCandidate(string(out)); err == nil && c != "" && debsrc.CheckVersion(p.Binary, c) == nil {
		v := debsrc.SourceVersion(c)
		b.logf("%s %s: source of %s's candidate %s (not installed)", p.Source, v, p.Binary, c)
		return p.Source, v
	}
	return p.Source, ""
}

// muslVersion is the Debian version of musl-dev, or the version musl's
// dynamic loader reports; "" when neither is found.
func (b *builder) muslVersion(ctx context.Context) string {
	out, err := b.exec(ctx, debsrc.Step{Argv: []string{"dpkg-query", "-W", "-f", `${db:Status-Status} ${Version}\n`, "musl-dev"}})
	if f := strings.Fields(string(out)); err == nil && len(f) == 2 && f[0] == "installed" && debsrc.CheckVersion("musl-dev", f[1]) == nil {
		return f[1]
	}
	loaders, _ := filepath.Glob("/lib/ld-musl-*.so.1")
	for _, l := range loaders {
		out, _ := b.exec(ctx, debsrc.Step{Argv: []string{l}})
		if m := muslVersionLine.FindSubmatch(out); m != nil && debsrc.CheckVersion("musl", string(m[1])) == nil {
			return string(m[1])
		}
	}
	return ""
}
