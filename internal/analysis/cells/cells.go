// Package cells holds the measurements of each cell of a set of result
// files: one file (its label; the main job labels each variant's file by
// the variant's name), workload, allocator and thread count. It reads them
// through compare.Summaries, so that the main job's summary, the claims and
// the report see the same medians, intervals and tests as compare, and it
// says which figures cannot be trusted as they stand.
package cells

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"golang.org/x/perf/benchmath"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/analysis/compare"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/stats"
	"github.com/allocbench/allocbench/workloads"
)

// A Cell names one cell of results.
type Cell struct {
	// Label is the label of the file the results come from.
	Label    string
	Workload string
	Alloc    string
	Threads  int
}

func (c Cell) String() string {
	return fmt.Sprintf("%s workload=%s alloc=%s threads=%d", c.Label, c.Workload, c.Alloc, c.Threads)
}

// Short names the cell as the tables do: label/alloc workload threads=N.
func (c Cell) Short() string {
	return fmt.Sprintf("%s/%s %s threads=%d", c.Label, c.Alloc, c.Workload, c.Threads)
}

// A Stat is the summary of one unit in one cell.
type Stat struct {
	N      int
	Center float64 // the median
	// Lo and Hi bound the median's confidence interval; ±Inf when
	// there are too few runs for one.
	Lo, Hi float64
	Values []float64 // every run, ascending
	File   string    // where the cell's first result is
	Line   int
}

// HasInterval reports whether Lo and Hi are finite.
func (s Stat) HasInterval() bool {
	return !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0)
}

// Set is the measurements of every cell of some files.
type Set struct {
	// Labels are in the order they first appear; Workloads and Allocs
	// in the registries' order (workloads.Names, alloc.Names), then the
	// others in the order they first appear; Threads ascending.
	Labels, Workloads, Allocs []string
	Threads                   []int
	Alpha, Confidence         float64
	files                     map[string][]*results.File
	stats                     map[Cell]map[string]Stat
}

// Options select what Collect reads.
type Options struct {
	// Units to read; empty means Units. Units no result has are left
	// out silently.
	Units []string
	// Filter is a benchproc filter, as compare's -filter.
	Filter string
}

// Collect reads the cells of files. Results whose names lack a workload,
// an allocator or a numeric thread count are left out, with a warning
// that counts them.
func Collect(files []*results.File, opts Options) (*Set, []results.Warning, error) {
	units := opts.Units
	if len(units) == 0 {
		units = Units
	}
	s := &Set{
		Alpha:      compare.DefaultAlpha,
		Confidence: compare.DefaultConfidence,
		files:      make(map[string][]*results.File),
		stats:      make(map[Cell]map[string]Stat),
	}
	for _, f := range files {
		if _, ok := s.files[f.Label]; !ok && len(f.Results) > 0 {
			s.Labels = append(s.Labels, f.Label)
		}
		s.files[f.Label] = append(s.files[f.Label], f)
	}
	seenW, seenA, seenT := map[string]bool{}, map[string]bool{}, map[int]bool{}
	skipped := 0
	warns, err := compare.EachSummary(files, compare.Options{
		Row:      "/workload /alloc /threads@num",
		Col:      results.LabelKey,
		Filter:   opts.Filter,
		Metrics:  units,
		Optional: true,
	}, func(sum compare.Summary) error {
		c := Cell{Label: sum.Fields[results.LabelKey], Workload: sum.Fields["/workload"], Alloc: sum.Fields["/alloc"]}
		n, err := strconv.Atoi(sum.Fields["/threads"])
		if c.Workload == "" || c.Alloc == "" || err != nil || n <= 0 {
			skipped++
			return nil
		}
		c.Threads = n
		if !seenW[c.Workload] {
			seenW[c.Workload] = true
			s.Workloads = append(s.Workloads, c.Workload)
		}
		if !seenA[c.Alloc] {
			seenA[c.Alloc] = true
			s.Allocs = append(s.Allocs, c.Alloc)
		}
		if !seenT[n] {
			seenT[n] = true
			s.Threads = append(s.Threads, n)
		}
		m := s.stats[c]
		if m == nil {
			m = make(map[string]Stat)
			s.stats[c] = m
		}
		m[sum.Unit] = Stat{N: sum.N, Center: sum.Center, Lo: sum.Lo, Hi: sum.Hi, Values: sum.Values, File: sum.File, Line: sum.Line}
		return nil
	})
	if err != nil {
		return nil, warns, err
	}
	sort.Ints(s.Threads)
	inOrder(s.Workloads, workloads.Names())
	inOrder(s.Allocs, alloc.Names())
	if skipped > 0 {
		warns = append(warns, results.Warning{Msg: fmt.Sprintf("%d summaries without a /workload, /alloc or numeric /threads in their name are left out", skipped)})
	}
	return s, warns, nil
}

// inOrder sorts names in the order of known, the registry's, with names
// it lacks after those, in the order they came: the main job writes its
// cells in a random order, and its tables should not follow it.
func inOrder(names, known []string) {
	rank := make(map[string]int, len(known))
	for i, k := range known {
		rank[k] = i
	}
	pos := func(n string) int {
		if r, ok := rank[n]; ok {
			return r
		}
		return len(known)
	}
	sort.SliceStable(names, func(i, j int) bool { return pos(names[i]) < pos(names[j]) })
}

// Get returns the summary of unit in c.
func (s *Set) Get(c Cell, unit string) (Stat, bool) {
	st, ok := s.stats[c][unit]
	return st, ok
}

// Median returns the median of unit in c.
func (s *Set) Median(c Cell, unit string) (float64, bool) {
	st, ok := s.stats[c][unit]
	return st.Center, ok
}

// Has reports whether c has any unit.
func (s *Set) Has(c Cell) bool {
	return len(s.stats[c]) > 0
}

// Compare runs the test benchstat uses (Mann-Whitney U, no assumption
// about the distributions) on unit between cells a and b and returns its
// p-value; ok is false when either has no values.
func (s *Set) Compare(a, b Cell, unit string) (p float64, ok bool) {
	sa, aok := s.Get(a, unit)
	sb, bok := s.Get(b, unit)
	if !aok || !bok {
		return math.NaN(), false
	}
	th := &benchmath.Thresholds{CompareAlpha: s.Alpha}
	c := benchmath.AssumeNothing.Compare(benchmath.NewSample(sa.Values, th), benchmath.NewSample(sb.Values, th))
	return c.P, true
}

// Config returns the value of a configuration key in the files labelled
// label ("" when none has it; values that differ are joined by " | ").
func (s *Set) Config(label, key string) string {
	for _, f := range s.files[label] {
		if v := f.Get(key); v != "" {
			return v
		}
	}
	return ""
}

// Files returns the files labelled label.
func (s *Set) Files(label string) []*results.File {
	return s.files[label]
}

// Cells returns every cell of label, workload and alloc that has unit, by
// thread count.
func (s *Set) Cells(label, workload, alloc, unit string) []Cell {
	var out []Cell
	for _, n := range s.Threads {
		c := Cell{label, workload, alloc, n}
		if _, ok := s.Get(c, unit); ok {
			out = append(out, c)
		}
	}
	return out
}

// BenchPattern is the go test -bench pattern that selects exactly c's
// sub-benchmark.
func (c Cell) BenchPattern() string {
	return fmt.Sprintf("^BenchmarkWorkloads$/^workload=%s$/^alloc=%s$/^threads=%d$", c.Workload, c.Alloc, c.Threads)
}

// Modes returns the groups of c's runs of unit (see stats.Modes), nil when
// they form one.
func (s *Set) Modes(c Cell, unit string) []stats.Mode {
	st, ok := s.Get(c, unit)
	if !ok {
		return nil
	}
	return stats.Modes(st.Values)
}

// MachineModes reports whether the groups in c's ns/op runs are the
// machine's rather than the allocator's: every allocator of c's file,
// workload and thread count that has enough runs to tell (at least two
// of them) has runs in more than one group.
func (s *Set) MachineModes(c Cell) bool {
	judged := 0
	for _, a := range s.Allocs {
		o := Cell{Label: c.Label, Workload: c.Workload, Alloc: a, Threads: c.Threads}
		st, ok := s.Get(o, NsPerOp)
		if !ok || st.N < stats.MinRunsForModes {
			continue
		}
		if stats.Modes(st.Values) == nil {
			return false
		}
		judged++
	}
	return judged >= 2
}

// A Ratio is the ratio of a figure of one cell to the same figure of
// another, with its interval (see stats.Ratio), and the runs it was
// read from.
type Ratio struct {
	stats.Interval
	// N and DenN are the runs of the numerator's and the denominator's
	// cell that the ratio was read from.
	N, DenN int
	// Matched says, when both cells' runs form groups, that the ratio
	// compares their lowest groups ("lowest groups, 6 and 7 runs"); it
	// is empty when the ratio compares every run.
	Matched string
}

// Ratio returns the ratio of unit in num to unit in den: for ns/op, the
// baseline as num and an allocator as den give the allocator's speed
// relative to the baseline. When both cells' runs form groups (a machine
// with two speeds, or an allocator that is fast in some processes), it
// compares the lowest group of each, the runs made at the same, faster
// speed, as long as those are enough for an interval; ok is false when
// either cell lacks unit or a value is not positive.
func (s *Set) Ratio(num, den Cell, unit string) (Ratio, bool) {
	a, aok := s.Get(num, unit)
	b, bok := s.Get(den, unit)
	if !aok || !bok {
		return Ratio{}, false
	}
	av, bv, matched := a.Values, b.Values, ""
	ma, mb := stats.Modes(av), stats.Modes(bv)
	if ma != nil && mb != nil && stats.CanBound(ma[0].N(), mb[0].N(), s.Confidence) {
		av, bv = ma[0].Values, mb[0].Values
		matched = fmt.Sprintf("lowest groups, %d and %d runs", len(av), len(bv))
	}
	iv, ok := stats.Ratio(av, bv, s.Confidence)
	if !ok {
		return Ratio{}, false
	}
	return Ratio{Interval: iv, N: len(av), DenN: len(bv), Matched: matched}, true
}
