package muslalloc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/infra/debsrc"
	"github.com/allocbench/allocbench/internal/infra/distro"
)

var testLibs = Libs{Dir: "/c/x", Versions: map[string]string{"jemalloc": "5.3.0-1", "mimalloc": "2.0.9+ds-2"},
	Skipped: map[string]string{"tcmalloc": "no C++", "tbbmalloc": "no C++"}, Musl: "1.2.3-1", CC: "musl-gcc"}

// testVersions are source versions for every recipe.
func testVersions(je string) map[string]string {
	return map[string]string{"jemalloc": je, "mimalloc": "2.0.9+ds-2", "tcmalloc": "2.10-1", "tbbmalloc": "2021.8.0-2+deb12u1"}
}

// testKey is a cache key for every recipe.
func testKey(je, musl, arch string, recipe int) cacheKey {
	return cacheKey{Versions: testVersions(je), Musl: musl, CC: "musl-gcc", Arch: arch, Recipe: recipe}
}

// testLibFiles are the archives of the recipes expected to build.
func testLibFiles() []string {
	var out []string
	for _, r := range recipes() {
		if r.Expected == "" {
			out = append(out, r.Archive)
		}
	}
	return out
}

// testSkipped are the recipes expected to fail, as a cache entry records
// them.
func testSkipped() map[string]string {
	out := map[string]string{}
	for _, r := range recipes() {
		if r.Expected != "" {
			out[r.Name] = r.Expected
		}
	}
	return out
}

func TestLibsFlags(t *testing.T) {
	l := testLibs
	assert.Equal(t, "jemalloc 5.3.0-1 and mimalloc 2.0.9+ds-2, Debian sources built with musl-gcc 1.2.3", l.Sources())
	assert.Equal(t, "-L/c/x", l.CGOLDFLAGS())
	assert.Equal(t, "-linkmode external -extldflags -static -X 'github.com/allocbench/allocbench/cgoalloc.staticSources=jemalloc 5.3.0-1 and mimalloc 2.0.9+ds-2, Debian sources built with musl-gcc 1.2.3'"+
		" -X 'github.com/allocbench/allocbench/cgoalloc.staticSkipped=tcmalloc: no C++; tbbmalloc: no C++'", l.LDFlags())
	noSkips := l
	noSkips.Skipped = nil
	assert.NotContains(t, noSkips.LDFlags(), "staticSkipped")
	odd := l
	odd.Skipped = map[string]string{"tbbmalloc": "cmake said 'no'; stop\nhere"}
	assert.Equal(t, "tbbmalloc: cmake said no, stop here", odd.SkippedText())
	assert.Equal(t, []string{"-tags", "allocbench_static", "-ldflags", l.LDFlags()}, l.BuildFlags())
	assert.Equal(t, []string{"CC=musl-gcc", "CGO_ENABLED=1", "CGO_LDFLAGS=-L/c/x"}, l.Env())

	l.Dir = "/home/a b/.cache"
	assert.Equal(t, "'-L/home/a b/.cache'", l.CGOLDFLAGS())
	l.Dir = "/home/it's/.cache"
	assert.Equal(t, `"-L/home/it's/.cache"`, l.CGOLDFLAGS())
	l.Versions = map[string]string{"jemalloc": "5.3.0-1", "mimalloc": "2.0.9+ds-2", "tcmalloc": "2.10-1"}
	assert.Equal(t, "jemalloc 5.3.0-1, mimalloc 2.0.9+ds-2 and tcmalloc 2.10-1, Debian sources built with musl-gcc 1.2.3", l.Sources())
	l.Versions = map[string]string{"mimalloc": "2.0.9+ds-2"}
	assert.Equal(t, "mimalloc 2.0.9+ds-2, Debian sources built with musl-gcc 1.2.3", l.Sources())
	l.Musl = "1.2.4" // from musl's loader: no Debian revision
	assert.True(t, strings.HasSuffix(l.Sources(), "musl-gcc 1.2.4"))
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/x/cache")
	d, err := DefaultCacheDir()
	require.NoError(t, err)
	assert.Equal(t, "/x/cache/allocbench/musl", d)
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/home/u")
	d, err = DefaultCacheDir()
	require.NoError(t, err)
	assert.Equal(t, "/home/u/.cache/allocbench/musl", d)
}

func TestCacheKey(t *testing.T) {
	k := testKey("5.3.0-1", "1.2.3-1", "amd64", 1)
	assert.Equal(t, "jemalloc 5.3.0-1, mimalloc 2.0.9+ds-2, tcmalloc 2.10-1, tbbmalloc 2021.8.0-2+deb12u1, musl 1.2.3-1, musl-gcc, amd64, recipe 1", k.String())
	assert.Equal(t, "jemalloc-5.3.0-1_mimalloc-2.0.9+ds-2_tcmalloc-2.10-1_tbbmalloc-2021.8.0-2+deb12u1_musl-1.2.3-1_musl-gcc_amd64_r1", k.dirName())
	mi := testKey("5.3.0-1", "1.2.3-1", "amd64", 1)
	mi.Versions["mimalloc"] = "2.0.9+ds-3"

	names := map[string]cacheKey{}
	for _, v := range []cacheKey{
		k,
		testKey("5.3.0-2", "1.2.3-1", "amd64", 1),
		mi,
		testKey("5.3.0-1", "1.2.4-1", "amd64", 1),
		testKey("5.3.0-1", "1.2.3-1", "arm64", 1),
		testKey("5.3.0-1", "1.2.3-1", "amd64", 2),
		testKey("1:5.3.0-1", "1.2.3-1", "amd64", 1),
	} {
		n := v.dirName()
		assert.NotContains(t, n, "/")
		assert.NotContains(t, n, ":")
		_, dup := names[n]
		assert.False(t, dup, "%s names two keys", n)
		names[n] = v
	}
	assert.Contains(t, names, "jemalloc-1%5.3.0-1_mimalloc-2.0.9+ds-2_tcmalloc-2.10-1_tbbmalloc-2021.8.0-2+deb12u1_musl-1.2.3-1_musl-gcc_amd64_r1")
}

// fakeSystem stands in for the machine: which commands exist, what they
// print, and which ran.
type fakeSystem struct {
	paths map[string]bool
	out   map[string]string // first word(s) of a command line -> output
	fail  map[string]string // command line prefix -> output of a failure
	ran   []string
	onRun func(line string)
	// failWhen, when set, fails every command line it is true of, with
	// its output.
	failWhen func(line string) (string, bool)
}

func (f *fakeSystem) lookPath(name string) (string, error) {
	if f.paths[name] {
		return "/usr/bin/" + name, nil
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

func (f *fakeSystem) exec(_ context.Context, s debsrc.Step) ([]byte, error) {
	line := strings.Join(s.Argv, " ")
	f.ran = append(f.ran, line)
	if f.onRun != nil {
		f.onRun(line)
	}
	if f.failWhen != nil {
		if out, fail := f.failWhen(line); fail {
			return []byte(out), errors.New("exit status 100")
		}
	}
	for prefix, out := range f.fail {
		if strings.HasPrefix(line, prefix) {
			delete(f.fail, prefix) // fail once
			return []byte(out), errors.New("exit status 100")
		}
	}
	for prefix, out := range f.out {
		if strings.HasPrefix(line, prefix) {
			return []byte(out), nil
		}
	}
	return nil, errors.New("exit status 1")
}

func testBuilder(t *testing.T, f *fakeSystem, opts Options) (*builder, *bytes.Buffer) {
	var log bytes.Buffer
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	opts.Log = &log
	b, err := newBuilder(opts)
	require.NoError(t, err)
	d12, err := distro.Lookup("debian12")
	require.NoError(t, err)
	b.installer = distro.Installer{
		Release: d12,
		Present: func(p distro.Provides) bool { return p.Kind == distro.Command && f.paths[p.Name] },
	}
	b.lookPath = f.lookPath
	b.exec = f.exec
	b.arch = "amd64"
	return b, &log
}

func allTools() map[string]bool {
	return map[string]bool{"apt-get": true, "autoconf": true, "gcc": true, "musl-gcc": true, "make": true, "ar": true, "dpkg-source": true}
}

// writeEntry makes a complete cache entry for k.
func writeEntry(t *testing.T, cache string, k cacheKey) string {
	dir := filepath.Join(cache, k.dirName())
	require.NoError(t, os.MkdirAll(dir, 0o755))
	files := map[string]string{}
	for _, f := range testLibFiles() {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("!<arch>\n"+f), 0o644))
		sum := sha256.Sum256([]byte("!<arch>\n" + f))
		files[f] = hex.EncodeToString(sum[:])
	}
	data, err := json.Marshal(manifest{Key: k.String(), SHA256: files, Skipped: testSkipped()})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), data, 0o644))
	return dir
}

var installedOut = map[string]string{
	"dpkg-query -W -f ${db:Status-Status} ${source:Package} ${source:Version}\\n libjemalloc2":         "installed jemalloc 5.3.0-1\n",
	"dpkg-query -W -f ${db:Status-Status} ${source:Package} ${source:Version}\\n libmimalloc2.0":       "installed mimalloc 2.0.9+ds-2\n",
	"dpkg-query -W -f ${db:Status-Status} ${source:Package} ${source:Version}\\n libtcmalloc-minimal4": "installed google-perftools 2.10-1\n",
	"dpkg-query -W -f ${db:Status-Status} ${source:Package} ${source:Version}\\n libtbbmalloc2":        "installed onetbb 2021.8.0-2+deb12u1\n",
	"dpkg-query -W -f ${db:Status-Status} ${Version}\\n musl-dev":                                      "installed 1.2.3-1\n",
}

func TestBuildReturnsCachedEntryAtOnce(t *testing.T) {
	f := &fakeSystem{paths: allTools(), out: installedOut}
	b, log := testBuilder(t, f, Options{})
	k := testKey("5.3.0-1", "1.2.3-1", "amd64", RecipeVersion)
	dir := writeEntry(t, b.opts.CacheDir, k)

	libs, err := b.build(context.Background())
	require.NoError(t, err)
	assert.Equal(t, k.libs(dir, testSkipped(), nil), libs)
	assert.Equal(t, map[string]string{"jemalloc": "5.3.0-1", "mimalloc": "2.0.9+ds-2"}, libs.Versions)
	assert.Contains(t, libs.Skipped, "tcmalloc", "a recipe that failed stays skipped in the cached entry")
	assert.Contains(t, log.String(), "(cached)")
	for _, line := range f.ran {
		assert.True(t, strings.HasPrefix(line, "dpkg-query "), "a cached build only asks dpkg: ran %q", line)
	}
	_, err = os.Stat(filepath.Join(b.opts.CacheDir, ".lock"))
	assert.True(t, os.IsNotExist(err), "a cached build takes no lock")
}

func TestCachedRejectsIncompleteEntries(t *testing.T) {
	f := &fakeSystem{}
	b, _ := testBuilder(t, f, Options{})
	k := testKey("5.3.0-1", "1.2.3-1", "amd64", RecipeVersion)

	_, ok := b.cached(k)
	assert.False(t, ok, "no entry")

	dir := writeEntry(t, b.opts.CacheDir, k)
	_, ok = b.cached(k)
	assert.True(t, ok)

	other := k
	other.Recipe++
	_, ok = b.cached(other)
	assert.False(t, ok, "another key")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "libmimalloc.a"), []byte("short"), 0o644))
	_, ok = b.cached(k)
	assert.False(t, ok, "a file that is not the one built")

	writeEntry(t, b.opts.CacheDir, k)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "libmimalloc.a"), []byte("!<arch>\nlibmimalloX.a"), 0o644))
	_, ok = b.cached(k)
	assert.False(t, ok, "a file of the same size with other contents")

	writeEntry(t, b.opts.CacheDir, k)
	require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"key":"`+k.String()+`","files":{"libjemalloc.a":21,"libmimalloc.a":21}}`), 0o644))
	_, ok = b.cached(k)
	assert.False(t, ok, "an entry that records sizes only, from before hashes")

	writeEntry(t, b.opts.CacheDir, k)
	require.NoError(t, os.Remove(filepath.Join(dir, manifestName)))
	_, ok = b.cached(k)
	assert.False(t, ok, "no manifest: never finished")

	writeEntry(t, b.opts.CacheDir, k)
	require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), []byte("{"), 0o644))
	_, ok = b.cached(k)
	assert.False(t, ok, "a damaged manifest")
}

func TestLocalVersionFallsBackToCandidate(t *testing.T) {
	f := &fakeSystem{paths: allTools(), out: map[string]string{
		"apt-cache policy libjemalloc2": "libjemalloc2:\n  Installed: (none)\n  Candidate: 5.3.0-1+b2\n",
	}}
	b, log := testBuilder(t, f, Options{})
	src, v := b.localVersion(context.Background(), testRecipe(t, "jemalloc"))
	assert.Equal(t, "jemalloc", src)
	assert.Equal(t, "5.3.0-1", v, "the binNMU's source version")
	assert.Contains(t, log.String(), "candidate 5.3.0-1+b2")

	src, v = b.localVersion(context.Background(), testRecipe(t, "mimalloc"))
	assert.Equal(t, "mimalloc", src)
	assert.Equal(t, "", v, "neither installed nor known")
}

func TestBuildNeedsApt(t *testing.T) {
	paths := allTools()
	delete(paths, "apt-get")
	f := &fakeSystem{paths: paths, out: installedOut}
	b, _ := testBuilder(t, f, Options{})
	_, err := b.build(context.Background())
	assert.ErrorContains(t, err, "needs apt-get")
}

func TestEnsureToolsWithoutInstalling(t *testing.T) {
	paths := allTools()
	delete(paths, "musl-gcc")
	delete(paths, "dpkg-source")
	f := &fakeSystem{paths: paths}

	b, _ := testBuilder(t, f, Options{NoInstall: true})
	b.installer.Root = true
	err := b.ensureTools(context.Background(), baseNeeds)
	require.Error(t, err)
	assert.Equal(t, "build tools: missing musl-gcc (package musl-tools), dpkg-source (package dpkg-dev); "+
		"install with: apt-get update && apt-get install -y --no-install-recommends musl-tools dpkg-dev", err.Error())

	b, _ = testBuilder(t, f, Options{})
	err = b.ensureTools(context.Background(), baseNeeds)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "install as root with: apt-get update && apt-get install -y --no-install-recommends musl-tools dpkg-dev")
	assert.Empty(t, f.ran, "nothing is installed")
}

func TestEnsureToolsInstallsAsRoot(t *testing.T) {
	paths := allTools()
	delete(paths, "musl-gcc")
	delete(paths, "dpkg-source")
	f := &fakeSystem{paths: paths, out: map[string]string{"apt-get ": "ok"}}
	f.onRun = func(line string) {
		if strings.HasPrefix(line, "apt-get install") {
			paths["musl-gcc"], paths["dpkg-source"] = true, true
		}
	}
	b, log := testBuilder(t, f, Options{})
	b.installer.Root = true
	require.NoError(t, b.ensureTools(context.Background(), baseNeeds))
	assert.Equal(t, []string{
		"apt-get update", // a fresh container has no package lists
		"apt-get install -y --no-install-recommends musl-tools dpkg-dev",
	}, f.ran)
	assert.Contains(t, log.String(), "muslalloc: missing musl-gcc (package musl-tools), dpkg-source (package dpkg-dev); "+
		"installing: apt-get update && apt-get install -y --no-install-recommends musl-tools dpkg-dev\n")

	// Installed, yet still missing: say so.
	delete(paths, "musl-gcc")
	f.ran, f.onRun = nil, nil
	err := b.ensureTools(context.Background(), baseNeeds)
	assert.ErrorContains(t, err, "still missing")
}

func TestEnsureToolsReportsFailedInstall(t *testing.T) {
	paths := allTools()
	delete(paths, "make")
	f := &fakeSystem{paths: paths, out: map[string]string{"apt-get update": "ok"}, fail: map[string]string{"apt-get install": "E: Could not get lock /var/lib/dpkg/lock-frontend"}}
	b, _ := testBuilder(t, f, Options{})
	b.installer.Root = true
	err := b.ensureTools(context.Background(), baseNeeds)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "apt-get install -y --no-install-recommends make: exit status 100\n\tE: Could not get lock")
	assert.False(t, errors.Is(err, ErrFetch))
}

func TestCheckSymbols(t *testing.T) {
	good := `/c/libjemalloc.a[jemalloc.o]:
je_malloc T 6060 a
je_free T 6070 a
je_realloc T 6080 a
je_mallctl T 6090 a
_ZSt15get_new_handlerv W 3db0 3
je_tsd_tls V 0 8

/c/libjemalloc.a[arena.o]:
je_arena_init T 60b0 cd
`
	assert.NoError(t, checkSymbols(good, "libjemalloc.a", testRecipe(t, "jemalloc").Symbols))

	err := checkSymbols(good+"malloc T 1 1\nfree W 2 2\n_Znwm T 3 3\n", "libjemalloc.a", testRecipe(t, "jemalloc").Symbols)
	require.Error(t, err)
	assert.Equal(t, "libjemalloc.a defines _Znwm, free, malloc: linked in, it would replace musl's malloc", err.Error())

	err = checkSymbols(good, "libmimalloc.a", testRecipe(t, "mimalloc").Symbols)
	assert.EqualError(t, err, "libmimalloc.a lacks mi_malloc, mi_free, mi_realloc, mi_version, mi_collect")

	// An archive under a path with a space, and undefined references,
	// are not definitions.
	assert.NoError(t, checkSymbols("/a b/lib.a[x.o]:\nmalloc U\nje_malloc T 0 1\n", "lib.a", []string{"je_malloc"}))
}

func TestStepErrors(t *testing.T) {
	f := &fakeSystem{fail: map[string]string{"apt-get": strings.Repeat("Get: something\n", 40) + "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease"}}
	b, _ := testBuilder(t, f, Options{})
	_, err := b.run(context.Background(), debsrc.Step{What: "updating the private source index", Argv: []string{"apt-get", "-o", "Dir::Cache=/a b", "update"}, Fetch: true})
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrFetch))
	var se *StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "updating the private source index", se.What)

	_, err = b.run(context.Background(), debsrc.Step{What: "compiling jemalloc", Argv: []string{"make"}})
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrFetch))
}

func testRecipe(t *testing.T, name string) recipe {
	for _, r := range recipes() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no recipe %s", name)
	return recipe{}
}

func TestJemallocConfigure(t *testing.T) {
	je := testRecipe(t, "jemalloc")
	jemallocConfigure := je.ConfigureArgs
	mimallocCFlags := testRecipe(t, "mimalloc").CFlags
	amd64 := strings.Join(jemallocConfigure("amd64"), " ")
	assert.Contains(t, amd64, "--with-jemalloc-prefix=je_")
	assert.Contains(t, amd64, "--with-lg-page=12")
	assert.Contains(t, amd64, "--enable-prof")
	arm := strings.Join(jemallocConfigure("arm64"), " ")
	assert.Contains(t, arm, "--with-lg-page=16")
	assert.NotContains(t, arm, "--enable-prof")
	assert.NotContains(t, fmt.Sprint(mimallocCFlags), "OVERRIDE")
}

func TestLockAndStaleWork(t *testing.T) {
	f := &fakeSystem{}
	b, log := testBuilder(t, f, Options{})
	stale := filepath.Join(b.opts.CacheDir, ".build-1234")
	require.NoError(t, os.MkdirAll(filepath.Join(stale, "out"), 0o755))

	unlock, err := b.lock(context.Background())
	require.NoError(t, err)
	b.removeStale()
	assert.NoDirExists(t, stale, "a killed build's work directory goes")

	// A second builder waits for the lock, and gives up with its context.
	b2, log2 := testBuilder(t, f, Options{CacheDir: b.opts.CacheDir})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = b2.lock(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, log2.String(), "waiting for another build")
	unlock()

	unlock, err = b2.lock(context.Background())
	require.NoError(t, err)
	unlock()
	assert.Empty(t, log.String())
}

// The generic recipe tries every record's musl build: a C++ one fails its
// probe before anything is fetched for it and is skipped with the
// compiler's complaint, since its record expects that; a C one that fails
// stops the build with the step that failed.
func TestRecipesSkipExpectedFailuresOnly(t *testing.T) {
	f := &fakeSystem{paths: allTools(), out: map[string]string{"apt-get": "", "dpkg-source": ""},
		fail: map[string]string{"musl-gcc -x c++": "probe.cc:1:10: fatal error: new: No such file or directory\ncompilation terminated.\n"}}
	b, log := testBuilder(t, f, Options{NoInstall: true})
	sources := map[string]string{"jemalloc": "jemalloc", "mimalloc": "mimalloc", "tcmalloc": "google-perftools", "tbbmalloc": "onetbb"}
	_, err := b.buildEntry(context.Background(), &debsrc.Apt{}, testKey("5.3.0-1", "1.2.3-1", "amd64", RecipeVersion), sources)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "generating jemalloc's configure", "jemalloc is expected to build: its failure is the build's")
	assert.Contains(t, log.String(), "tcmalloc: not built (musl-gcc cannot compile C++: fatal error: new: No such file or directory)")
	assert.Contains(t, log.String(), "tbbmalloc: not built")
	var fetched []string
	for _, line := range f.ran {
		if strings.Contains(line, " source ") {
			fetched = append(fetched, line)
		}
	}
	require.Len(t, fetched, 1)
	assert.Contains(t, fetched[0], "jemalloc=5.3.0-1 mimalloc=2.0.9+ds-2")
	assert.NotContains(t, fetched[0], "google-perftools")
	assert.NotContains(t, fetched[0], "onetbb")
}

// The binary package whose version picks a recipe's source version is the
// one the per-release table (package distro, from the records) gives for
// Debian 12, the release the musl builds' sources come from here.
func TestRecipeBinariesAgreeWithDistroTable(t *testing.T) {
	d12, err := distro.Lookup("debian12")
	require.NoError(t, err)
	for _, r := range recipes() {
		p, ok := d12.Package(distro.Need(r.Name))
		require.True(t, ok, r.Name)
		assert.Equal(t, p.Name, r.Binary, "%s: the musl build's binary package", r.Name)
	}
}

// A build that failed as a whole names every recipe with the failure, in
// SkippedVar's form: one "name: reason" per recipe, the reason cleaned as
// SkippedText cleans it.
func TestFailedText(t *testing.T) {
	err := fmt.Errorf("fetching the source packages: E: Failed to fetch 'http://deb.debian.org/jemalloc_5.3.0-2.dsc'  404  Not Found; stop\n")
	text := FailedText(err)
	parts := strings.Split(text, "; ")
	require.Len(t, parts, len(recipes()))
	for i, r := range recipes() {
		assert.Equal(t, r.Name+": the musl libraries could not be built: fetching the source packages: E: Failed to fetch http://deb.debian.org/jemalloc_5.3.0-2.dsc  404  Not Found, stop", parts[i])
	}
}

// When the archive does not serve this release's version of a source
// package (a 404), the build fetches the newest version of the other
// Debian release's index instead, says which, and builds that; the other
// recipes keep their versions.
func TestFetchFallsBackToTheOtherRelease(t *testing.T) {
	etc := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(etc, "sources.list.d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(etc, "sources.list.d", "debian.sources"),
		[]byte("Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n"), 0o644))
	osr := filepath.Join(t.TempDir(), "os-release")
	require.NoError(t, os.WriteFile(osr, []byte("ID=debian\nVERSION_CODENAME=bookworm\n"), 0o644))

	f := &fakeSystem{paths: allTools(), out: map[string]string{"apt-get": "", "dpkg-source": "",
		"apt-cache": "Package: jemalloc\nVersion: 5.3.0-3\n\nPackage: jemalloc\nVersion: 5.3.0-2\n"},
		fail: map[string]string{"musl-gcc -x c++": "fatal error: new: No such file or directory\n"},
		failWhen: func(line string) (string, bool) {
			return "E: Failed to fetch http://deb.debian.org/debian/pool/main/j/jemalloc/jemalloc_5.3.0-1.dsc  404  Not Found\n",
				strings.Contains(line, " source ") && strings.Contains(line, "jemalloc=5.3.0-1")
		}}
	b, log := testBuilder(t, f, Options{NoInstall: true})
	b.system = debsrc.System{EtcApt: etc, OSRelease: osr}
	apt, err := debsrc.Private(filepath.Join(b.opts.CacheDir, "apt"), b.system)
	require.NoError(t, err)
	sources := map[string]string{"jemalloc": "jemalloc", "mimalloc": "mimalloc", "tcmalloc": "google-perftools", "tbbmalloc": "onetbb"}
	k := testKey("5.3.0-1", "1.2.3-1", "amd64", RecipeVersion)
	_, err = b.buildEntry(context.Background(), apt, k, sources)
	require.Error(t, err, "the fake system builds nothing")
	assert.Contains(t, err.Error(), "generating jemalloc's configure", "it went on to build jemalloc")

	var fetched []string
	for _, line := range f.ran {
		if strings.Contains(line, " source ") || strings.Contains(line, " showsrc ") || strings.HasSuffix(line, " update") {
			fetched = append(fetched, line)
		}
	}
	require.Len(t, fetched, 6, "%q", fetched)
	assert.Contains(t, fetched[0], "jemalloc=5.3.0-1 mimalloc=2.0.9+ds-2", "both at once first")
	assert.Contains(t, fetched[1], "jemalloc=5.3.0-1")
	assert.Contains(t, fetched[2], "apt-trixie", "the other release's index")
	assert.Contains(t, fetched[3], "showsrc jemalloc")
	assert.Contains(t, fetched[4], "jemalloc=5.3.0-3", "the newest of trixie's versions")
	assert.Contains(t, fetched[5], "mimalloc=2.0.9+ds-2", "mimalloc keeps its version")
	assert.Equal(t, "5.3.0-3", k.Versions["jemalloc"])
	assert.Contains(t, log.String(), "jemalloc: building trixie's source 5.3.0-3, as jemalloc 5.3.0-1 could not be fetched")
	written, err := os.ReadFile(filepath.Join(b.opts.CacheDir, "apt-trixie", "sources.list.d", "allocbench-deb-src.sources"))
	require.NoError(t, err)
	assert.Contains(t, string(written), "trixie trixie-updates")

	l := k.libs("/c", nil, map[string]string{"jemalloc": "trixie's source 5.3.0-3, as jemalloc 5.3.0-1 could not be fetched"})
	assert.Contains(t, l.Sources(), "jemalloc 5.3.0-3, mimalloc 2.0.9+ds-2")
	assert.Contains(t, l.Sources(), "(jemalloc: trixie's source 5.3.0-3, as jemalloc 5.3.0-1 could not be fetched)")
}

// When neither release serves the source, the error names both failures.
func TestFetchFailsInBothReleases(t *testing.T) {
	etc := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(etc, "sources.list.d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(etc, "sources.list.d", "debian.sources"),
		[]byte("Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\n"), 0o644))
	osr := filepath.Join(t.TempDir(), "os-release")
	require.NoError(t, os.WriteFile(osr, []byte("ID=debian\nVERSION_CODENAME=trixie\n"), 0o644))
	f := &fakeSystem{paths: allTools(), out: map[string]string{"apt-get": "", "dpkg-source": "", "apt-cache": ""},
		fail: map[string]string{"musl-gcc -x c++": "fatal error: new: No such file or directory\n"},
		failWhen: func(line string) (string, bool) {
			return "404  Not Found\n", strings.Contains(line, " source ") && strings.Contains(line, "mimalloc=")
		}}
	b, _ := testBuilder(t, f, Options{NoInstall: true})
	b.system = debsrc.System{EtcApt: etc, OSRelease: osr}
	apt, err := debsrc.Private(filepath.Join(b.opts.CacheDir, "apt"), b.system)
	require.NoError(t, err)
	sources := map[string]string{"jemalloc": "jemalloc", "mimalloc": "mimalloc", "tcmalloc": "google-perftools", "tbbmalloc": "onetbb"}
	_, err = b.buildEntry(context.Background(), apt, testKey("5.3.0-1", "1.2.3-1", "amd64", RecipeVersion), sources)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrFetch)
	assert.Contains(t, err.Error(), "mimalloc=2.0.9+ds-2")
	assert.Contains(t, err.Error(), "and from bookworm's sources: no source package mimalloc in bookworm's index")
}
