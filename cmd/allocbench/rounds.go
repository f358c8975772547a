package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/analysis/claims"
	"github.com/allocbench/allocbench/internal/analysis/summary"
	"github.com/allocbench/allocbench/internal/results"
)

// The main job runs in rounds. Each round visits every cell that is not
// finished once, in a fresh random order with the variants mixed; a visit
// is a fresh process of the cell that makes -runs-per-visit runs (one). Drift of the
// machine and the speed a process happens to get then land on every cell
// alike, instead of on whichever cell ran at a bad moment. A cell is
// finished when the interval of its median ns/op is within the target
// (after at least minRuns runs), when it reaches the cap, or when it
// fails; the job ends when every cell is finished or the budget is spent.
// Within the budget, the runs go first to cells below minRuns, then to the
// cells that decide a claim or a summary ratio whose interval still
// straddles its threshold or 1, then to the widest intervals.

// Why a cell gets no more visits.
const (
	stopTarget  = "target"
	stopCap     = "cap"
	stopFailed  = "failed"
	stopSkipped = "skipped"
)

// Priority classes of unfinished cells, most urgent first.
const (
	needsRuns      = iota // fewer runs than the minimum
	decidesClaim          // decides a claim that is still undecided
	decidesRatio          // decides a summary ratio whose interval holds 1
	widestInterval        // the rest, widest interval first
)

// cell is one (variant, workload, allocator, threads) combination; each
// runs in its own process. Its Label is the variant: the label of the
// variant's result file, where the summary and the claims find it again.
type cell = cells.Cell

// cellState is what the job knows of one cell between its visits.
type cellState struct {
	c      cell
	runs   int // ns/op runs in the result file
	visits int
	// cost is the wall time of the cell's last visit (zero before the
	// first).
	cost time.Duration
	// halfWidth is the larger side of the interval of the median ns/op,
	// as a share of the median; +Inf until there is one.
	halfWidth float64
	// median is the median ns/op of the runs so far (0 before any).
	median float64
	class  int
	stop   string
}

// schedule decides which cells each round visits.
type schedule struct {
	states   []*cellState
	target   float64
	minRuns  int
	maxRuns  int
	perVisit int
	deadline time.Time
	rng      *rand.Rand
}

func newSchedule(cs []cell, o options, deadline time.Time, seed uint64) *schedule {
	s := &schedule{target: o.target, minRuns: o.minRuns, maxRuns: o.maxRuns,
		perVisit: o.perVisit, deadline: deadline, rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
	for _, c := range cs {
		st := &cellState{c: c, halfWidth: math.Inf(1)}
		s.states = append(s.states, st)
	}
	return s
}

// runsNext is how many runs a visit of st makes: perVisit, or what is
// left to the cap.
func (s *schedule) runsNext(st *cellState) int {
	return max(1, min(s.perVisit, s.maxRuns-st.runs))
}

// visitBenchtime is the -test.benchtime of st's next visit: once the cell
// has a median, the count of ops that fills the run's time at that median
// ("2700000x"), which spares go test's ramp of runs from one op up (a
// third of a visit's time); before that, and where the user gave
// -benchtime or the workload has a fixed count, the cell's own.
func visitBenchtime(st *cellState, o options) string {
	bt := cellBenchtime(st.c, o)
	d, err := time.ParseDuration(bt)
	if err != nil || o.benchtimeSet || !(st.median > 0) {
		return bt
	}
	return strconv.FormatUint(uint64(math.Ceil(float64(d.Nanoseconds())/st.median)), 10) + "x"
}

// estimate is what a visit of st is expected to take: its last visit's
// time, else the median of the last visits of the same workload's cells,
// else of all cells, else a second.
func (s *schedule) estimate(st *cellState) time.Duration {
	if st.cost > 0 {
		return st.cost
	}
	var same, all []time.Duration
	for _, o := range s.states {
		if o.cost > 0 {
			all = append(all, o.cost)
			if o.c.Workload == st.c.Workload {
				same = append(same, o.cost)
			}
		}
	}
	for _, d := range [][]time.Duration{same, all} {
		if len(d) > 0 {
			slices.Sort(d)
			return d[len(d)/2]
		}
	}
	return time.Second
}

// next returns the cells the next round visits, in random order: the
// unfinished cells by priority, as many as the time left to the deadline
// is expected to allow. It is empty when every cell is finished or no
// visit fits.
func (s *schedule) next(now time.Time) []*cellState {
	var open []*cellState
	for _, st := range s.states {
		if st.stop == "" {
			open = append(open, st)
		}
	}
	sort.SliceStable(open, func(i, j int) bool {
		a, b := open[i], open[j]
		if a.class != b.class {
			return a.class < b.class
		}
		if a.class == needsRuns && a.runs != b.runs {
			return a.runs < b.runs
		}
		return a.halfWidth > b.halfWidth
	})
	left := s.deadline.Sub(now)
	var chosen []*cellState
	for _, st := range open {
		d := s.estimate(st)
		if d > left {
			continue
		}
		left -= d
		chosen = append(chosen, st)
	}
	s.rng.Shuffle(len(chosen), func(i, j int) { chosen[i], chosen[j] = chosen[j], chosen[i] })
	return chosen
}

// fits reports whether a visit of st is expected to end before the
// deadline.
func (s *schedule) fits(st *cellState, now time.Time) bool {
	return !now.Add(s.estimate(st)).After(s.deadline)
}

// visited records the end of a visit.
func (s *schedule) visited(st *cellState, out outcome) {
	st.visits++
	st.cost = out.elapsed
	switch {
	case out.err != nil:
		st.stop = stopFailed
	case out.skipped != "":
		st.stop = stopSkipped
	}
}

// update reads the state of every cell from the measurements so far and
// sets the priorities of the unfinished ones.
func (s *schedule) update(set *cells.Set) {
	urgent := map[cell]int{}
	for c, class := range undecided(set) {
		urgent[c] = class
	}
	for _, st := range s.states {
		if got, ok := set.Get(st.c, cells.NsPerOp); ok {
			st.runs, st.median = got.N, got.Center
			st.halfWidth = math.Inf(1)
			if got.HasInterval() && got.Center > 0 {
				st.halfWidth = math.Max(got.Center-got.Lo, got.Hi-got.Center) / got.Center
			}
		}
		if st.stop != "" {
			continue
		}
		switch {
		case st.runs >= s.maxRuns:
			st.stop = stopCap
			continue
		case st.runs >= s.minRuns && st.halfWidth <= s.target:
			st.stop = stopTarget
			continue
		}
		st.class = widestInterval
		if class, ok := urgent[st.c]; ok {
			st.class = class
		}
		if st.runs < s.minRuns {
			st.class = needsRuns
		}
	}
}

// undecided returns the cells whose runs can still change an answer: those
// that decide a claim the measurements leave undecided, and those of a
// summary ratio whose interval holds 1 (or has no bounds yet).
func undecided(set *cells.Set) map[cell]int {
	out := map[cell]int{}
	mark := func(c cell, class int) {
		if old, ok := out[c]; !ok || class < old {
			out[c] = class
		}
	}
	for _, v := range claims.Evaluate(set, claims.FindRoles(set)) {
		if v.Holds == "undecided" {
			for _, c := range v.Deciding {
				mark(c, decidesClaim)
			}
		}
	}
	sum, err := summary.Make(set, summary.Options{})
	if err != nil {
		return out
	}
	for _, w := range sum.Workloads {
		for _, r := range w.Rows {
			for i, e := range r.Speed {
				if !e.OK || e.Baseline || e.Significant {
					continue
				}
				col := sum.Columns[i]
				mark(cell{Label: col.Label, Workload: w.Name, Alloc: col.Alloc, Threads: r.Threads}, decidesRatio)
				mark(cell{Label: sum.Baseline.Label, Workload: w.Name, Alloc: sum.Baseline.Alloc, Threads: r.Threads}, decidesRatio)
			}
		}
	}
	return out
}

// collect reads the variants' result files as the summary reads them.
func collect(files []*results.File) (*cells.Set, error) {
	set, _, err := cells.Collect(files, cells.Options{Units: []string{cells.NsPerOp, cells.FutexNsPerOp, cells.RSSPerLiveByte}})
	return set, err
}

// precisionConfig is that line: "precision-target: ±3% of the median
// ns/op (95% interval), 6 to 30 runs a cell, 1 a visit, budget 10m0s".
func precisionConfig(o options) string {
	return fmt.Sprintf("%s: ±%g%% of the median ns/op (95%% interval), %d to %d runs a cell, %d a visit, budget %v\n",
		results.PrecisionTargetKey, 100*o.target, o.minRuns, o.maxRuns, o.perVisit, o.budget)
}

// precision is what the job reached, cell by cell, for the summary and
// the result files.
type precision struct {
	target            float64
	minRuns, maxRuns  int
	reached, capped   []*cellState
	short, unfinished []*cellState // below minRuns; above the target
}

func (s *schedule) precision() precision {
	p := precision{target: s.target, minRuns: s.minRuns, maxRuns: s.maxRuns}
	for _, st := range s.states {
		switch {
		case st.stop == stopFailed || st.stop == stopSkipped || st.runs == 0:
		case st.runs < s.minRuns:
			p.short = append(p.short, st)
		case st.stop == stopTarget || st.halfWidth <= s.target:
			p.reached = append(p.reached, st)
		case st.stop == stopCap:
			p.capped = append(p.capped, st)
		default:
			p.unfinished = append(p.unfinished, st)
		}
	}
	return p
}

// describe says what a cell reached: "±2.4% from 9 runs in 3 visits".
func (st *cellState) describe() string {
	hw := "no interval"
	if !math.IsInf(st.halfWidth, 1) {
		hw = fmt.Sprintf("±%.1f%%", 100*st.halfWidth)
	}
	return fmt.Sprintf("%s from %d runs in %d visits", hw, st.runs, st.visits)
}

// comment is the line a result file ends with for a cell: benchfmt readers
// skip it, people read it.
func (st *cellState) comment(target float64, maxRuns int) string {
	why := "stopped when the budget ran out"
	switch {
	case st.stop == stopTarget || (st.runs > 0 && st.halfWidth <= target):
		why = fmt.Sprintf("reached the target of ±%g%%", 100*target)
	case st.stop == stopCap:
		why = fmt.Sprintf("hit the cap of %d runs", maxRuns)
	}
	return fmt.Sprintf("# precision %s: median ns/op %s; %s", st.c, st.describe(), why)
}

// writeCounts says how many cells reached the target, hit the cap or ran
// out of budget.
func (p precision) writeCounts(w io.Writer) {
	n := len(p.reached) + len(p.capped) + len(p.short) + len(p.unfinished)
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "Precision: %d of %d cells reached ±%g%% (95%% interval of the median ns/op, %d runs or more)",
		len(p.reached), n, 100*p.target, p.minRuns)
	if len(p.capped) > 0 {
		fmt.Fprintf(w, "; %d hit the cap of %d runs", len(p.capped), p.maxRuns)
	}
	if len(p.unfinished) > 0 {
		fmt.Fprintf(w, "; %d stopped at the budget", len(p.unfinished))
	}
	if len(p.short) > 0 {
		fmt.Fprintf(w, "; %d have fewer than %d runs (the budget ran out: raise -budget)", len(p.short), p.minRuns)
	}
	fmt.Fprintln(w, ".")
}

// writeWidest lists the cells that did not reach the target, the widest
// intervals first.
func (p precision) writeWidest(w io.Writer) {
	rest := append(append(append([]*cellState(nil), p.capped...), p.unfinished...), p.short...)
	if len(rest) == 0 {
		return
	}
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].halfWidth > rest[j].halfWidth })
	fmt.Fprintf(w, "Cells short of ±%g%%, the widest first:\n", 100*p.target)
	for _, st := range rest {
		fmt.Fprintf(w, "  %s: %s\n", st.c.Short(), st.describe())
	}
}
