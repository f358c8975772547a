//go:build cgo

package workloads

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/accuracy"

	"github.com/allocbench/allocbench/internal/procfs"
	"github.com/allocbench/allocbench/internal/results"
)

// expectedWait is the calibration workload's known answer: the threads take
// one lock in turn and do nothing outside it, so whatever part of a
// thread's window it did not spend holding the lock, it spent waiting for
// it.
func expectedWait(res Result) time.Duration {
	var wait time.Duration
	for _, w := range res.Workers {
		wait += w.Wall - w.Held
	}
	return wait
}

func runCalibration(t *testing.T, method FutexMethod) (Result, time.Duration) {
	t.Helper()
	// Long holds, so the few microseconds each lock hand-off costs on CPU
	// are small next to the wait.
	res, err := Run(Config{Workload: "mutex", Alloc: "libc", Threads: 2, Ops: 1000,
		Params: Params{Hold: 200 * time.Microsecond}, Futex: method})
	require.NoError(t, err)
	require.NotNil(t, res.Futex)
	return res, expectedWait(res)
}

func TestFutexCalibrationTracepoint(t *testing.T) {
	used, reason, err := FutexMeterInfo(FutexTracepoint)
	if err != nil || used != string(FutexTracepoint) {
		if os.Getenv("ALLOCBENCH_REQUIRE") != "" && os.Geteuid() == 0 {
			t.Fatalf("the tracepoint method is needed as root here: %v %s", err, reason)
		}
		t.Skipf("tracepoint method unavailable: %v %s", err, reason)
	}
	res, want := runCalibration(t, FutexTracepoint)
	assert.Equal(t, string(FutexTracepoint), res.Futex.Method)
	t.Logf("expected wait %v, tracepoint %v in %d calls", want, res.Futex.Time, res.Futex.Calls)
	require.Positive(t, want)
	if accuracy.On() {
		assert.InEpsilon(t, want.Seconds(), res.Futex.Time.Seconds(), 0.10, "tracepoint within 10%% of the known wait")
	} else {
		assert.Positive(t, res.Futex.Time, "the waits are seen")
	}
	assert.Positive(t, res.Futex.Calls)
	require.Len(t, res.Futex.Threads, 2)
	for i, th := range res.Futex.Threads {
		assert.Equal(t, res.Workers[i].TID, th.TID)
	}
}

func TestFutexCalibrationSampled(t *testing.T) {
	res, want := runCalibration(t, FutexSampled)
	assert.Equal(t, string(FutexSampled), res.Futex.Method, res.Futex.Reason)
	t.Logf("expected wait %v, sampled %v", want, res.Futex.Time)
	require.Positive(t, want)
	if accuracy.On() {
		assert.InEpsilon(t, want.Seconds(), res.Futex.Time.Seconds(), 0.25, "sampled within 25%% of the known wait")
	} else {
		assert.Positive(t, res.Futex.Time, "the waits are seen")
	}
	assert.Zero(t, res.Futex.Calls, "the estimate cannot count calls")
}

func TestFutexMetrics(t *testing.T) {
	res, err := Run(Config{Workload: "churn", Alloc: "libc", Threads: 2, Ops: 20000, Futex: FutexAuto})
	require.NoError(t, err)
	require.NotNil(t, res.Futex)
	byUnit := map[string]bool{}
	for _, m := range res.Metrics() {
		byUnit[m.Unit] = true
	}
	if res.Futex.Measured() {
		assert.True(t, byUnit[results.FutexNsecPerOp])
		assert.True(t, byUnit[results.FutexPct])
		assert.Equal(t, res.Futex.Method == string(FutexTracepoint), byUnit[results.FutexCallsPerOp])
	} else {
		assert.NotEmpty(t, res.Futex.Reason, "no figure without a reason")
		assert.False(t, byUnit[results.FutexNsecPerOp], "never a made-up number")
	}

	off, err := Run(Config{Workload: "churn", Alloc: "libc", Threads: 2, Ops: 20000})
	require.NoError(t, err)
	assert.Nil(t, off.Futex)

	_, err = Run(Config{Workload: "churn", Alloc: "libc", Threads: 2, Ops: 10, Futex: "strace"})
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), `unknown futex method "strace"`)
	}
}

// Nothing leaks across runs: 200 short runs with each method leave the
// process's open descriptors where they were.
func TestFutexRunsDoNotLeak(t *testing.T) {
	for _, method := range []FutexMethod{FutexAuto, FutexSampled} {
		// The first run opens the method's meter, which stays open.
		_, err := Run(Config{Workload: "churn", Alloc: "libc", Threads: 2, Ops: 1000, Futex: method})
		require.NoError(t, err)
		before, err := procfs.OpenFDs()
		require.NoError(t, err)
		for i := 0; i < 200; i++ {
			_, err := Run(Config{Workload: "churn", Alloc: "libc", Threads: 2, Ops: 1000, Futex: method})
			require.NoError(t, err)
		}
		after, err := procfs.OpenFDs()
		require.NoError(t, err)
		assert.Equal(t, before, after, "%s: open descriptors", method)
	}
}
