package glibcbench

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/cgoalloc"
)

// requireEnv, set to anything, turns the skips of the build (no apt-get, no
// Debian mirror, no compiler) into failures; for an allocator that is not
// installed, cgoalloc.Required decides.
const requireEnv = cgoalloc.RequireEnv

// testLog passes Build's lines to the test log as they come.
type testLog struct {
	t   *testing.T
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		l.t.Log(line)
	}
	return len(p), nil
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestBuildAndRun builds the real bench-malloc-thread from the installed
// glibc's Debian sources into the default cache (a 19 MB download the
// first time), checks that a second Build comes from the cache, and runs it
// for a second with one and two threads on glibc's malloc, and with two
// threads on each allocator that LD_PRELOAD can swap in. It checks counts,
// never timings.
func TestBuildAndRun(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches glibc's Debian sources and runs the benchmark for seconds; skipped with -short")
	}
	required := os.Getenv(requireEnv) != ""
	skip := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	if runtime.GOOS != "linux" {
		t.Skip("glibc's benchmark is built for Linux")
	}
	for _, c := range []string{"apt-get", "dpkg-query"} {
		if _, err := exec.LookPath(c); err != nil {
			skip("needs %s to fetch glibc's Debian sources", c)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	log := &testLog{t: t}
	start := time.Now()
	p, err := Build(ctx, Options{Duration: time.Second, Log: log})
	if errors.Is(err, ErrFetch) {
		skip("no Debian sources to be had here (network?): %v", err)
	}
	require.NoError(t, err)
	t.Logf("Build took %v: %s", time.Since(start).Round(time.Millisecond), p.Describe())
	assert.Equal(t, "glibc", p.Source)
	assert.Regexp(t, `^\d+\.\d+`, p.Upstream())
	assert.Equal(t, time.Second, p.Duration)
	assert.FileExists(t, p.Path)

	log2 := &testLog{t: t}
	again, err := Build(ctx, Options{Duration: time.Second, Log: log2})
	require.NoError(t, err)
	assert.Equal(t, p, again)
	assert.Contains(t, log2.String(), "(cached)")
	assert.NotContains(t, log2.String(), "compiling")

	for _, threads := range []int{1, 2} {
		res, err := p.Run(ctx, threads, "")
		require.NoError(t, err, "libc, %d threads", threads)
		assert.Equal(t, threads, res.Threads)
		assert.Greater(t, res.Iterations, 0.0)
		assert.Greater(t, res.Elapsed, time.Duration(0))
		assert.Greater(t, res.MaxRSSKiB, 0.0)
		assert.Equal(t, "hp_timing", res.TimingType)
		t.Logf("libc, %d threads: %.3g iterations", threads, res.Iterations)
	}

	for _, name := range Allocators() {
		if name == alloc.Libc {
			continue
		}
		t.Run(name, func(t *testing.T) {
			lib, err := p.Preload(ctx, name)
			if err != nil {
				if cgoalloc.Required(name) {
					t.Fatal(err)
				}
				t.Skip(err)
			}
			assert.True(t, strings.HasPrefix(lib, "/"), lib)
			res, err := p.Run(ctx, 2, lib)
			require.NoError(t, err)
			assert.Equal(t, 2, res.Threads)
			assert.Greater(t, res.Iterations, 0.0)
			t.Logf("%s (%s), 2 threads: %.3g iterations", name, lib, res.Iterations)
		})
	}
}
