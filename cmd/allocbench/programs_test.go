package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/bench/program"
	"github.com/allocbench/allocbench/internal/programs"
)

// needProgram skips t when a recipe's commands are missing, unless
// ALLOCBENCH_REQUIRE=all says the machine has everything (.ci/run installs
// them), which makes it fail instead.
func needProgram(t *testing.T, r programs.Recipe) {
	t.Helper()
	if m := r.Missing(); len(m) > 0 {
		if os.Getenv("ALLOCBENCH_REQUIRE") == "all" {
			t.Fatalf("ALLOCBENCH_REQUIRE=all: %s missing (.ci/run installs them)", strings.Join(m, ", "))
		}
		t.Skipf("%s missing", strings.Join(m, ", "))
	}
}

// execRun is one measured run from exec.txt.
type execRun struct {
	alloc   string
	metrics map[string]float64
}

// execResult is what an allocbench exec run wrote.
type execResult struct {
	config   map[string]string // the header's key: value lines
	allocs   []string          // from the alloc-NAME header lines
	runs     []execRun
	comments map[string]string // alloc → its "# BenchmarkExec/...: ..." line
}

// execRecipe runs allocbench exec on r with a fixed seed, a result
// directory of the test's own and the extra flags, and reads exec.txt.
func execRecipe(t *testing.T, r programs.Recipe, flags ...string) execResult {
	t.Helper()
	out := t.TempDir()
	plan, err := program.NewPlan(program.Options{Program: "sh"})
	require.NoError(t, err)
	var installed []string
	for _, a := range plan.Installed {
		installed = append(installed, a.Name)
	}
	own, err := r.Flags(installed)
	require.NoError(t, err)
	args := append([]string{"exec", "-o", out, "-seed", "1", "-label", r.Label, "-timeout", "2m"}, own...)
	args = append(args, flags...)
	args = append(append(args, "--"), r.Command...)
	var stdout, stderr bytes.Buffer
	err = run(args, &stdout, &stderr)
	require.NoError(t, err, "allocbench %s\n%s", strings.Join(args, " "), stderr.String())
	files, err := filepath.Glob(filepath.Join(out, "*-exec", "exec.txt"))
	require.NoError(t, err)
	require.Len(t, files, 1, "one result file:\n%s", stderr.String())
	text, err := os.ReadFile(files[0])
	require.NoError(t, err)
	return parseExecResult(t, string(text))
}

func parseExecResult(t *testing.T, text string) execResult {
	t.Helper()
	res := execResult{config: map[string]string{}, comments: map[string]string{}}
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "# BenchmarkExec/"):
			name, rest, ok := strings.Cut(strings.TrimPrefix(line, "# "), ": ")
			if _, a, found := strings.Cut(name, "/alloc="); ok && found && !strings.Contains(a, " ") {
				res.comments[a] = rest
			}
		case strings.HasPrefix(line, "BenchmarkExec/"):
			f := strings.Fields(line)
			require.GreaterOrEqual(t, len(f), 4, "%q", line)
			_, a, found := strings.Cut(f[0], "/alloc=")
			require.True(t, found, "%q names an allocator", line)
			a, _, _ = strings.Cut(a, "/")
			r := execRun{alloc: a, metrics: map[string]float64{}}
			for i := 2; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				require.NoError(t, err, "%q", line)
				r.metrics[f[i+1]] = v
			}
			res.runs = append(res.runs, r)
		case !strings.HasPrefix(line, "#") && strings.Contains(line, ": "):
			k, v, _ := strings.Cut(line, ": ")
			if !strings.Contains(k, " ") {
				res.config[k] = v
				if a, ok := strings.CutPrefix(k, "alloc-"); ok {
					res.allocs = append(res.allocs, a)
				}
			}
		}
	}
	return res
}

// checkExec checks what every program's results must show: every
// allocator measured was checked to serve the program's malloc, every run
// of it counts (the program exited 0) and, for a threaded program where
// the exact futex method measured, every run saw futex calls.
func checkExec(t *testing.T, r programs.Recipe, res execResult, runs int) {
	t.Helper()
	if r.NoLibc == "" {
		require.Contains(t, res.allocs, "libc")
	} else {
		require.NotContains(t, res.allocs, "libc", r.NoLibc)
	}
	if os.Getenv("ALLOCBENCH_REQUIRE") == "all" {
		for _, a := range []string{"jemalloc", "mimalloc", "tcmalloc", "tbbmalloc"} {
			assert.Contains(t, res.allocs, a, "Debian 12 packages it (.ci/run installs it)")
		}
	}
	exact := res.config["futex-method"] == "tracepoint"
	if !exact {
		t.Logf("futex method %q: futex calls are not checked", res.config["futex-method"])
	}
	for _, a := range res.allocs {
		c := res.comments[a]
		assert.Contains(t, c, "malloc binds to", "%s is checked to serve the program", a)
		assert.Contains(t, c, strconv.Itoa(runs)+" runs count, 0 failed", "%s: every run exited 0", a)
		n := 0
		for _, run := range res.runs {
			if run.alloc != a {
				continue
			}
			n++
			assert.Positive(t, run.metrics["ns/op"], "%s: wall time", a)
			if exact && r.Threaded {
				assert.Positive(t, run.metrics["futex-calls/op"], "%s: a threaded program's runs call futex", a)
			}
		}
		assert.Equal(t, runs, n, "%s: runs in exec.txt", a)
	}
	assert.Len(t, res.runs, runs*len(res.allocs), "no runs of other allocators")
}

// ripgrep (rg -j 2) over a generated tree of a few hundred files.
func TestExecRipgrep(t *testing.T) {
	r, err := programs.Ripgrep(t.TempDir(), 400, 2)
	require.NoError(t, err)
	needProgram(t, r)
	checkExec(t, r, execRecipe(t, r, "-runs", "2", "-warmup", "0"), 2)
}

// xz -T 2 compressing 2 MiB of generated text in 1 MiB blocks.
func TestExecXz(t *testing.T) {
	r, err := programs.Xz(t.TempDir(), 2<<20, 2)
	require.NoError(t, err)
	needProgram(t, r)
	checkExec(t, r, execRecipe(t, r, "-runs", "1", "-warmup", "0"), 1)
}

// redis-server on 127.0.0.1 under each allocator, driven by
// redis-benchmark without it (examples/redis/redisbench.sh): the
// measured command is the script, and the whole process tree, the server
// included, is measured.
func TestExecRedis(t *testing.T) {
	port, err := programs.FreePort()
	require.NoError(t, err)
	r, err := programs.Redis("../../examples/redis/redisbench.sh", port, 2000, 4)
	require.NoError(t, err)
	needProgram(t, r)
	checkExec(t, r, execRecipe(t, r, "-runs", "1", "-warmup", "0"), 1)
}

// examples/rayonmap, built offline with the distribution's toolchain.
func TestExecRayonMap(t *testing.T) {
	tc, err := programs.DistroToolchain()
	if err != nil {
		needProgram(t, programs.Recipe{Needs: []string{"cargo"}})
	}
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := programs.CachedRayonMap(ctx, tc, "../../examples/rayonmap", "")
	require.NoError(t, err)
	r, err := programs.RayonMap("rayonmap", bin, 50_000, 2)
	require.NoError(t, err)
	checkExec(t, r, execRecipe(t, r, "-runs", "2", "-warmup", "0"), 2)
}
