package workloads

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/results"
)

// Result is what one run measured. Only the worker threads count, and only
// inside the measured window: thread start, the start barrier and the join
// are outside it.
type Result struct {
	Workload string
	Alloc    string
	Threads  int
	// OpThreads is how many threads' iterations make one op: 1, or
	// Threads for the workloads whose op is one iteration of every thread
	// (cache-thrash, cache-scratch).
	OpThreads int
	// Window runs from the first worker's start to the last worker's end.
	Window time.Duration
	// PeakLive is the peak number of bytes the workload held live, summed
	// over the threads (sampled every thousand ops or so).
	PeakLive int64
	// BaseRSS is the process's resident memory at this run's baseline,
	// taken with the workers started and the harness's memory mapped,
	// before anything was allocated from the allocator under test.
	// PeakRSS is the process's peak resident memory from the baseline to
	// the end of the window. MemoryKnown says they were measured: only
	// in a process's first run (see MeasureMemory for the others).
	BaseRSS, PeakRSS uint64
	MemoryKnown      bool
	// OffCPUKnown is false where /proc/thread-self/schedstat is missing.
	OffCPUKnown bool
	Latency     Latency
	Workers     []Worker
	// Futex is set when Config.Futex asked for futex time.
	Futex *Futex
}

// Worker is what one worker thread measured over its own part of the window.
type Worker struct {
	TID                 int
	Ops, Frees          uint64
	Wall                time.Duration
	User, Sys           time.Duration
	OnCPU, RunQueue     time.Duration
	VoluntarySwitches   uint64
	InvoluntarySwitches uint64
	MinorFaults         uint64
	// Held is the time the thread held the calibration workload's lock.
	Held time.Duration
	// Idle is the CPU time the thread spent waiting for another thread's
	// work (an empty or a full queue): not the allocator's.
	Idle time.Duration
	// MediumFrees counts the medium-lived blocks the thread freed, and
	// RemoteFrees those of them that another thread allocated (mixed).
	MediumFrees, RemoteFrees uint64
	// Generations is the number of threads that ran this worker's share
	// (1 unless the workload starts new threads inside the window).
	Generations    int
	SchedstatKnown bool
	Err            string
}

// CPU is the thread's CPU time inside its window, from its thread CPU
// clock (exact; getrusage's user and system times are sampled at timer
// ticks, and schedstat's on-CPU time is only brought up to date at ticks),
// less the time it spent waiting for another thread's work.
func (w Worker) CPU() time.Duration {
	if w.Idle > w.OnCPU {
		return 0
	}
	return w.OnCPU - w.Idle
}

// OffCPU is the time the thread was not running on a CPU inside its window:
// blocked, or runnable and waiting for a CPU.
func (w Worker) OffCPU() time.Duration {
	if d := w.Wall - w.OnCPU; d > 0 {
		return d
	}
	return 0
}

// Latency holds quantiles of the sampled op latencies.
type Latency struct {
	Samples        int
	P50, P99, P999 float64 // nanoseconds
}

// Ops is the number of ops all threads ran.
func (r Result) Ops() uint64 {
	var n uint64
	for _, w := range r.Workers {
		n += w.Ops
	}
	if r.OpThreads > 1 {
		n /= uint64(r.OpThreads)
	}
	return n
}

// Frees is the number of frees all threads made in the window.
func (r Result) Frees() uint64 {
	var n uint64
	for _, w := range r.Workers {
		n += w.Frees
	}
	return n
}

// NsPerOp is the window divided by the ops of all threads: the inverse of
// aggregate throughput.
func (r Result) NsPerOp() float64 {
	ops := r.Ops()
	if ops == 0 {
		return math.NaN()
	}
	return float64(r.Window.Nanoseconds()) / float64(ops)
}

// OpsPerSec is the aggregate throughput.
func (r Result) OpsPerSec() float64 {
	if r.Window <= 0 {
		return math.NaN()
	}
	return float64(r.Ops()) / r.Window.Seconds()
}

// RSSPerLiveByte is the peak resident memory above BaseRSS, divided by the
// peak number of bytes the workload held live: the memory an allocator
// holds per byte it hands out (1.0 would be no overhead at all), harness and
// runtime excluded.
func (r Result) RSSPerLiveByte() float64 {
	if !r.MemoryKnown || r.PeakLive <= 0 {
		return math.NaN()
	}
	growth := float64(r.PeakRSS) - float64(r.BaseRSS)
	if growth < 0 {
		growth = 0
	}
	return growth / float64(r.PeakLive)
}

// Metric is one figure of a run, in a unit benchstat understands.
type Metric struct {
	Value float64
	Unit  string
}

// Metrics returns the run's figures in a fixed order, per op where the unit
// ends in /op. Figures that could not be measured are left out.
func (r Result) Metrics() []Metric {
	ops := float64(r.Ops())
	if ops == 0 {
		return nil
	}
	var cpu, sys, off, runq, idle time.Duration
	var vcsw, ivcsw, minflt, medium, remote uint64
	for _, w := range r.Workers {
		cpu += w.CPU()
		sys += w.Sys
		off += w.OffCPU()
		runq += w.RunQueue
		idle += w.Idle
		vcsw += w.VoluntarySwitches
		ivcsw += w.InvoluntarySwitches
		minflt += w.MinorFaults
		medium += w.MediumFrees
		remote += w.RemoteFrees
	}
	ms := []Metric{
		{r.NsPerOp(), results.NsPerOp},
		{float64(cpu.Nanoseconds()) / ops, results.CPUNsecPerOp},
		{float64(sys.Nanoseconds()) / ops, results.SysNsecPerOp},
	}
	if r.OffCPUKnown {
		ms = append(ms,
			Metric{float64(off.Nanoseconds()) / ops, results.OffCPUNsecPerOp},
			Metric{float64(runq.Nanoseconds()) / ops, results.RunqNsecPerOp})
	}
	if idle > 0 {
		ms = append(ms, Metric{float64(idle.Nanoseconds()) / ops, results.IdleCPUNsecPerOp})
	}
	ms = append(ms,
		Metric{float64(vcsw) / ops, results.VcswPerOp},
		Metric{float64(ivcsw) / ops, results.IvcswPerOp},
		Metric{float64(minflt) / ops, results.MinfltPerOp})
	if medium > 0 {
		ms = append(ms, Metric{100 * float64(remote) / float64(medium), results.RemoteFreePct})
	}
	if r.MemoryKnown {
		ms = append(ms, Metric{float64(r.PeakRSS), results.PeakRSSBytes})
		if r.PeakLive > 0 {
			// What rss-per-live-byte divides by: readers mark the
			// figure when the live set is too small to measure the
			// allocator.
			ms = append(ms, Metric{float64(r.PeakLive), results.PeakLiveBytes})
		}
		if v := r.RSSPerLiveByte(); !math.IsNaN(v) {
			ms = append(ms, Metric{v, results.RSSPerLiveByte})
		}
	}
	if r.Futex.Measured() {
		var wall time.Duration
		for _, w := range r.Workers {
			wall += w.Wall
		}
		ms = append(ms, Metric{float64(r.Futex.Time.Nanoseconds()) / ops, results.FutexNsecPerOp})
		if r.Futex.Method == string(FutexTracepoint) {
			ms = append(ms, Metric{float64(r.Futex.Calls) / ops, results.FutexCallsPerOp})
		}
		if wall > 0 {
			ms = append(ms, Metric{100 * float64(r.Futex.Time) / float64(wall), results.FutexPct})
		}
	}
	if r.Latency.Samples > 0 {
		// The number of samples says how far the percentiles can be
		// trusted (a p99 of fewer than 100 is about the largest).
		ms = append(ms,
			Metric{r.Latency.P50, results.P50Nsec},
			Metric{r.Latency.P99, results.P99Nsec},
			Metric{r.Latency.P999, results.P999Nsec},
			Metric{float64(r.Latency.Samples), results.LatencySamples})
	}
	return ms
}

func (r Result) failure() error {
	var msgs []string
	for _, w := range r.Workers {
		if w.Err != "" {
			msgs = append(msgs, w.Err)
		}
	}
	if len(msgs) == 0 {
		if r.Ops() == 0 {
			return fmt.Errorf("workload %s, allocator %s: no op completed", r.Workload, r.Alloc)
		}
		return nil
	}
	return fmt.Errorf("workload %s, allocator %s: %w", r.Workload, r.Alloc, errors.New(strings.Join(msgs, "; ")))
}

// quantiles takes nearest-rank quantiles of the samples.
func quantiles(samples []float64) Latency {
	n := len(samples)
	if n == 0 {
		return Latency{}
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(n))) - 1
		if i < 0 {
			i = 0
		}
		return s[i]
	}
	return Latency{Samples: n, P50: at(0.50), P99: at(0.99), P999: at(0.999)}
}

// Memory is what one run's memory came to, measured in a process that had
// run nothing before it.
type Memory struct {
	// BaseRSS is the process's resident memory at the run's baseline:
	// with the workers started and the harness's memory mapped, before
	// anything was allocated from the allocator under test.
	BaseRSS uint64
	// PeakRSS is the process's peak resident memory from the baseline to
	// the end of the window.
	PeakRSS uint64
	// PeakLive is the peak number of bytes the workload held live.
	PeakLive int64
}

// WithMemory returns r with the memory figures of m: those of a fresh
// process (MeasureMemory) in place of this process's.
func (r Result) WithMemory(m Memory) Result {
	r.BaseRSS, r.PeakRSS, r.PeakLive = m.BaseRSS, m.PeakRSS, m.PeakLive
	r.MemoryKnown = true
	return r
}
