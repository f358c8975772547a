package results

import (
	"fmt"
	"strings"
)

// A Direction says which way a metric is better.
type Direction int

const (
	// Neither: the metric describes the run (how many samples, how much
	// was live) rather than how well the allocator did.
	Neither Direction = iota
	LowerIsBetter
	HigherIsBetter
)

// String says it as the axes of the report's plots do: "lower is better".
func (d Direction) String() string {
	switch d {
	case LowerIsBetter:
		return "lower is better"
	case HigherIsBetter:
		return "higher is better"
	}
	return ""
}

// Reversed is the direction of the metric through a transform that
// reverses order (ns/op shown as throughput).
func (d Direction) Reversed() Direction {
	switch d {
	case LowerIsBetter:
		return HigherIsBetter
	case HigherIsBetter:
		return LowerIsBetter
	}
	return d
}

// A Metric is one figure of a run of a workload (workloads.Result.Metrics)
// and how allocbench shows it.
type Metric struct {
	// Unit is the unit as the result files write it.
	Unit string
	// Doc says what the metric measures, in Markdown: its row of the
	// table in docs/workloads.md (see DocTable). A metric with no Doc
	// shares the row of the metric before it.
	Doc string
	// Better says which way the metric is better.
	Better Direction
	// Headline metrics are the ones shown without asking: compare's
	// default metrics, the summary's tables, the report's plots and
	// tables. ns/op comes first, shown as throughput against the
	// baseline; the others are shown as medians with the fields below.
	Headline bool
	// ID names the metric in the report's element ids and classes.
	ID string
	// Name is the metric in a sentence ("p99 latency"), Title its row in
	// the report's summary tables ("p99 latency, ns") and Label in the
	// summary's text tables ("p99-nsec").
	Name, Title, Label string
	// Format is the printf format of a median ("%.3g").
	Format string
	// PlotTitle heads the metric's plots and Axis names their y axis,
	// without the direction (see YLabel).
	PlotTitle, Axis string
	// Qualifier is the unit of the figure that says when this one cannot
	// be trusted as it stands (a small live set for RSS per live byte,
	// few samples for a percentile); readers collect it along with the
	// metric.
	Qualifier string
}

// YLabel is the label of the y axis of the metric's plots, in direction
// better: "p99 latency, ns (lower is better)".
func (m Metric) YLabel(better Direction) string {
	if s := better.String(); s != "" {
		return m.Axis + " (" + s + ")"
	}
	return m.Axis
}

// The units of the figures of one run of a workload
// (workloads.Result.Metrics) or of a program (allocbench exec), each beside
// the table below that describes it.
const (
	// NsPerOp is the testing package's own unit: the measured window
	// divided by the ops of all threads (the inverse of throughput).
	// benchstat shows it as sec/op.
	NsPerOp = "ns/op"
	// CPUNsecPerOp is the workers' CPU time per op.
	CPUNsecPerOp = "cpu-nsec/op"
	// UserNsecPerOp is user CPU time per op: in allocbench exec's
	// results, that of a run of the program and the children it waited
	// for (wait4's rusage), a run being one op.
	UserNsecPerOp = "user-nsec/op"
	// SysNsecPerOp is the workers' system CPU time per op.
	SysNsecPerOp = "sys-nsec/op"
	// OffCPUNsecPerOp is the time the workers were off CPU in the window,
	// per op.
	OffCPUNsecPerOp = "offcpu-nsec/op"
	// RunqNsecPerOp is the part of OffCPUNsecPerOp the workers were
	// runnable but waiting for a CPU.
	RunqNsecPerOp = "runq-nsec/op"
	// IdleCPUNsecPerOp is CPU time the workers spent waiting for another
	// thread's work, per op; it is not part of CPUNsecPerOp.
	IdleCPUNsecPerOp = "idle-cpu-nsec/op"
	// VcswPerOp counts the workers' voluntary context switches per op.
	VcswPerOp = "vcsw/op"
	// IvcswPerOp counts the workers' involuntary context switches per op.
	IvcswPerOp = "ivcsw/op"
	// MinfltPerOp counts the workers' minor page faults per op.
	MinfltPerOp = "minflt/op"
	// MajfltPerOp counts major page faults (ones that read from disk)
	// per op: in allocbench exec's results, per run of the program.
	MajfltPerOp = "majflt/op"
	// RemoteFreePct is the percentage of medium-lived blocks freed by
	// another thread than the one that allocated them (mixed).
	RemoteFreePct = "remote-free-pct"
	// PeakRSSBytes is the peak resident memory of a process that made the
	// run alone.
	PeakRSSBytes = "peak-rss-bytes"
	// RSSPerLiveByte is that process's resident memory above its
	// baseline divided by the peak of bytes the workload held live.
	RSSPerLiveByte = "rss-per-live-byte"
	// FutexNsecPerOp is the workers' time in futex calls per op.
	FutexNsecPerOp = "futex-nsec/op"
	// FutexCallsPerOp counts the workers' futex calls per op (exact
	// method only).
	FutexCallsPerOp = "futex-calls/op"
	// FutexPct is the workers' time in futex calls as a percentage of
	// their wall time.
	FutexPct = "futex-pct"
	// P50Nsec, P99Nsec and P999Nsec are quantiles of the latency of one
	// malloc and its free, from a sample of ops.
	P50Nsec  = "p50-nsec"
	P99Nsec  = "p99-nsec"
	P999Nsec = "p999-nsec"
	// LatencySamples is how many latency samples the quantiles come
	// from, over all threads.
	LatencySamples = "latency-samples"
	// PeakLiveBytes is the peak number of bytes the workload held live
	// in the memory run: what RSSPerLiveByte divides by.
	PeakLiveBytes = "peak-live-bytes"
)

// Metrics are the metrics of the workloads, in the order of the
// documentation; the headline metrics are shown in this order too. Adding
// a metric takes its unit's constant above, its line here, and the
// harness that measures it (workloads.Result.Metrics), then go generate
// ./internal/results for the docs' table; making it a headline, Headline
// and the fields that say how it is shown.
var Metrics = []Metric{
	{Unit: NsPerOp, Better: LowerIsBetter,
		Headline: true, ID: "throughput", Name: "throughput", Title: "throughput", Label: "speed",
		PlotTitle: "Throughput", Axis: "Mops/s, all threads",
		Doc: "window ÷ ops: the inverse of aggregate throughput"},
	{Unit: CPUNsecPerOp, Better: LowerIsBetter,
		Doc: "CPU time of the worker threads, from each thread's CPU clock " +
			"(`CLOCK_THREAD_CPUTIME_ID`, read next to the window's edges; schedstat's " +
			"on-CPU figure lags by up to a tick)"},
	{Unit: SysNsecPerOp, Better: LowerIsBetter,
		Doc: "system CPU time of the workers (`getrusage(RUSAGE_THREAD)`, which the " +
			"kernel samples at timer ticks: coarse for short runs)"},
	{Unit: OffCPUNsecPerOp, Better: LowerIsBetter,
		Doc: "time the workers were off CPU inside the window, and the part of it they " +
			"were runnable but waiting for a CPU"},
	{Unit: RunqNsecPerOp, Better: LowerIsBetter},
	{Unit: IdleCPUNsecPerOp, Better: LowerIsBetter,
		Doc: "CPU time the workers spent waiting for another thread's work (xmalloc's " +
			"empty or full stack, mixed's last hand-offs); it is left out of " +
			"`cpu-nsec/op`"},
	{Unit: VcswPerOp, Better: LowerIsBetter,
		Doc: "voluntary and involuntary context switches and minor page faults of the " +
			"workers"},
	{Unit: IvcswPerOp, Better: LowerIsBetter},
	{Unit: MinfltPerOp, Better: LowerIsBetter},
	{Unit: RemoteFreePct, Better: Neither,
		Doc: "mixed: the share of medium-lived frees made by another thread than the " +
			"allocating one"},
	{Unit: FutexNsecPerOp, Better: LowerIsBetter,
		Doc: "time the workers spent in futex syscalls, their number (exact method only), " +
			"and that time as a percent of the workers' wall time"},
	{Unit: FutexCallsPerOp, Better: LowerIsBetter},
	{Unit: FutexPct, Better: LowerIsBetter,
		Headline: true, ID: "futex", Name: "futex share", Title: "futex share, %", Label: "futex%", Format: "%.1f",
		PlotTitle: "Futex share", Axis: "% of time in futex"},
	{Unit: P50Nsec, Better: LowerIsBetter, Qualifier: LatencySamples,
		Doc: "latency of one malloc+free, from a sample of ops (one in 256 or sparser, at " +
			"most 16384 per thread; a thread that records more keeps every other sample " +
			"and then every other record, so the samples cover its whole window)"},
	{Unit: P99Nsec, Better: LowerIsBetter,
		Headline: true, ID: "p99", Name: "p99 latency", Title: "p99 latency, ns", Label: "p99-nsec", Format: "%.3g",
		PlotTitle: "p99 latency", Axis: "p99 latency, ns", Qualifier: LatencySamples},
	{Unit: P999Nsec, Better: LowerIsBetter, Qualifier: LatencySamples},
	{Unit: LatencySamples, Better: Neither,
		Doc: "how many latency samples the percentiles come from, over all threads (under " +
			"100, the page marks the percentiles)"},
	{Unit: PeakRSSBytes, Better: LowerIsBetter,
		Doc: "the peak resident memory (VmHWM) of a fresh process that ran the same work, " +
			"the only run in it (see below)"},
	{Unit: RSSPerLiveByte, Better: LowerIsBetter,
		Headline: true, ID: "rss", Name: "RSS per live byte", Title: "RSS per live byte", Label: "rss/live", Format: "%.3g",
		PlotTitle: "Memory overhead", Axis: "RSS per live byte", Qualifier: PeakLiveBytes,
		Doc: "that process's peak resident memory above its baseline, divided by the peak " +
			"number of bytes the workload held live: what the allocator needs per byte " +
			"it hands out. The baseline is read with the workers started and the " +
			"harness's memory mapped, before anything is allocated from the allocator " +
			"under test (larson's and cache-scratch's starting blocks come after it); " +
			"nothing else is subtracted. The figure comes from a process of its own " +
			"because an allocator keeps memory that earlier runs freed (arenas, thread " +
			"caches, segments of exited threads, pages marked free that the kernel has " +
			"not yet reclaimed) and reuses it without the resident memory growing: " +
			"measured in one process, glibc's later runs read anywhere from 0.2 to 2 and " +
			"mimalloc's near 0 on churn, and with several allocators in one process the " +
			"order decided the figures. `go test -bench` therefore re-runs the " +
			"benchmark's last call (the one it reports) in a fresh process of the test " +
			"binary, as mimalloc-bench measures a process per run; " +
			"`workloads.MeasureMemory` does the same for other callers, and " +
			"`workloads.Run` reports memory only for a process's first run. churn writes " +
			"nothing into its blocks, as its original, so on the run that reports memory " +
			"it writes a byte into every page of each new block: the figure is the " +
			"memory a program that uses its blocks would hold. Five identical runs of " +
			"churn with a 7 MiB live set (100000 slots) agree within 10% for every " +
			"allocator (a test checks it). Thread stacks and page granularity add a " +
			"roughly constant few hundred KiB: for small live sets (churn's default of " +
			"0.2 MiB, threadtest, cache-*) compare against the `floor` row; xmalloc's " +
			"live set depends on how far producers run ahead, so its figure varies from " +
			"run to run"},
	{Unit: PeakLiveBytes, Better: Neither,
		Doc: "the peak number of bytes the workload held live in the memory run: what " +
			"`rss-per-live-byte` divides by (under 1 MiB, the page marks that figure)"},
}

// MetricOf returns the metric of unit (by its name now, see Current).
func MetricOf(unit string) (Metric, bool) {
	unit = Current(unit)
	for _, m := range Metrics {
		if m.Unit == unit {
			return m, true
		}
	}
	return Metric{}, false
}

// Headlines returns the headline metrics in table order: ns/op first.
func Headlines() []Metric {
	var out []Metric
	for _, m := range Metrics {
		if m.Headline {
			out = append(out, m)
		}
	}
	return out
}

// HeadlineUnits returns the units of the headline metrics.
func HeadlineUnits() []string {
	var out []string
	for _, m := range Headlines() {
		out = append(out, m.Unit)
	}
	return out
}

// Medians returns the headline metrics shown as medians: all but ns/op,
// which is shown as throughput against a baseline.
func Medians() []Metric {
	var out []Metric
	for _, m := range Headlines() {
		if m.Unit != NsPerOp {
			out = append(out, m)
		}
	}
	return out
}

// DocTable renders the table of metrics of docs/workloads.md: a row per
// metric, with the metrics that share a row listed together.
func DocTable() string {
	var b strings.Builder
	b.WriteString("| metric | meaning |\n|---|---|\n")
	for i := 0; i < len(Metrics); {
		units := []string{"`" + Metrics[i].Unit + "`"}
		doc := Metrics[i].Doc
		for i++; i < len(Metrics) && Metrics[i].Doc == ""; i++ {
			units = append(units, "`"+Metrics[i].Unit+"`")
		}
		fmt.Fprintf(&b, "| %s | %s |\n", strings.Join(units, ", "), doc)
	}
	return b.String()
}
