// The units: every unit that allocbench's benchmarks report.
//
// benchfmt's reader, which benchstat uses, "tidies" units whose numerator
// holds the token "ns" or "MB" into base units (ns → sec, MB → B), but only
// when that changes the value: a run that reads 0 keeps its original unit.
// A metric written as "sys-ns/op" therefore becomes two metrics in
// benchstat, sys-sec/op for the runs above 0 and sys-ns/op for the others.
// Every time unit of this package (here and in metrics.go) except the
// testing package's own ns/op is spelt "nsec" instead, a token the tidying
// never rewrites, so benchstat reads each metric as one whatever its
// values.
//
// Files written before the rename used the "ns" names; Current maps them
// to the names here so that old and new runs compare.

package results

import (
	"strings"

	"golang.org/x/perf/benchfmt"
)

// The figures of glibc's bench-malloc-thread, as allocbench fidelity
// writes them beside its own (ns/op is NsPerOp).
const (
	// MaxRSSBytes is the original program's maximum resident memory.
	MaxRSSBytes = "max-rss-bytes"
)

// The figures of the benchmarks that measure allocbench itself.
const (
	// BareNsecPerOp is the bare C reference's ns per op
	// (BenchmarkHarnessOverhead).
	BareNsecPerOp = "bare-nsec/op"
	// HarnessPerBare is the harness's throughput over the bare
	// reference's.
	HarnessPerBare = "harness/bare"
	// UnsampledNsecPerOp is ns per op with latency sampling off
	// (BenchmarkSamplingOverhead).
	UnsampledNsecPerOp = "unsampled-nsec/op"
	// SampledPerUnsampled is the ratio of ns per op with sampling on and
	// off.
	SampledPerUnsampled = "sampled/unsampled"
	// FloorNsecPerOp is ns per op of the floor allocator on the same
	// work (BenchmarkFloorBound).
	FloorNsecPerOp = "floor-nsec/op"
	// FloorPerAlloc is the floor's ns per op over the allocator's.
	FloorPerAlloc = "floor/alloc"
	// UnmeasuredNsecPerOp is ns per op with futex measurement off
	// (BenchmarkFutexOverhead).
	UnmeasuredNsecPerOp = "unmeasured-nsec/op"
	// MeasuredPerUnmeasured is the ratio of ns per op with futex
	// measurement on and off.
	MeasuredPerUnmeasured = "measured/unmeasured"
	// PeakRSSMiB is the peak resident memory of compare or report, in
	// MiB (BenchmarkMillionLines).
	PeakRSSMiB = "peak-rss-MiB"
)

// renamed maps each unit that earlier versions wrote to its name now.
var renamed = map[string]string{
	"cpu-ns/op":        CPUNsecPerOp,
	"sys-ns/op":        SysNsecPerOp,
	"offcpu-ns/op":     OffCPUNsecPerOp,
	"runq-ns/op":       RunqNsecPerOp,
	"idle-cpu-ns/op":   IdleCPUNsecPerOp,
	"futex-ns/op":      FutexNsecPerOp,
	"p50-ns":           P50Nsec,
	"p99-ns":           P99Nsec,
	"p999-ns":          P999Nsec,
	"bare-ns/op":       BareNsecPerOp,
	"unsampled-ns/op":  UnsampledNsecPerOp,
	"floor-ns/op":      FloorNsecPerOp,
	"unmeasured-ns/op": UnmeasuredNsecPerOp,
}

// Current returns the name a unit has now: the "nsec" name for a unit
// that earlier versions wrote with "ns", and any other unit unchanged.
func Current(unit string) string {
	if u, ok := renamed[unit]; ok {
		return u
	}
	return unit
}

// Renamed returns the units that earlier versions wrote, each with its
// name now.
func Renamed() map[string]string {
	m := make(map[string]string, len(renamed))
	for old, cur := range renamed {
		m[old] = cur
	}
	return m
}

// The physical limits of what a benchmark measures.
const (
	// MaxNsecPerOp is the longest time per op a result may hold: an hour.
	MaxNsecPerOp = 3600e9
	// MaxBytes is the most bytes a 64-bit process can address.
	MaxBytes = 1 << 64
	// MaxMagnitude bounds a figure of any other unit: a count or a ratio
	// of counts no run can reach.
	MaxMagnitude = 1e18
	// MinMagnitude is the smallest figure other than 0 a result may
	// hold, in any unit: below it, a value is an artefact (5e-324), and
	// the ratios and plots made from it overflow.
	MinMagnitude = 1e-15
)

// Range says what values of unit are physically possible: from lo to hi,
// and what the unit measures ("a share", "a time per op"...), for messages.
// Values other than 0 under MinMagnitude in size are never possible.
func Range(unit string) (lo, hi float64, what string) {
	switch {
	case strings.HasSuffix(unit, "-pct") || strings.HasSuffix(unit, "%"):
		return 0, 100, "a share"
	case IsTimePerOp(unit):
		return 0, MaxNsecPerOp, "a time per op"
	case strings.HasSuffix(unit, "-nsec") || strings.HasSuffix(unit, "-ns"):
		return 0, MaxNsecPerOp, "a latency"
	case strings.HasSuffix(unit, "bytes") || unit == "B/op":
		return 0, MaxBytes, "a size"
	}
	return -MaxMagnitude, MaxMagnitude, "a measurement"
}

// IsTimePerOp reports whether unit is a time per op in nanoseconds (ns/op,
// cpu-nsec/op...).
func IsTimePerOp(unit string) bool {
	return unit == NsPerOp || strings.HasSuffix(unit, "-nsec/op") || strings.HasSuffix(unit, "-ns/op")
}

// OrigUnit returns the unit and the value of v as they were written (ns/op,
// not benchfmt's tidied sec/op), the unit by its name now (see Current).
func OrigUnit(v benchfmt.Value) (string, float64) {
	if v.OrigUnit != "" {
		return Current(v.OrigUnit), v.OrigValue
	}
	return Current(v.Unit), v.Value
}
