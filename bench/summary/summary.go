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

	"github.com/allocbench/allocbench/bench/cells"
	"github.com/allocbench/allocbench/bench/scaling"
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
	// Futex is futex-pct, P99 p99-ns, RSS rss-per-live-byte: medians.
	Futex, P99, RSS []Entry
}

// An Entry is one figure of one cell.
type Entry struct {
	OK    bool
	Value float64
	// Pct is the half-width of the median's interval in percent of the
	// median, as benchstat's ±; NaN when there are too few runs.
	Pct float64
	// P is the p-value of the test against the baseline's cell (NaN for
	// the baseline itself); Significant says P < Alpha.
	P           float64
	Significant bool
	Baseline    bool
	N           int
	// Low and High are the two groups' medians (in the entry's own
	// scale) when the runs are bimodal.
	Low, High float64
	Bimodal   bool
	Caveats   []cells.Caveat
}

// Options choose the baseline.
type Options struct {
	// Baseline is "label/alloc" or "alloc" (in the default file); empty
	// means the C library's malloc of the first file measured with
	// glibc, else of the first file.
	Baseline string
}

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
			r := Row{Threads: n}
			any := false
			for _, col := range sum.Columns {
				c := col.cell(wl, n)
				any = any || s.Has(c)
				r.Speed = append(r.Speed, speed(s, c, base.cell(wl, n)))
				r.Futex = append(r.Futex, median(s, c, cells.FutexPct))
				r.P99 = append(r.P99, median(s, c, cells.P99Ns))
				r.RSS = append(r.RSS, median(s, c, cells.RSSPerLiveByte))
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
		if s.Config(l, "libc") == "glibc" {
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
	e := Entry{OK: true, Value: st.Center, N: st.N, P: math.NaN(), Pct: math.NaN(), Caveats: s.Caveats(c, unit)}
	if st.HasInterval() && st.Center != 0 {
		e.Pct = 100 * math.Max(st.Center-st.Lo, st.Hi-st.Center) / math.Abs(st.Center)
	}
	if lo, hi, ok := cells.Modes(st.Values); ok {
		e.Bimodal, e.Low, e.High = true, medianOf(lo), medianOf(hi)
	}
	return st, e, true
}

func median(s *cells.Set, c cells.Cell, unit string) Entry {
	_, e, _ := entry(s, c, unit)
	return e
}

// speed is the baseline's ns/op over c's, with c's interval and the test
// against the baseline.
func speed(s *cells.Set, c, base cells.Cell) Entry {
	_, e, ok := entry(s, c, cells.NsPerOp)
	b, bok := s.Median(base, cells.NsPerOp)
	if !ok || !bok || e.Value <= 0 {
		return Entry{}
	}
	e.Value = b / e.Value
	if e.Bimodal {
		e.Low, e.High = b/e.High, b/e.Low
	}
	if c == base {
		e.Baseline = true
		return e
	}
	if p, ok := s.Compare(base, c, cells.NsPerOp); ok {
		e.P = p
		e.Significant = p < s.Alpha
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
	c.Physical, _ = strconv.Atoi(firstValue(s.Config(label, "cpu-cores")))
	c.Usable, _ = strconv.Atoi(firstValue(s.Config(label, "numcpu")))
	if q := firstValue(s.Config(label, "cgroup-cpu-quota")); q != "" {
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

// Scaling is one allocator's speedup with threads in one workload of one
// file, and the law fitted to it.
type Scaling struct {
	Column   Column
	Workload string
	// Points are every run's throughput over the median throughput at
	// one thread.
	Points []scaling.Point
	// Medians are the median speedups, by thread count.
	Medians []scaling.Point
	Fit     scaling.Fit
	// Err says why there is no fit (Fit is then zero).
	Err string
	// Beyond are the thread counts above Parallel(): those measure
	// time-sharing, not scaling.
	Beyond []int
}

// fitScaling fits col's speedups in workload when it was measured at one
// thread and at MinThreadCounts thread counts or more.
func fitScaling(s *cells.Set, col Column, workload string) (Scaling, bool) {
	cs := s.Cells(col.Label, workload, col.Alloc, cells.NsPerOp)
	if len(cs) < scaling.MinThreadCounts || cs[0].Threads != 1 {
		return Scaling{}, false
	}
	one, _ := s.Get(cs[0], cells.NsPerOp)
	if one.Center <= 0 {
		return Scaling{}, false
	}
	sc := Scaling{Column: col, Workload: workload}
	par := ReadCores(s, col.Label).Parallel()
	for _, c := range cs {
		st, _ := s.Get(c, cells.NsPerOp)
		for _, v := range st.Values {
			if v > 0 {
				sc.Points = append(sc.Points, scaling.Point{Threads: c.Threads, Speedup: one.Center / v})
			}
		}
		if st.Center > 0 {
			sc.Medians = append(sc.Medians, scaling.Point{Threads: c.Threads, Speedup: one.Center / st.Center})
		}
		if par > 0 && c.Threads > par {
			sc.Beyond = append(sc.Beyond, c.Threads)
		}
	}
	f, err := scaling.Fitted(sc.Points)
	if err != nil {
		sc.Err = err.Error()
	} else {
		sc.Fit = f
	}
	return sc, true
}

var nan = math.NaN()
