package freshmachine

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
)

// need skips the test with why when ok is false, unless
// ALLOCBENCH_REQUIRE=all, which makes it fail instead.
func need(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("ALLOCBENCH_REQUIRE") == "all" {
		t.Fatalf("ALLOCBENCH_REQUIRE=all: "+format, args...)
	}
	t.Skipf(format, args...)
}

// repoRoot is the root of the checkout the tests run in.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	need(t, err == nil, "needs git and the repository's checkout: %v", err)
	return strings.TrimSpace(string(out))
}

// cleanClone clones the checkout's HEAD into dir/src: what a new user gets,
// without the working tree's uncommitted changes and ignored files.
func cleanClone(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "src")
	out, err := exec.Command("git", "clone", "--quiet", "--no-hardlinks", repoRoot(t), src).CombinedOutput()
	require.NoError(t, err, "git clone: %s", out)
	return src
}

// goEnv returns `go env name`.
func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	require.NoError(t, err, "go env %s", name)
	return strings.TrimSpace(string(out))
}

// readmeFirstCommand is the README's first set-up command: the line after
// "# 1." in the set-up block.
func readmeFirstCommand(t *testing.T, root string) []string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^# 1\..*\n(.+)$`).FindStringSubmatch(string(readme))
	require.NotNil(t, m, "the README's set-up block begins with a '# 1.' comment and the command under it")
	return strings.Fields(m[1])
}

// timedLog keeps a command's output with the time each line came, and
// copies it to a file for the test's log.
type timedLog struct {
	mu    sync.Mutex
	start time.Time
	buf   bytes.Buffer
	file  io.Writer
	part  []byte
}

func (l *timedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		line := fmt.Sprintf("[%6.1fs] %s\n", time.Since(l.start).Seconds(), l.part[:i])
		l.buf.WriteString(line)
		if l.file != nil {
			io.WriteString(l.file, line)
		}
		l.part = l.part[i+1:]
	}
	return len(p), nil
}

func (l *timedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String() + string(l.part)
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// phases reads the main job's own account of its time: "installed in",
// "built the test binaries in", "N cells in". A phase that did not happen
// (nothing to install) is 0.
type phases struct {
	install, build, run time.Duration
	cells               int
}

var (
	installedRE = regexp.MustCompile(`allocbench: installed in (\S+)`)
	builtRE     = regexp.MustCompile(`allocbench: built the test binaries in (\S+)`)
	cellsRE     = regexp.MustCompile(`allocbench: (\d+) cells, \d+ visits in (\S+);`)
)

func readPhases(t *testing.T, log string) phases {
	t.Helper()
	var p phases
	dur := func(re *regexp.Regexp, group int) time.Duration {
		m := re.FindStringSubmatch(log)
		if m == nil {
			return 0
		}
		d, err := time.ParseDuration(m[group])
		require.NoError(t, err, m[0])
		return d
	}
	p.install = dur(installedRE, 1)
	p.build = dur(builtRE, 1)
	p.run = dur(cellsRE, 2)
	if m := cellsRE.FindStringSubmatch(log); m != nil {
		fmt.Sscan(m[1], &p.cells)
	}
	require.NotZero(t, p.build, "the job says how long its builds took")
	require.NotZero(t, p.cells, "the job says how many cells it ran")
	return p
}

// resultRow is a benchmark result line: its variant file, allocator and
// threads.
var resultRow = regexp.MustCompile(`^BenchmarkWorkloads/workload=([^/]+)/alloc=([^/]+)/threads=(\d+)`)

// checkResults reads <dir>/<variant>.txt for each variant and asserts that
// its rows cover want[variant], and that no cell failed.
func checkResults(t *testing.T, dir string, want map[string][]string) {
	t.Helper()
	for variant, allocs := range want {
		path := filepath.Join(dir, variant+".txt")
		f, err := os.Open(path)
		require.NoError(t, err, "the %s variant's results", variant)
		got := map[string]int{}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			require.False(t, strings.HasPrefix(line, "cell-failed:"), "%s: %s", path, line)
			if m := resultRow.FindStringSubmatch(line); m != nil {
				got[m[2]]++
			}
		}
		require.NoError(t, sc.Err())
		f.Close()
		for _, a := range allocs {
			if got[a] == 0 {
				t.Errorf("%s has no rows for %s (rows per allocator: %v)", path, a, got)
			}
		}
	}
}

// resultsDir is the one run directory under parent.
func resultsDir(t *testing.T, parent string) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(parent, "*", "glibc.txt"))
	require.NoError(t, err)
	require.Len(t, dirs, 1, "one run directory with results under %s", parent)
	return filepath.Dir(dirs[0])
}

// allocsByVariant are the allocators each variant of the main job has on
// release, from the allocators' records: the glibc variant every allocator
// packaged there, the static musl build those it builds from source.
func allocsByVariant(release string) map[string][]string {
	want := map[string][]string{}
	for _, s := range alloc.All() {
		switch {
		case s.User():
		case s.Kind != alloc.Shared:
			want["glibc"] = append(want["glibc"], s.Name)
			want["musl"] = append(want["musl"], s.Name)
		default:
			if _, ok := s.On(release); ok {
				want["glibc"] = append(want["glibc"], s.Name)
			}
			if s.MuslBuilt() {
				want["musl"] = append(want["musl"], s.Name)
			}
		}
	}
	return want
}
