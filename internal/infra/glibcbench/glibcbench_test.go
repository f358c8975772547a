package glibcbench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckDuration(t *testing.T) {
	for _, ok := range []time.Duration{time.Second, 2 * time.Second, time.Minute, MaxDuration} {
		assert.NoError(t, CheckDuration(ok), ok)
	}
	for _, bad := range []time.Duration{0, -time.Second, 500 * time.Millisecond, 1500 * time.Millisecond, MaxDuration + time.Second} {
		err := CheckDuration(bad)
		if assert.Error(t, err, bad) {
			assert.Contains(t, err.Error(), bad.String())
			assert.Contains(t, err.Error(), "whole seconds from 1s to 1h0m0s")
		}
	}
}

func TestSetDuration(t *testing.T) {
	src := []byte("/* x */\n#define BENCHMARK_DURATION\t10\n#define RAND_SEED\t\t88\n  alarm (BENCHMARK_DURATION);\n")
	got, err := setDuration(src, 3)
	require.NoError(t, err)
	assert.Equal(t, "/* x */\n#define BENCHMARK_DURATION\t3\n#define RAND_SEED\t\t88\n  alarm (BENCHMARK_DURATION);\n", string(got))

	_, err = setDuration([]byte("#define BENCHMARK_DURATION_MS 10\n"), 3)
	assert.ErrorIs(t, err, errChanged)
	assert.ErrorContains(t, err, "has 0 lines")
	_, err = setDuration([]byte("#define BENCHMARK_DURATION 10\n#define BENCHMARK_DURATION 20\n"), 3)
	assert.ErrorContains(t, err, "has 2 lines")
}

func TestParseOutput(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "output-1-thread.json"))
	require.NoError(t, err)
	r, err := ParseOutput(data)
	require.NoError(t, err)
	assert.Equal(t, Result{Threads: 1, Iterations: 5.09332e+07, Elapsed: 1001660000, MaxRSSKiB: 1708, TimingType: "hp_timing"}, r)

	const two = `{"timing_type": "hp_timing", "functions": {"malloc": {"": {"duration": 4e+09, "iterations": 2e+08, "max_rss": 2000, "threads": 2}}}}`
	r, err = ParseOutput([]byte(two))
	require.NoError(t, err)
	// Each of two threads ran 2 s: 2e8 pairs in 2 s of wall time.
	assert.InDelta(t, 1e8, r.OpsPerSec(), 1e-3)
	assert.InDelta(t, 10, r.NsPerOp(), 1e-9)

	for _, c := range []struct{ out, want string }{
		{"", "printed no JSON"},
		{"Segmentation fault", "printed no JSON"},
		{`{"functions": {"malloc": {}}}`, "0 variants"},
		{`{"functions": {"malloc": {"x": {}}}}`, "no unnamed variant"},
		{`{"functions": {"malloc": {"": {"duration": 1, "max_rss": 1, "threads": 1}}}}`, "no iterations"},
		{`{"functions": {"malloc": {"": {"duration": 1, "iterations": 1, "max_rss": 1}}}}`, "no threads"},
		{`{"functions": {"malloc": {"": {"duration": 1, "iterations": -5, "max_rss": 1, "threads": 1}}}}`, "iterations -5"},
		{`{"functions": {"malloc": {"": {"duration": 1, "iterations": 1, "max_rss": 1, "threads": 1.5}}}}`, "threads 1.5"},
		{`{"functions": {"malloc": {"": {"duration": 1, "iterations": 0, "max_rss": 1, "threads": 1}}}}`, "nothing was measured"},
	} {
		_, err := ParseOutput([]byte(c.out))
		if assert.Error(t, err, c.out) {
			assert.Contains(t, err.Error(), c.want, c.out)
		}
	}
}

func TestPreloadEnv(t *testing.T) {
	env := []string{"HOME=/root", "LD_PRELOAD=/evil.so", "LD_PRELOAD_X=1"}
	assert.Equal(t, []string{"HOME=/root", "LD_PRELOAD_X=1"}, preloadEnv(env, ""), "an inherited preload would measure another malloc")
	assert.Equal(t, []string{"HOME=/root", "LD_PRELOAD_X=1", "LD_PRELOAD=/lib/x.so"}, preloadEnv(env, "/lib/x.so"))
}

func TestParseTrace(t *testing.T) {
	const out = "\tlinux-vdso.so.1 (0x00007f5fb9151000)\n" +
		"\tlibjemalloc.so.2 => /lib/x86_64-linux-gnu/libjemalloc.so.2 (0x00007f5fb8e00000)\n" +
		"\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f5fb8c1e000)\n"
	assert.Equal(t, "/lib/x86_64-linux-gnu/libjemalloc.so.2", parseTrace(out, "libjemalloc.so.2"))
	assert.Equal(t, "", parseTrace(out, "libmimalloc.so.2"))
	assert.Equal(t, "", parseTrace("\tlibx.so.1 => not found\n", "libx.so.1"))
}

func TestAllocators(t *testing.T) {
	assert.Equal(t, []string{"libc", "jemalloc", "mimalloc", "tcmalloc"}, Allocators())
}

func TestPatchesTouching(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	n, touching, err := patchesTouching(dir, sourceFiles)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "no series: no patches")
	assert.Empty(t, touching)

	write("any/local-x.diff", "--- a/malloc/malloc.c\n+++ b/malloc/malloc.c\n@@ -1 +1 @@\n-a\n+b\n")
	write("git-updates.diff", "diff --git a/benchtests/bench-malloc-simple.c b/benchtests/bench-malloc-simple.c\n--- a/benchtests/bench-malloc-simple.c\n+++ b/benchtests/bench-malloc-simple.c\n")
	write("unlisted.diff", "--- a/benchtests/bench-malloc-thread.c\n+++ b/benchtests/bench-malloc-thread.c\n")
	write("series", "# comment\ngit-updates.diff\n\nany/local-x.diff -p1\n")
	n, touching, err = patchesTouching(dir, sourceFiles)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Empty(t, touching, "patches outside the series are not applied")

	write("any/bench.diff", "--- glibc-2.36.orig/benchtests/json-lib.c\n+++ glibc-2.36/benchtests/json-lib.c\t2024-01-01\n")
	write("series", "git-updates.diff\nany/local-x.diff\nany/bench.diff\n")
	n, touching, err = patchesTouching(dir, sourceFiles)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, []string{"any/bench.diff (benchtests/json-lib.c)"}, touching)

	write("series", "missing.diff\n")
	_, _, err = patchesTouching(dir, sourceFiles)
	assert.ErrorContains(t, err, "missing.diff")
}

func TestClean(t *testing.T) {
	assert.Equal(t, "glibc-2.36-9+deb12u10", clean("glibc-2.36-9+deb12u10"))
	assert.Equal(t, "x-1%2.0", clean("x-1:2.0"))
	assert.Equal(t, "gcc=12.2.0_amd64_r1", clean("gcc 12.2.0_amd64_r1"))
	assert.False(t, strings.ContainsAny(clean("../a/b"), "/"))
}
