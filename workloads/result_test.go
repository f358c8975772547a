package workloads

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/results"
)

// Every figure a run can report is a metric of results.Metrics, the table
// the readers and the docs take their metrics from.
func TestResultMetricsAreInTheTable(t *testing.T) {
	r := Result{
		Threads: 2, OpThreads: 1, Window: time.Millisecond,
		PeakLive: 4 << 20, BaseRSS: 1 << 20, PeakRSS: 9 << 20, MemoryKnown: true, OffCPUKnown: true,
		Latency: Latency{Samples: 1000, P50: 20, P99: 90, P999: 300},
		Futex:   &Futex{Method: string(FutexTracepoint), Time: time.Microsecond, Calls: 3},
	}
	for range 2 {
		r.Workers = append(r.Workers, Worker{Ops: 1000, Frees: 1000, Wall: time.Millisecond, OnCPU: 800 * time.Microsecond,
			RunQueue: 10 * time.Microsecond, Idle: time.Microsecond, VoluntarySwitches: 2, MediumFrees: 10, RemoteFrees: 5})
	}
	ms := r.Metrics()
	require.Len(t, ms, len(results.Metrics), "a run that measured everything reports every metric")
	for _, m := range ms {
		_, ok := results.MetricOf(m.Unit)
		assert.True(t, ok, "%s is not in results.Metrics", m.Unit)
	}
}
