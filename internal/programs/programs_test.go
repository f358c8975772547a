package programs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// need skips t when a command is missing, unless ALLOCBENCH_REQUIRE=all
// says the machine has everything, which makes it fail instead.
func need(t *testing.T, r Recipe) {
	t.Helper()
	if m := r.Missing(); len(m) > 0 {
		if os.Getenv("ALLOCBENCH_REQUIRE") == "all" {
			t.Fatalf("ALLOCBENCH_REQUIRE=all: %s missing (.ci/run installs them)", strings.Join(m, ", "))
		}
		t.Skipf("%s missing", strings.Join(m, ", "))
	}
}

func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		h.Write([]byte(rel))
		h.Write(b)
		return err
	}))
	return string(h.Sum(nil))
}

func TestTextTreeIsDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	na, err := TextTree(a, 250, 7)
	require.NoError(t, err)
	nb, err := TextTree(b, 250, 7)
	require.NoError(t, err)
	_, err = TextTree(c, 250, 8)
	require.NoError(t, err)
	assert.Equal(t, na, nb)
	assert.Equal(t, treeDigest(t, a), treeDigest(t, b), "same arguments, same tree")
	assert.NotEqual(t, treeDigest(t, a), treeDigest(t, c), "another seed, another tree")
	assert.GreaterOrEqual(t, na, int64(250*1024))
	assert.Less(t, na, int64(250*8*1024+250*200))
	dirs, err := os.ReadDir(a)
	require.NoError(t, err)
	assert.Len(t, dirs, 3, "a hundred files to a directory")
	text, err := os.ReadFile(filepath.Join(a, "d000", "f00000.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(text), " ")

	_, err = TextTree(t.TempDir(), 0, 1)
	assert.ErrorContains(t, err, "0 files")
}

func TestTextFile(t *testing.T) {
	dir := t.TempDir()
	p, q := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	require.NoError(t, TextFile(p, 300_000, 3))
	require.NoError(t, TextFile(q, 300_000, 3))
	a, err := os.ReadFile(p)
	require.NoError(t, err)
	b, err := os.ReadFile(q)
	require.NoError(t, err)
	assert.Len(t, a, 300_000)
	assert.Equal(t, a, b)
	assert.Positive(t, bytes.Count(a, []byte(Needle)), "the needle is in the text")
	assert.Error(t, TextFile(filepath.Join(dir, "c"), 0, 1))
}

func TestRecipesRejectBadArguments(t *testing.T) {
	dir := t.TempDir()
	_, err := Ripgrep(dir, 10, 0)
	assert.ErrorContains(t, err, "0 threads")
	_, err = Xz(dir, 1000, -1)
	assert.ErrorContains(t, err, "-1 threads")
	_, err = Redis("x.sh", 80, 10, 1)
	assert.ErrorContains(t, err, "port 80")
	_, err = Redis("x.sh", 7000, 0, 1)
	assert.ErrorContains(t, err, "0 requests")
	_, err = RayonMap("rayon", "bin", 0, 2)
	assert.ErrorContains(t, err, "size 0")
	assert.Equal(t, []string{"no-such-command-here"}, Recipe{Needs: []string{"sh", "no-such-command-here"}}.Missing())
}

func TestFlags(t *testing.T) {
	f, err := Recipe{Label: "rg"}.Flags([]string{"libc", "jemalloc"})
	require.NoError(t, err)
	assert.Empty(t, f)
	r, err := Redis("x.sh", 7000, 10, 1)
	require.NoError(t, err)
	f, err = r.Flags([]string{"libc", "jemalloc", "mimalloc"})
	require.NoError(t, err)
	assert.Equal(t, []string{"-allocs", "jemalloc,mimalloc", "-baseline", "jemalloc"}, f)
	_, err = r.Flags([]string{"libc", "mimalloc"})
	assert.ErrorContains(t, err, "baseline jemalloc is not installed")
}

func TestFreePort(t *testing.T) {
	p, err := FreePort()
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	require.NoError(t, err, "the port is free")
	l.Close()
}

// The generated text compresses like prose, and every xz thread has
// blocks to work on.
func TestXzCompresses(t *testing.T) {
	dir := t.TempDir()
	r, err := Xz(dir, 4<<20, 2)
	require.NoError(t, err)
	need(t, r)
	out, err := exec.Command(r.Command[0], r.Command[1:]...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	st, err := os.Stat(filepath.Join(dir, "input.txt.xz"))
	require.NoError(t, err)
	ratio := float64(4<<20) / float64(st.Size())
	assert.Greater(t, ratio, 2.0, "compressible")
	assert.Less(t, ratio, 20.0, "not trivially so")
	list, err := exec.Command("xz", "--list", "--robot", filepath.Join(dir, "input.txt.xz")).Output()
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^file\s+1\s+4\s`, string(list), "four 1 MiB blocks")
}

func TestRipgrepFinds(t *testing.T) {
	dir := t.TempDir()
	r, err := Ripgrep(dir, 200, 2)
	require.NoError(t, err)
	need(t, r)
	out, err := exec.Command(r.Command[0], r.Command[1:]...).Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	assert.Len(t, lines, 200, "every file has a match: %s", lines[0])
}

// The script runs redis-server on 127.0.0.1 only, reports the client's
// rates, exits 0 and leaves nothing listening.
func TestRedisScript(t *testing.T) {
	port, err := FreePort()
	require.NoError(t, err)
	r, err := Redis("../../examples/redis/redisbench.sh", port, 2000, 4)
	require.NoError(t, err)
	need(t, r)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, r.Command[0], r.Command[1:]...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Regexp(t, `(?m)^SET: [0-9.]+ requests per second`, string(out))
	assert.Regexp(t, `(?m)^GET: [0-9.]+ requests per second`, string(out))
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if assert.NoError(t, err, "the server is gone") {
		l.Close()
	}

	for _, args := range [][]string{{"80", "1", "1"}, {strconv.Itoa(port), "x", "1"}, {"1"}} {
		cmd := exec.Command("sh", append([]string{"../../examples/redis/redisbench.sh"}, args...)...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if assert.ErrorAs(t, err, &ee, "%v", args) {
			assert.Equal(t, 2, ee.ExitCode(), "%v", args)
		}
		assert.Contains(t, string(out), "usage", "%v", args)
	}
}

var checksum = regexp.MustCompile(`checksum=([0-9a-f]{16})`)

// examples/rayonmap builds offline with the distribution's toolchain and
// the packaged rayon, and its checksum does not depend on the threads.
func TestRayonMapBuilds(t *testing.T) {
	tc, err := DistroToolchain()
	if err != nil {
		need(t, Recipe{Needs: []string{"cargo"}})
	}
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := CachedRayonMap(ctx, tc, "../../examples/rayonmap", "")
	if err != nil && strings.Contains(err.Error(), "librust-rayon-dev") && os.Getenv("ALLOCBENCH_REQUIRE") != "all" {
		t.Skip(err)
	}
	require.NoError(t, err)
	var sums []string
	for _, threads := range []string{"1", "2"} {
		out, err := exec.Command(bin, "20000", threads).Output()
		require.NoError(t, err)
		m := checksum.FindStringSubmatch(string(out))
		require.NotNil(t, m, "%s", out)
		sums = append(sums, m[1])
	}
	assert.Equal(t, sums[0], sums[1], "the checksum does not depend on the threads")

	for _, bad := range [][]string{{"0", "2"}, {"10", "x"}, {"10"}} {
		err := exec.Command(bin, bad...).Run()
		var ee *exec.ExitError
		if assert.ErrorAs(t, err, &ee, "%v", bad) {
			assert.Equal(t, 2, ee.ExitCode(), "%v", bad)
		}
	}
}

// Debian 12 packages Rust's standard library for the host (and wasm32,
// Windows), not for musl, and its rust-src has no Cargo.lock for
// -Zbuild-std: a musl build fails there. Where a toolchain has the
// target, the binary must be static and give the same checksum.
func TestRayonMapMusl(t *testing.T) {
	tc, err := DistroToolchain()
	if err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := BuildRayonMap(ctx, tc, "../../examples/rayonmap", t.TempDir(), MuslTarget)
	if err != nil {
		t.Skipf("no musl build with %s: %v", tc.Cargo, err)
	}
	out, err := exec.Command(bin, "20000", "2").Output()
	require.NoError(t, err)
	assert.Regexp(t, checksum, string(out))
}
