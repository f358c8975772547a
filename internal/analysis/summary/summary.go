// Package summary answers the question a run is made for first: per
// workload and thread count, each allocator's throughput relative to a
// baseline (glibc's malloc unless told otherwise), with the median's
// interval and the significance test benchstat uses, beside its futex
// share, p99 latency and memory per live byte; and how each allocator
// scales with threads (a Universal Scalability Law fit). The main job
// prints it; the report shows it at the top of the page.
package summary

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/analysis/scaling"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/stats"
)

// A Column is one file's allocator.
type Column struct {
	Label, Alloc string
}

func (c Column) String() string { return c.Label + "/" + c.Alloc }

func (c Column) cell(workload string, threads int) cells.Cell {
	return cells.Cell{Label: c.Label, Workload: workload, Alloc: c.Alloc, Threads: threads}
}

// Summary is what Make computes.
type Summary struct {
	Baseline  Column
	Columns   []Column
	Workloads []Workload
	Scaling   []Scaling
	// Cores describes each file's machine, by label.
	Cores map[string]Cores
	Alpha float64
}

// A Workload is the table of one workload: a row per thread count.
type Workload struct {
	Name string
	Rows []Row
}

// A Row holds one thread count's figures, an Entry per column.
type Row struct {
	Threads int
	// Speed is throughput relative to the baseline at the same thread
	// count (baseline ns/op ÷ the column's ns/op).
	Speed []Entry
	// Medians are the medians of the headline metrics other than ns/op
	// (results.Medians), in that order: an Entry per column each.
	Medians [][]Entry
}

// An Entry is one figure of one cell.
type Entry struct {
	OK    bool
	Value float64
	// Lo and Hi bound Value at the set's confidence: for a speed the
	// interval of the ratio (cells.Ratio), for the other figures the
	// median's interval; ±Inf when there are too few runs for one.
	Lo, Hi float64
	// Pct is the larger distance from Value to a bound in percent of
	// Value; NaN when there is no interval.
	Pct float64
	// P is the p-value of the test against the baseline's cell (NaN for
	// the baseline itself); Significant says that the speed's interval
	// lies wholly on one side of 1.
	P           float64
	Significant bool
	Baseline    bool
	N           int
	// Matched says that a speed compares the lowest groups of the two
	// cells' runs (see cells.Ratio).
	Matched string
	// Modes are the groups of the cell's runs when they form more than
	// one (in the cell's own unit); MachineModes says every allocator
	// here has them, so they are the machine's. Low and High are the
	// lowest and highest group's figures in the entry's own scale.
	Modes        []stats.Mode
	MachineModes bool
	Low, High    float64
	Bimodal      bool
	Caveats      []cells.Caveat
}

// Interval returns the entry's figure with its bounds.
func (e Entry) Interval() stats.Interval {
	return stats.Interval{Est: e.Value, Lo: e.Lo, Hi: e.Hi}
}

// Options choose the baseline.
type Options struct {
	// Baseline is "label/alloc" or "alloc" (in the default file); empty
	// means the C library's malloc of the first file measured with
	// glibc, else of the first file.
	Baseline string
}

// MediansOf returns the row's medians of unit, an Entry per column, or nil
// when unit is not one of results.Medians.
func (r Row) MediansOf(unit string) []Entry {
	for k, m := range medianMetrics {
		if m.Unit == unit && k < len(r.Medians) {
			return r.Medians[k]
		}
	}
	return nil
}

// medianMetrics are the metrics each Row has medians of.
var medianMetrics = results.Medians()

// Make computes the summary of s.
func Make(s *cells.Set, opts Options) (*Summary, error) {
	base, err := ChooseBaseline(s, opts.Baseline)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Baseline: base, Cores: make(map[string]Cores), Alpha: s.Alpha}
	for _, l := range s.Labels {
		sum.Cores[l] = ReadCores(s, l)
		for _, a := range s.Allocs {
			col := Column{l, a}
			if hasColumn(s, col) {
				sum.Columns = append(sum.Columns, col)
			}
		}
	}
	for _, wl := range s.Workloads {
		w := Workload{Name: wl}
		for _, n := range s.Threads {
			r := Row{Threads: n, Medians: make([][]Entry, len(medianMetrics))}
			any := false
			for _, col := range sum.Columns {
				c := col.cell(wl, n)
				any = any || s.Has(c)
				r.Speed = append(r.Speed, speed(s, c, base.cell(wl, n)))
				for k, m := range medianMetrics {
					r.Medians[k] = append(r.Medians[k], median(s, c, m.Unit))
				}
			}
			if any {
				w.Rows = append(w.Rows, r)
			}
		}
		sum.Workloads = append(sum.Workloads, w)
		for _, col := range sum.Columns {
			if sc, ok := fitScaling(s, col, wl); ok {
				sum.Scaling = append(sum.Scaling, sc)
			}
		}
	}
	return sum, nil
}

func hasColumn(s *cells.Set, col Column) bool {
	for _, wl := range s.Workloads {
		for _, n := range s.Threads {
			if s.Has(col.cell(wl, n)) {
				return true
			}
		}
	}
	return false
}

// ChooseBaseline resolves a -baseline value against s: "label/alloc", or
// "alloc" in the default file; empty chooses the default.
func ChooseBaseline(s *cells.Set, spec string) (Column, error) {
	if len(s.Labels) == 0 {
		return Column{}, fmt.Errorf("no results")
	}
	label := s.Labels[0]
	for _, l := range s.Labels {
		if s.Config(l, results.LibcKey) == "glibc" {
			label = l
			break
		}
	}
	var valid []string
	for _, l := range s.Labels {
		for _, a := range s.Allocs {
			if hasColumn(s, Column{l, a}) {
				valid = append(valid, l+"/"+a)
			}
		}
	}
	if spec == "" {
		if hasColumn(s, Column{label, "libc"}) {
			return Column{label, "libc"}, nil
		}
		for _, a := range s.Allocs {
			if hasColumn(s, Column{label, a}) {
				return Column{label, a}, nil
			}
		}
	}
	for _, v := range valid {
		if v == spec {
			i := strings.LastIndex(spec, "/")
			return Column{spec[:i], spec[i+1:]}, nil
		}
	}
	if !strings.Contains(spec, "/") && hasColumn(s, Column{label, spec}) {
		return Column{label, spec}, nil
	}
	return Column{}, &BaselineError{Spec: spec, Valid: valid, Default: label}
}

// A BaselineError says that a -baseline value names no column.
type BaselineError struct {
	Spec    string
	Valid   []string // label/alloc of every column
	Default string   // the file an allocator alone is looked for in
}

func (e *BaselineError) Error() string {
	return fmt.Sprintf("-baseline %q is not a file's allocator here (valid: %s, or an allocator of %s alone)", e.Spec, strings.Join(e.Valid, ", "), e.Default)
}

func entry(s *cells.Set, c cells.Cell, unit string) (cells.Stat, Entry, bool) {
	st, ok := s.Get(c, unit)
	if !ok {
		return st, Entry{}, false
	}
	e := Entry{OK: true, Value: st.Center, Lo: st.Lo, Hi: st.Hi, N: st.N, P: math.NaN(), Pct: math.NaN(), Caveats: s.Caveats(c, unit)}
	if st.HasInterval() && st.Center != 0 {
		e.Pct = 100 * math.Max(st.Center-st.Lo, st.Hi-st.Center) / math.Abs(st.Center)
	}
	if modes := stats.Modes(st.Values); modes != nil {
		e.Modes, e.MachineModes = modes, s.MachineModes(c)
		e.Bimodal, e.Low, e.High = true, modes[0].Median, modes[len(modes)-1].Median
	}
	return st, e, true
}

func median(s *cells.Set, c cells.Cell, unit string) Entry {
	_, e, _ := entry(s, c, unit)
	return e
}

// speed is the baseline's ns/op over c's: the ratio's estimate and
// interval (cells.Ratio), and the test against the baseline.
func speed(s *cells.Set, c, base cells.Cell) Entry {
	_, e, ok := entry(s, c, cells.NsPerOp)
	b, bok := s.Median(base, cells.NsPerOp)
	if !ok || !bok || e.Value <= 0 {
		return Entry{}
	}
	if e.Bimodal {
		e.Low, e.High = b/e.High, b/e.Low
	}
	if c == base {
		e.Value, e.Lo, e.Hi, e.Pct = 1, 1, 1, 0
		e.Baseline = true
		return e
	}
	r, rok := s.Ratio(base, c, cells.NsPerOp)
	if !rok {
		return Entry{}
	}
	e.Value, e.Lo, e.Hi, e.Matched = r.Est, r.Lo, r.Hi, r.Matched
	e.Pct = math.NaN()
	if r.Bounded() {
		e.Pct = 100 * r.HalfWidth()
	}
	e.Significant = r.Bounded() && !r.Contains(1)
	if p, ok := s.Compare(base, c, cells.NsPerOp); ok {
		e.P = p
	}
	return e
}

func medianOf(vals []float64) float64 {
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}

// Cores is what a file says about the CPUs its runs had.
type Cores struct {
	// Physical is cpu-cores (0 when unknown), Usable numcpu (the CPUs
	// the process could run on), Quota the cgroup's CPU quota in CPUs (0
	// when none or unknown).
	Physical, Usable int
	Quota            float64
}

// ReadCores reads a file's CPU facts from its configuration lines.
func ReadCores(s *cells.Set, label string) Cores {
	var c Cores
	c.Physical, _ = strconv.Atoi(firstValue(s.Config(label, results.CPUCoresKey)))
	c.Usable, _ = strconv.Atoi(firstValue(s.Config(label, results.NumCPUKey)))
	if q := firstValue(s.Config(label, results.CgroupCPUQuotaKey)); q != "" {
		f := strings.Fields(q)
		if len(f) > 0 {
			c.Quota, _ = strconv.ParseFloat(strings.TrimSuffix(f[0], "CPUs"), 64)
		}
	}
	return c
}

func firstValue(v string) string {
	v, _, _ = strings.Cut(v, " | ")
	return strings.TrimSpace(v)
}

// Parallel is how many threads can run at once: the least of the physical
// cores, the usable CPUs and the quota that are known; 0 when none is.
func (c Cores) Parallel() int {
	n := 0
	take := func(v int) {
		if v > 0 && (n == 0 || v < n) {
			n = v
		}
	}
	take(c.Physical)
	take(c.Usable)
	if c.Quota > 0 {
		take(int(math.Max(1, math.Floor(c.Quota))))
	}
	return n
}

func (c Cores) String() string {
	var parts []string
	if c.Physical > 0 {
		parts = append(parts, fmt.Sprintf("%d physical cores", c.Physical))
	} else {
		parts = append(parts, "physical cores unknown")
	}
	if c.Usable > 0 {
		parts = append(parts, fmt.Sprintf("%d usable CPUs", c.Usable))
	}
	if c.Quota > 0 {
		parts = append(parts, fmt.Sprintf("a quota of %g CPUs", c.Quota))
	}
	return strings.Join(parts, ", ")
}

// Scaling is how one allocator's throughput in one workload of one file
// grows with threads.
type Scaling struct {
	Column   Column
	Workload string
	// Points are every run's throughput over the median throughput at
	// one thread; Medians the median speedups, by thread count.
	Points  []scaling.Point
	Medians []scaling.Point
	// Parallel is how many threads the file's machine runs at once (0
	// when unknown).
	Parallel int
	// Speedups are the throughput at each thread count up to Parallel
	// (every measured one when Parallel is unknown) over the throughput
	// at one thread, with intervals.
	Speedups []Speedup
	// Oversubscribed is the throughput at 2×Parallel threads over the
	// throughput at Parallel threads, when both were measured: what
	// time-sharing costs.
	Oversubscribed *Speedup
	// Fit is the law fitted to the runs at thread counts up to
	// Parallel; Err says why there is none (Fit is then zero).
	Fit scaling.Fit
	Err string
	// LackOfFit are the thread counts whose speedup interval excludes
	// the fitted curve.
	LackOfFit []int
	// Beyond are the thread counts above Parallel: those measure
	// time-sharing, not scaling.
	Beyond []int
}

// A Speedup is a throughput ratio between two thread counts.
type Speedup struct {
	Threads int
	// Over is the thread count it is relative to.
	Over int
	stats.Interval
	// Matched says the ratio compares the two cells' lowest groups of
	// runs (see cells.Ratio).
	Matched string
}

// Efficiency is the speedup per thread added: Est × Over / Threads.
func (s Speedup) Efficiency() float64 {
	return s.Est * float64(s.Over) / float64(s.Threads)
}

// MinFitThreadCounts is the fewest distinct thread counts within the
// machine's parallelism that a scalability law is fitted to: two
// parameters and the point at one thread leave one degree of freedom to
// check the fit with.
const MinFitThreadCounts = 4

// fitScaling reads col's speedups in workload when it was measured at one
// thread and at least one other thread count.
func fitScaling(s *cells.Set, col Column, workload string) (Scaling, bool) {
	cs := s.Cells(col.Label, workload, col.Alloc, cells.NsPerOp)
	if len(cs) < 2 || cs[0].Threads != 1 {
		return Scaling{}, false
	}
	one, _ := s.Get(cs[0], cells.NsPerOp)
	if one.Center <= 0 {
		return Scaling{}, false
	}
	par := ReadCores(s, col.Label).Parallel()
	sc := Scaling{Column: col, Workload: workload, Parallel: par}
	var within []scaling.Point
	atPar := cells.Cell{}
	for _, c := range cs {
		st, _ := s.Get(c, cells.NsPerOp)
		for _, v := range st.Values {
			if v > 0 {
				p := scaling.Point{Threads: c.Threads, Speedup: one.Center / v}
				sc.Points = append(sc.Points, p)
				if par == 0 || c.Threads <= par {
					within = append(within, p)
				}
			}
		}
		if st.Center > 0 {
			sc.Medians = append(sc.Medians, scaling.Point{Threads: c.Threads, Speedup: one.Center / st.Center})
		}
		if par > 0 && c.Threads > par {
			sc.Beyond = append(sc.Beyond, c.Threads)
		}
		if c.Threads == par {
			atPar = c
		}
		if c.Threads > 1 && (par == 0 || c.Threads <= par) {
			if r, ok := s.Ratio(cs[0], c, cells.NsPerOp); ok {
				sc.Speedups = append(sc.Speedups, Speedup{Threads: c.Threads, Over: 1, Interval: r.Interval, Matched: r.Matched})
			}
		}
		if par > 0 && c.Threads == 2*par && atPar.Threads == par {
			if r, ok := s.Ratio(atPar, c, cells.NsPerOp); ok {
				sc.Oversubscribed = &Speedup{Threads: c.Threads, Over: par, Interval: r.Interval, Matched: r.Matched}
			}
		}
	}
	counts := distinctThreads(within)
	switch {
	case par == 0:
		sc.Err = "the machine's parallelism is unknown"
	case len(counts) < MinFitThreadCounts:
		sc.Err = fmt.Sprintf("%d thread counts within the %d CPUs that run at once (%s); a fit needs %d", len(counts), par, joinInts(counts), MinFitThreadCounts)
	default:
		f, err := scaling.Fitted(within)
		if err != nil {
			sc.Err = err.Error()
			break
		}
		sc.Fit = f
		for _, sp := range sc.Speedups {
			if sp.Bounded() && !sp.Contains(f.Speedup(float64(sp.Threads))) {
				sc.LackOfFit = append(sc.LackOfFit, sp.Threads)
			}
		}
	}
	return sc, true
}

func distinctThreads(points []scaling.Point) []int {
	var out []int
	seen := map[int]bool{}
	for _, p := range points {
		if !seen[p.Threads] {
			seen[p.Threads] = true
			out = append(out, p.Threads)
		}
	}
	return out
}

var nan = math.NaN()
