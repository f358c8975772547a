package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/accuracy"
	"github.com/allocbench/allocbench/internal/programs"
)

var perfFutexRow = regexp.MustCompile(`(?m)^\s*futex\s+(\d+)\s+\d+\s+([\d.]+)\s`)

// perfFutex sums the futex rows of `perf trace -s` over every thread and
// process it summarises: calls and total milliseconds.
func perfFutex(summary string) (calls int, ms float64) {
	for _, m := range perfFutexRow.FindAllStringSubmatch(summary, -1) {
		c, _ := strconv.Atoi(m[1])
		v, _ := strconv.ParseFloat(m[2], 64)
		calls += c
		ms += v
	}
	return calls, ms
}

func TestPerfFutex(t *testing.T) {
	calls, ms := perfFutex(`
 Summary of events:

 xz (26347), 90 events, 65.7%

   syscall            calls  errors  total       min       avg       max       stddev
                                     (msec)    (msec)    (msec)    (msec)        (%)
   --------------- --------  ------ -------- --------- --------- ---------     ------
   futex                 45     14  5439.072     0.012   120.868   457.061     18.79%

 xz (26351), 22 events, 16.1%
   futex                 11      1   957.536     0.011    87.049   853.805     88.73%
`)
	assert.Equal(t, 56, calls)
	assert.InDelta(t, 6396.608, ms, 1e-9)
}

// allocbench exec's futex time of a real multi-threaded program's whole
// process tree (xz -T 2, whose threads wait on each other for blocks)
// agrees within 10% with perf trace's, on the same runs: the measured
// command is perf trace -s running xz, so both tools see every run. perf
// trace summarises xz's threads; exec's tree holds perf too, whose own
// futex calls are few.
func TestExecFutexAgreesWithPerf(t *testing.T) {
	accuracy.Require(t)
	if os.Geteuid() != 0 {
		t.Skip("the tracepoint method and perf trace need root")
	}
	perf, err := exec.LookPath("perf")
	if err != nil {
		if os.Getenv("ALLOCBENCH_REQUIRE") != "" {
			t.Fatalf("perf is needed (apt-get install linux-perf): %v", err)
		}
		t.Skip("perf is not installed (apt-get install linux-perf)")
	}
	dir := t.TempDir()
	r, err := programs.Xz(dir, 2<<20, 2)
	require.NoError(t, err)
	needProgram(t, r)

	for i := range 3 {
		// One measured run per exec: the check run writes the summary
		// first, the measured run then replaces it.
		summary := filepath.Join(dir, "perf"+strconv.Itoa(i)+".txt")
		traced := r
		traced.Command = append([]string{perf, "trace", "-s", "-e", "futex", "-o", summary, "--"}, r.Command...)
		res := execRecipe(t, traced, "-allocs", "libc", "-runs", "1", "-warmup", "0", "-futex", "tracepoint")
		require.Len(t, res.runs, 1)
		ours := res.runs[0].metrics
		text, err := os.ReadFile(summary)
		require.NoError(t, err)
		calls, ms := perfFutex(string(text))
		require.Positive(t, calls, "perf trace saw futex calls:\n%s", text)
		t.Logf("run %d: futex time perf trace %.1f ms (%d calls), allocbench exec %.1f ms (%.0f calls), wall %.0f ms",
			i+1, ms, calls, ours["futex-nsec/op"]/1e6, ours["futex-calls/op"], ours["ns/op"]/1e6)
		assert.InEpsilon(t, ms, ours["futex-nsec/op"]/1e6, 0.10, "run %d: futex time, perf trace against exec", i+1)
		assert.GreaterOrEqual(t, ours["futex-calls/op"], float64(calls), "run %d: exec's tree holds xz's calls and perf's own", i+1)
	}
}
