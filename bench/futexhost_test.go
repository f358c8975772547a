package bench

import (
	"os"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/futex"
	"github.com/allocbench/allocbench/workloads"
)

// hostAgreementEnv names the workload TestFutexHostAgreement runs; the
// containers subcommand's tests set it, with a host tracer's socket in
// workloads.FutexHostEnv, in a container that may also trace itself.
const hostAgreementEnv = "ALLOCBENCH_TEST_HOST_AGREEMENT"

// hostWindow opens and closes a window of a host tracer's meter with the
// workload's own.
type hostWindow struct{ m *futex.Meter }

func (w hostWindow) Begin(tids []int) error { return w.m.Begin(tids) }
func (w hostWindow) End() error             { return w.m.End() }

func medianOf(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// TestFutexHostAgreement measures the same windows twice: with the
// tracepoint method in this process, and with the host tracer, for six
// runs of a workload at two threads on the C library's malloc. The medians
// of the futex time, and of the futex calls, agree within 10%. It runs
// only where both methods can (in a container given the host tracer's
// socket and the privileges to trace itself); elsewhere it skips.
func TestFutexHostAgreement(t *testing.T) {
	workload := os.Getenv(hostAgreementEnv)
	sock := os.Getenv(workloads.FutexHostEnv)
	if workload == "" || sock == "" {
		t.Skipf("runs in a container with %s and %s set", hostAgreementEnv, workloads.FutexHostEnv)
	}
	host, err := futex.Open(futex.Options{Method: futex.Tracepoint, Host: sock})
	require.NoError(t, err)
	defer host.Close()
	require.True(t, host.OnHost(), host.Reason())
	// The workloads' meter is this process's own: it reads the
	// environment when it first opens.
	t.Setenv(workloads.FutexHostEnv, "")
	used, reason, err := workloads.FutexMeterInfo(workloads.FutexTracepoint)
	require.NoError(t, err)
	require.Equal(t, string(workloads.FutexTracepoint), used, reason)

	ops := map[string]uint64{"churn": 2_000_000, "mutex": 5000}[workload]
	require.NotZero(t, ops, "workload %q: churn or mutex", workload)
	var inside, fromHost, insideCalls, hostCalls []float64
	for run := range 6 {
		res, err := workloads.Run(workloads.Config{Workload: workload, Alloc: "libc", Threads: 2, Ops: ops,
			Futex: workloads.FutexTracepoint, Observer: hostWindow{host}})
		require.NoError(t, err)
		require.Equal(t, string(workloads.FutexTracepoint), res.Futex.Method)
		var ns time.Duration
		var calls uint64
		for _, th := range host.Threads() {
			ns += th.Futex
			calls += th.Calls
		}
		t.Logf("agreement: %s run %d: in the container %d ns in %d calls, from the host %d ns in %d calls",
			workload, run+1, res.Futex.Time.Nanoseconds(), res.Futex.Calls, ns.Nanoseconds(), calls)
		inside = append(inside, float64(res.Futex.Time))
		fromHost = append(fromHost, float64(ns))
		insideCalls = append(insideCalls, float64(res.Futex.Calls))
		hostCalls = append(hostCalls, float64(calls))
	}
	require.Positive(t, medianOf(inside), "futex time measured in the container")
	assert.InDelta(t, 1, medianOf(fromHost)/medianOf(inside), 0.10, "futex time: host tracer / in the container")
	assert.InDelta(t, 1, medianOf(hostCalls)/medianOf(insideCalls), 0.10, "futex calls: host tracer / in the container")
}
