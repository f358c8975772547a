package glibcbench

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/infra/debsrc"
)

// A stand-in for the four upstream files, small enough to read: it uses the
// timing header the build supplies and prints the JSON shape of the real
// program, with the duration compiled in as its "duration" (in seconds,
// made nanoseconds), so a test can see the edit.
var fakeUpstream = map[string]string{
	"bench-malloc-thread.c": `#include <stdio.h>
#include "bench-timing.h"
#include "json-lib.h"

#define BENCHMARK_DURATION	10

int
main (int argc, char **argv)
{
  timing_t start, stop, diff;
  TIMING_NOW (start);
  TIMING_NOW (stop);
  TIMING_DIFF (diff, start, stop);
  (void) diff;
  fake_json_begin ();
  printf ("\"duration\": %d000000000, \"iterations\": 1000, \"max_rss\": 1, \"threads\": %s",
          BENCHMARK_DURATION, argc > 1 ? argv[1] : "1");
  fake_json_end ();
  return 0;
}
`,
	"bench-timing.h": `#include <hp-timing.h>
typedef hp_timing_t timing_t;
#define TIMING_NOW(var) HP_TIMING_NOW (var)
#define TIMING_DIFF(diff, start, end) HP_TIMING_DIFF ((diff), (start), (end))
`,
	"json-lib.h": "void fake_json_begin (void);\nvoid fake_json_end (void);\n",
	"json-lib.c": `#include <stdio.h>
#include "json-lib.h"
void fake_json_begin (void) { printf ("{\"timing_type\": \"fake\", \"functions\": {\"malloc\": {\"\": {"); }
void fake_json_end (void) { printf ("}}}}\n"); }
`,
}

// fakeArchive stands in for apt-get and dpkg-query; every other command
// (tar, gcc) runs for real.
type fakeArchive struct {
	installed string            // dpkg-query's line for libc6
	patches   map[string]string // debian/patches/...
	upstream  map[string]string // benchtests/...
	failFetch bool
	ran       []string
}

func (f *fakeArchive) exec(ctx context.Context, s debsrc.Step) ([]byte, error) {
	line := strings.Join(s.Argv, " ")
	f.ran = append(f.ran, line)
	switch s.Argv[0] {
	case "dpkg-query":
		if f.installed == "" {
			return []byte("dpkg-query: no packages found matching libc6\n"), errors.New("exit status 1")
		}
		return []byte(f.installed + "\n"), nil
	case "apt-get":
		if f.failFetch {
			return []byte("E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease"), errors.New("exit status 100")
		}
		if strings.HasSuffix(line, " update") {
			return []byte("Reading package lists..."), nil
		}
		orig := map[string]string{"glibc-2.36/README": "GNU C Library\n"}
		for name, text := range f.upstream {
			orig["glibc-2.36/benchtests/"+name] = text
		}
		orig["glibc-2.36/benchtests/bench-malloc-simple.c"] = "not taken\n"
		changes := map[string]string{"debian/changelog": "glibc (2.36-9) unstable\n"}
		for name, text := range f.patches {
			changes["debian/patches/"+name] = text
		}
		for name, files := range map[string]map[string]string{
			"glibc_2.36-9.dsc":               nil,
			"glibc_2.36.orig.tar.gz":         orig,
			"glibc_2.36-9.debian.tar.gz":     changes,
			"glibc_2.36.orig.tar.gz.asc.not": nil,
		} {
			if err := os.WriteFile(filepath.Join(s.Dir, name), tarGz(files), 0o644); err != nil {
				return nil, err
			}
		}
		return []byte("Get:1 glibc 2.36-9 (dsc)"), nil
	}
	return debsrc.Exec(ctx, s)
}

// tarGz makes a gzipped tar of files (nil: an empty file).
func tarGz(files map[string]string) []byte {
	if files == nil {
		return nil
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, text := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(text)), Typeflag: tar.TypeReg})
		tw.Write([]byte(text))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// needCompiler skips a test that compiles C where there is no gcc or tar,
// unless ALLOCBENCH_REQUIRE says everything must run.
func needCompiler(t *testing.T) {
	t.Helper()
	for _, c := range []string{cc, "tar"} {
		if _, err := exec.LookPath(c); err != nil {
			if os.Getenv(requireEnv) != "" {
				t.Fatalf("no %s to build with", c)
			}
			t.Skipf("no %s to build with", c)
		}
	}
}

func fakeBuilder(t *testing.T, f *fakeArchive, cache string, d time.Duration) (*builder, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	b, err := newBuilder(Options{CacheDir: cache, Duration: d, Log: &log})
	require.NoError(t, err)
	b.exec = f.exec
	b.lookPath = func(name string) (string, error) { return "/usr/bin/" + name, nil }
	root := t.TempDir()
	b.system = debsrc.System{EtcApt: filepath.Join(root, "apt"), OSRelease: filepath.Join(root, "os-release")}
	require.NoError(t, os.MkdirAll(filepath.Join(b.system.EtcApt, "sources.list.d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(b.system.EtcApt, "sources.list"), []byte("deb http://deb.debian.org/debian bookworm main\n"), 0o644))
	require.NoError(t, os.WriteFile(b.system.OSRelease, []byte("VERSION_CODENAME=bookworm\n"), 0o644))
	return b, &log
}

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func TestBuildFetchesCachesAndChecks(t *testing.T) {
	needCompiler(t)
	ctx := context.Background()
	cache := t.TempDir()
	f := &fakeArchive{
		installed: "installed glibc 2.36-9",
		upstream:  fakeUpstream,
		patches: map[string]string{
			"series":           "git-updates.diff\n",
			"git-updates.diff": "--- a/malloc/malloc.c\n+++ b/malloc/malloc.c\n",
		},
	}
	b, log := fakeBuilder(t, f, cache, 3*time.Second)
	p, err := b.build(ctx)
	require.NoError(t, err)
	assert.Equal(t, "glibc", p.Source)
	assert.Equal(t, "2.36-9", p.Version)
	assert.Equal(t, "2.36", p.Upstream())
	assert.Equal(t, 3*time.Second, p.Duration)
	assert.True(t, strings.HasPrefix(p.CC, "gcc "), p.CC)
	assert.True(t, strings.HasPrefix(p.Path, filepath.Join(cache, "glibc-2.36-9")+"/"), p.Path)
	assert.Len(t, p.SHA256, 64)
	assert.Equal(t, 2, countPrefix(f.ran, "apt-get -o Dir::Etc::SourceList=/dev/null"), "update and source, through the private list: %q", f.ran)
	assert.Contains(t, log.String(), "none of Debian's 1 patches changes")
	assert.Contains(t, p.Describe(), "of glibc 2.36 (Debian source glibc 2.36-9), duration 3s, gcc ")

	// The edit took: the stand-in prints the duration compiled in.
	res, err := p.Run(ctx, 2, "")
	require.NoError(t, err)
	assert.Equal(t, Result{Threads: 2, Iterations: 1000, Elapsed: 3 * time.Second, MaxRSSKiB: 1, TimingType: "fake"}, res)
	_, err = p.Run(ctx, 0, "")
	assert.ErrorContains(t, err, "thread count 0")

	// Cached: nothing fetched, nothing compiled.
	f.ran = nil
	again, err := b.build(ctx)
	require.NoError(t, err)
	assert.Equal(t, p, again)
	assert.Equal(t, 0, countPrefix(f.ran, "apt-get"))
	assert.Equal(t, 0, countPrefix(f.ran, "gcc -O2"))

	// A binary changed on disk is rebuilt from the cached sources.
	fh, err := os.OpenFile(p.Path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	fh.Write([]byte{0})
	fh.Close()
	f.ran = nil
	rebuilt, err := b.build(ctx)
	require.NoError(t, err)
	assert.Equal(t, p.SHA256, rebuilt.SHA256)
	assert.Equal(t, 0, countPrefix(f.ran, "apt-get"))
	assert.Equal(t, 1, countPrefix(f.ran, "gcc -O2"))

	// Another duration: another binary, from the same sources.
	b4, _ := fakeBuilder(t, f, cache, 4*time.Second)
	f.ran = nil
	p4, err := b4.build(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, p.Path, p4.Path)
	assert.Equal(t, 0, countPrefix(f.ran, "apt-get"))
	res, err = p4.Run(ctx, 1, "")
	require.NoError(t, err)
	assert.Equal(t, 4*time.Second, res.Elapsed)

	// A source file changed on disk: fetched again.
	src := b.sourceDir("glibc", "2.36-9")
	require.NoError(t, os.WriteFile(filepath.Join(src, "json-lib.h"), []byte("/* edited */\n"), 0o644))
	require.NoError(t, os.Remove(p4.Path))
	f.ran = nil
	_, err = b4.build(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, countPrefix(f.ran, "apt-get"), "update and source again: %q", f.ran)
	stale, _ := filepath.Glob(filepath.Join(cache, ".work-*"))
	assert.Empty(t, stale, "work directories are removed")
}

func TestBuildRefusesPatchedBenchmark(t *testing.T) {
	needCompiler(t)
	f := &fakeArchive{
		installed: "installed glibc 2.36-9",
		upstream:  fakeUpstream,
		patches: map[string]string{
			"series":          "any/bench.diff\n",
			"any/bench.diff":  "--- a/benchtests/bench-malloc-thread.c\n+++ b/benchtests/bench-malloc-thread.c\n",
			"unrelated.patch": "",
		},
	}
	cache := t.TempDir()
	b, _ := fakeBuilder(t, f, cache, time.Second)
	_, err := b.build(context.Background())
	require.ErrorIs(t, err, errChanged)
	assert.Contains(t, err.Error(), "glibc 2.36-9: Debian's patches change any/bench.diff (benchtests/bench-malloc-thread.c)")
	assert.NoDirExists(t, b.sourceDir("glibc", "2.36-9"), "nothing cached")
}

func TestBuildErrors(t *testing.T) {
	ctx := context.Background()

	f := &fakeArchive{installed: "installed glibc 2.36-9", upstream: fakeUpstream, failFetch: true}
	b, _ := fakeBuilder(t, f, t.TempDir(), time.Second)
	b.exec = func(ctx context.Context, s debsrc.Step) ([]byte, error) {
		if s.Argv[0] == cc {
			return []byte("12.2.0\n"), nil
		}
		return f.exec(ctx, s)
	}
	_, err := b.build(ctx)
	assert.ErrorIs(t, err, ErrFetch)
	assert.ErrorContains(t, err, "updating the private source index")

	f = &fakeArchive{}
	b, _ = fakeBuilder(t, f, t.TempDir(), time.Second)
	_, err = b.build(ctx)
	assert.ErrorContains(t, err, "libc6 is not installed")

	f = &fakeArchive{installed: "installed eglibc 2.19-1"}
	b, _ = fakeBuilder(t, f, t.TempDir(), time.Second)
	_, err = b.build(ctx)
	assert.ErrorContains(t, err, `libc6 comes from source package "eglibc", not "glibc"`)

	b, _ = fakeBuilder(t, f, t.TempDir(), time.Second)
	b.lookPath = func(name string) (string, error) {
		if name == "xz" || name == "gcc" {
			return "", exec.ErrNotFound
		}
		return "/usr/bin/" + name, nil
	}
	_, err = b.build(ctx)
	assert.EqualError(t, err, "building glibc's bench-malloc-thread needs gcc, xz; install with: apt-get install -y --no-install-recommends gcc xz-utils")

	b.lookPath = func(name string) (string, error) { return "", exec.ErrNotFound }
	_, err = b.build(ctx)
	assert.ErrorContains(t, err, "needs a Debian or Ubuntu system")

	_, err = Build(ctx, Options{CacheDir: t.TempDir(), Duration: 1500 * time.Millisecond})
	assert.ErrorContains(t, err, "duration 1.5s is not whole seconds")
}

func TestRunReportsFailures(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) Program {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
		return Program{Path: path, Duration: time.Second}
	}
	ctx := context.Background()

	_, err := script("crash", "kill -SEGV $$").Run(ctx, 1, "")
	assert.ErrorContains(t, err, "bench-malloc-thread 1: crashed: segmentation fault")

	_, err = script("fails", "echo 'bench-malloc-thread: <num_threads>' >&2; exit 1").Run(ctx, 1, "")
	assert.ErrorContains(t, err, "exit status 1")
	assert.ErrorContains(t, err, "<num_threads>")

	p := script("ignored", `echo "ERROR: ld.so: object '$LD_PRELOAD' from LD_PRELOAD cannot be preloaded (cannot open shared object file): ignored." >&2
echo '{"functions": {"malloc": {"": {"duration": 1e9, "iterations": 5, "max_rss": 1, "threads": 1}}}}'`)
	_, err = p.Run(ctx, 1, "/nowhere/libx.so")
	assert.ErrorContains(t, err, "LD_PRELOAD=/nowhere/libx.so bench-malloc-thread 1: the dynamic loader did not preload the library")

	_, err = script("garbled", "echo 'duration: 5'").Run(ctx, 1, "")
	assert.ErrorContains(t, err, "printed no JSON")

	_, err = script("threads", `echo '{"functions": {"malloc": {"": {"duration": 1e9, "iterations": 5, "max_rss": 1, "threads": 1}}}}'`).Run(ctx, 4, "")
	assert.ErrorContains(t, err, "the program says it ran 1 threads")

	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = script("hangs", "exec sleep 30").Run(cctx, 1, "")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestPreloadNames(t *testing.T) {
	p := Program{Path: "/bin/true"}
	lib, err := p.Preload(context.Background(), "libc")
	require.NoError(t, err)
	assert.Equal(t, "", lib, "libc needs no preload")
	_, err = p.Preload(context.Background(), "floor")
	assert.EqualError(t, err, "floor is not a shared library bench-malloc-thread can preload (valid: libc, jemalloc, mimalloc, tcmalloc)")
	_, err = p.Preload(context.Background(), "hoard")
	assert.ErrorContains(t, err, `unknown allocator "hoard"`)
}

func TestDefinesMalloc(t *testing.T) {
	libc := "/lib/x86_64-linux-gnu/libc.so.6"
	if _, err := os.Stat(libc); err != nil {
		t.Skip("not an x86-64 Debian layout")
	}
	assert.NoError(t, definesMalloc(libc))
	libm := "/lib/x86_64-linux-gnu/libm.so.6"
	assert.ErrorContains(t, definesMalloc(libm), "does not define malloc")
}
