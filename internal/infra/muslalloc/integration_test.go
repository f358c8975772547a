package muslalloc

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/infra/debsrc"
)

// requireEnv, set to anything, turns the integration test's skips (no
// apt-get, no network) into failures; bench.RequireEnv's name.
const requireEnv = "ALLOCBENCH_REQUIRE"

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

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the test's directory")
		dir = parent
	}
}

func goTool(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Skip("no go command to build the static binary with")
	}
	return p
}

// TestBuildAndLinkStatic builds the libraries into the default cache (a
// minute the first time), checks a second Build comes from the cache, and
// builds and runs package cgoalloc's tests as a static musl binary with the
// libraries linked in.
func TestBuildAndLinkStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches Debian sources and builds jemalloc; skipped with -short")
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
		t.Skip("musl-gcc builds for Linux")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		skip("needs apt-get to fetch Debian's sources")
	}
	if missing := Missing(); len(missing) > 0 && os.Geteuid() != 0 {
		skip("missing %v and not root to install them", missing)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	log := &testLog{t: t}
	start := time.Now()
	libs, err := Build(ctx, Options{Log: log})
	if errors.Is(err, ErrFetch) {
		skip("no Debian sources to be had here (network?): %v", err)
	}
	require.NoError(t, err)
	t.Logf("Build took %v", time.Since(start).Round(time.Millisecond))
	for _, r := range recipes() {
		if why, ok := libs.Skipped[r.Name]; ok {
			t.Logf("%s skipped: %s", r.Name, why)
			assert.NotEmpty(t, r.Expected, "%s: only a build the record expects to fail is skipped", r.Name)
			assert.NotContains(t, libs.Versions, r.Name)
			assert.NoFileExists(t, filepath.Join(libs.Dir, r.Archive))
			continue
		}
		assert.FileExists(t, filepath.Join(libs.Dir, r.Archive))
	}
	assert.Regexp(t, `^\d+\.\d+\.\d+-\S+$`, libs.Versions["jemalloc"])
	assert.Regexp(t, `^\d+\.\d+\.\d+\S*-\S+$`, libs.Versions["mimalloc"])
	assert.Equal(t, "musl-gcc", libs.CC)
	assert.NotEmpty(t, libs.Musl)

	log2 := &testLog{t: t}
	start = time.Now()
	again, err := Build(ctx, Options{Log: log2})
	require.NoError(t, err)
	t.Logf("cached Build took %v", time.Since(start).Round(time.Millisecond))
	assert.Equal(t, libs, again)
	assert.Contains(t, log2.String(), "(cached)")
	assert.NotContains(t, log2.String(), "building")

	root := moduleRoot(t)
	bin := filepath.Join(t.TempDir(), "cgoalloc-static.test")
	args := append([]string{"test", "-c", "-o", bin}, libs.BuildFlags()...)
	args = append(args, "./cgoalloc")
	cmd := exec.CommandContext(ctx, goTool(t), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), libs.Env()...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", debsrc.QuoteArgs(args), out)

	f, err := elf.Open(bin)
	require.NoError(t, err)
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "the test binary is linked statically")
	}
	f.Close()

	run := exec.CommandContext(ctx, bin, "-test.v")
	run.Dir = filepath.Join(root, "cgoalloc")
	out, err = run.CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	for _, name := range []string{"TestStaticLibcIsStillMusl", "TestStaticAllocatorsLinkedIn", "TestStaticLibraryText"} {
		assert.Contains(t, s, "--- PASS: "+name, s)
	}
	assert.NotContains(t, s, "built without -X")
}
