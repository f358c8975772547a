package program

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/stats"
)

// BenchmarkName is the top-level benchmark of a result file.
const BenchmarkName = "BenchmarkExec"

// Line is one run as a benchfmt result line: one iteration, its wall time
// as ns/op, and the other figures of the run per op (per run).
func (r Run) Line(name string, futexMethod string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s 1 %d %s", BenchmarkName, name, r.Wall.Nanoseconds(), results.NsPerOp)
	add := func(v int64, unit string) { fmt.Fprintf(&b, " %d %s", v, unit) }
	add(r.User.Nanoseconds(), results.UserNsecPerOp)
	add(r.Sys.Nanoseconds(), results.SysNsecPerOp)
	switch futexMethod {
	case "tracepoint":
		add(r.Futex.Nanoseconds(), results.FutexNsecPerOp)
		add(int64(r.FutexCalls), results.FutexCallsPerOp)
	case "sampled":
		add(r.Futex.Nanoseconds(), results.FutexNsecPerOp)
	}
	if r.MaxRSS > 0 {
		add(r.MaxRSS, results.PeakRSSBytes)
	}
	add(r.Vcsw, results.VcswPerOp)
	add(r.Ivcsw, results.IvcswPerOp)
	add(r.Minflt, results.MinfltPerOp)
	add(r.Majflt, results.MajfltPerOp)
	return b.String()
}

// WriteResults writes the result lines of every cell after config (KEY:
// VALUE lines, written as given), each cell's failed runs and notes as
// comments, which benchfmt readers skip.
func WriteResults(w io.Writer, res *Result, config []string) error {
	var b strings.Builder
	for _, c := range config {
		b.WriteString(c + "\n")
	}
	label := res.Plan.Options.Label
	for _, cr := range res.Cells {
		name := cr.Cell.Name(label)
		fmt.Fprintf(&b, "# %s/%s: %s; %d runs count, %d failed; %s\n", BenchmarkName, name, cr.Verified, len(cr.Runs), len(cr.Failed), cr.describeStop(res.Plan.Options))
		for _, r := range cr.Runs {
			b.WriteString(r.Line(name, res.FutexMethod) + "\n")
		}
		for _, r := range cr.Failed {
			fmt.Fprintf(&b, "# failed %s/%s round %d: %s (%v)\n", BenchmarkName, name, r.Round, oneLine(r.Failed()), r.Wall.Round(time.Microsecond))
		}
		noted := map[string]bool{}
		for _, r := range cr.Runs {
			if r.MaxRSSNote != "" && !noted[r.MaxRSSNote] {
				noted[r.MaxRSSNote] = true
				fmt.Fprintf(&b, "# %s/%s round %d: no peak-rss-bytes: %s\n", BenchmarkName, name, r.Round, r.MaxRSSNote)
			}
		}
		if cr.Truncated {
			fmt.Fprintf(&b, "# %s/%s: the program's output was cut at %d bytes per file (%s, %s)\n", BenchmarkName, name, res.Plan.Options.OutputCap, cr.Stdout, cr.Stderr)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// describeStop says how far the cell's runs went.
func (cr CellResult) describeStop(o Options) string {
	hw := "no interval"
	if !math.IsInf(cr.HalfWidth, 1) {
		hw = fmt.Sprintf("±%.1f%%", 100*cr.HalfWidth)
	}
	why := map[string]string{
		StopRuns:    fmt.Sprintf("the %d runs asked for", o.Runs),
		StopTarget:  fmt.Sprintf("reached the target of ±%g%%", 100*o.Target),
		StopCap:     fmt.Sprintf("hit the cap of %d runs", o.MaxRuns),
		StopBudget:  "stopped when the budget ran out",
		StopFailing: "stopped: its first runs all failed",
	}[cr.Stop]
	if why == "" {
		why = "interrupted"
	}
	return fmt.Sprintf("median wall %s; %s", hw, why)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Comparison is one cell against the baseline.
type Comparison struct {
	Cell, Baseline *CellResult
	// Speed is the baseline's wall time over the cell's (Hodges–Lehmann,
	// with the Mann–Whitney interval): above 1 the cell is faster.
	Speed stats.Interval
	OK    bool
	// FutexCell and FutexBase are the median futex times per run.
	FutexCell, FutexBase time.Duration
}

// Verdict is "faster", "slower", "~" (the interval holds 1) or
// "undecided" (too few runs for an interval).
func (c Comparison) Verdict() string {
	switch {
	case !c.OK:
		return "undecided"
	case !c.Speed.Bounded():
		return "undecided"
	case c.Speed.Contains(1):
		return "~"
	case c.Speed.Lo > 1:
		return "faster"
	}
	return "slower"
}

// Compare compares every cell with the baseline allocator of the same
// binary; that binary's baseline, and a static binary, with the first
// binary's baseline.
func Compare(res *Result, baseline string) []Comparison {
	var out []Comparison
	find := func(bin string) *CellResult {
		for i := range res.Cells {
			c := &res.Cells[i]
			if c.Cell.Alloc.Name == baseline && c.Cell.Binary.Label == bin {
				return c
			}
		}
		return nil
	}
	var first *CellResult
	for i := range res.Cells {
		if b := find(res.Cells[i].Cell.Binary.Label); b != nil {
			first = b
			break
		}
	}
	for i := range res.Cells {
		c := &res.Cells[i]
		base := find(c.Cell.Binary.Label)
		if base == nil || base == c || c.Cell.Binary.OwnMallocOnly() {
			base = first
		}
		if base == nil || base == c {
			continue
		}
		cmp := Comparison{Cell: c, Baseline: base}
		cmp.Speed, cmp.OK = stats.Ratio(base.Walls(), c.Walls(), stats.DefaultConfidence)
		cmp.FutexCell = medianDuration(c.Runs, func(r Run) time.Duration { return r.Futex })
		cmp.FutexBase = medianDuration(base.Runs, func(r Run) time.Duration { return r.Futex })
		out = append(out, cmp)
	}
	return out
}

func medianDuration(runs []Run, f func(Run) time.Duration) time.Duration {
	if len(runs) == 0 {
		return 0
	}
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = float64(f(r))
	}
	return time.Duration(stats.Median(v))
}

// MedianWall is the median wall time of the cell's counted runs.
func (cr CellResult) MedianWall() time.Duration {
	return medianDuration(cr.Runs, func(r Run) time.Duration { return r.Wall })
}
