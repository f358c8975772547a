package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/results"
)

// stateOf finds c's state in s.
func stateOf(t *testing.T, s *schedule, c cell) *cellState {
	t.Helper()
	for _, st := range s.states {
		if st.c == c {
			return st
		}
	}
	t.Fatalf("no state for %s", c)
	return nil
}

func roundOptions() options {
	return options{minRuns: 6, maxRuns: 12, perVisit: 3, target: 0.03}
}

func planCells(labels, workloads, allocs []string, threads []int) []cell {
	var out []cell
	for _, l := range labels {
		for _, w := range workloads {
			for _, a := range allocs {
				for _, n := range threads {
					out = append(out, cell{Label: l, Workload: w, Alloc: a, Threads: n})
				}
			}
		}
	}
	return out
}

// setOf reads result lines, cell → ns/op runs, as the job reads its files.
func setOf(t *testing.T, runs map[cell][]float64) *cells.Set {
	t.Helper()
	byLabel := map[string][]string{}
	for c, vals := range runs {
		libc := c.Label
		if len(byLabel[c.Label]) == 0 {
			byLabel[c.Label] = append(byLabel[c.Label], "libc: "+libc)
		}
		for _, v := range vals {
			byLabel[c.Label] = append(byLabel[c.Label], fmt.Sprintf("BenchmarkWorkloads/workload=%s/alloc=%s/threads=%d-2 1000 %g ns/op", c.Workload, c.Alloc, c.Threads, v))
		}
	}
	var srcs []results.Source
	for l, lines := range byLabel {
		p := filepath.Join(t.TempDir(), l+".txt")
		require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
		srcs = append(srcs, results.Source{Label: l, Path: p})
	}
	files, _ := results.ReadFiles(srcs)
	set, err := collect(files)
	require.NoError(t, err)
	return set
}

// steady is n runs within ±0.5% of v; wide n runs spread ±30%.
func steady(v float64, n int) []float64 {
	var out []float64
	for i := range n {
		out = append(out, v*(1+0.001*float64(i%5-2)))
	}
	return out
}

func wide(v float64, n int) []float64 {
	var out []float64
	for i := range n {
		out = append(out, v*(1+0.15*float64(i%5-2)))
	}
	return out
}

// Every round visits every unfinished cell once, in a random order that
// mixes the variants and differs from round to round.
func TestRoundOrder(t *testing.T) {
	cs := planCells([]string{"glibc", "musl"}, []string{"churn", "larson"}, []string{"libc", "jemalloc"}, []int{1, 2})
	s := newSchedule(cs, roundOptions(), time.Now().Add(time.Hour), 42)
	first := s.next(time.Now())
	require.Len(t, first, len(cs), "the first round visits every cell")
	seen := map[cell]bool{}
	for _, st := range first {
		assert.False(t, seen[st.c], "once a round")
		seen[st.c] = true
	}
	// Not the planned order, and the variants alternate somewhere in
	// the first half.
	var labels []string
	planned := true
	for i, st := range first {
		labels = append(labels, st.c.Label)
		planned = planned && st.c == cs[i]
	}
	assert.False(t, planned, "the order is shuffled")
	half := strings.Join(labels[:len(labels)/2], ",")
	assert.True(t, strings.Contains(half, "glibc") && strings.Contains(half, "musl"), "variants mixed: %s", half)

	second := s.next(time.Now())
	require.Len(t, second, len(cs))
	same := true
	for i := range first {
		same = same && first[i].c == second[i].c
	}
	assert.False(t, same, "each round has a fresh order")

	// The same seed gives the same order.
	again := newSchedule(cs, roundOptions(), time.Now().Add(time.Hour), 42).next(time.Now())
	for i := range first {
		assert.Equal(t, first[i].c, again[i].c)
	}
}

// A cell stops at the target once it has the minimum of runs, at the cap
// otherwise, and when it fails or is skipped.
func TestStoppingRule(t *testing.T) {
	c := func(a string) cell { return cell{Label: "glibc", Workload: "churn", Alloc: a, Threads: 1} }
	cs := []cell{c("libc"), c("jemalloc"), c("mimalloc"), c("tcmalloc"), c("floor"), c("tbbmalloc")}
	s := newSchedule(cs, roundOptions(), time.Now().Add(time.Hour), 1)
	s.update(setOf(t, map[cell][]float64{
		c("libc"):     steady(10, 6),  // within ±3% at 6 runs: done
		c("jemalloc"): steady(10, 3),  // steady, but too few runs
		c("mimalloc"): wide(10, 9),    // wide: more visits
		c("tcmalloc"): wide(10, 12),   // wide, at the cap
		c("floor"):    steady(10, 12), // at the cap and the target: the target
	}))
	stateOf(t, s, c("tbbmalloc")).stop = stopFailed
	assert.Equal(t, stopTarget, stateOf(t, s, c("libc")).stop)
	assert.Equal(t, "", stateOf(t, s, c("jemalloc")).stop)
	assert.Equal(t, needsRuns, stateOf(t, s, c("jemalloc")).class)
	assert.Equal(t, "", stateOf(t, s, c("mimalloc")).stop)
	assert.Equal(t, stopCap, stateOf(t, s, c("tcmalloc")).stop)
	assert.Equal(t, stopCap, stateOf(t, s, c("floor")).stop, "the cap is checked first")

	next := s.next(time.Now())
	var got []string
	for _, st := range next {
		got = append(got, st.c.Alloc)
	}
	assert.ElementsMatch(t, []string{"jemalloc", "mimalloc"}, got, "only unfinished cells are visited")
	assert.Equal(t, 3, s.runsNext(stateOf(t, s, c("jemalloc"))))

	p := s.precision()
	assert.Len(t, p.reached, 2, "libc and floor are within the target")
	assert.Len(t, p.capped, 1)
	assert.Len(t, p.short, 1)
	assert.Len(t, p.unfinished, 1)
	var b strings.Builder
	p.writeCounts(&b)
	p.writeWidest(&b)
	assert.Contains(t, b.String(), "Precision: 2 of 5 cells reached ±3%")
	assert.Contains(t, b.String(), "1 hit the cap of 12 runs")
	assert.Contains(t, b.String(), "1 have fewer than 6 runs")
	assert.Contains(t, b.String(), "glibc/tcmalloc churn threads=1: ±")
	assert.Contains(t, stateOf(t, s, c("tcmalloc")).comment(0.03, 12), "hit the cap of 12 runs")
	assert.Contains(t, stateOf(t, s, c("libc")).comment(0.03, 12), "reached the target of ±3%")

	// The last visit before the cap makes only what is left.
	stateOf(t, s, c("mimalloc")).runs = 11
	assert.Equal(t, 1, s.runsNext(stateOf(t, s, c("mimalloc"))))
}

// Within the budget the runs go first to cells below the minimum, then to
// cells that decide an undecided claim, then to the widest intervals; a
// round takes no more cells than the time left is expected to allow.
func TestPriorityAndBudget(t *testing.T) {
	g := func(w, a string) cell { return cell{Label: "glibc", Workload: w, Alloc: a, Threads: 2} }
	m := func(w, a string) cell { return cell{Label: "musl", Workload: w, Alloc: a, Threads: 2} }
	cs := []cell{g("churn", "libc"), m("churn", "libc"), g("larson", "libc"), g("larson", "jemalloc"), g("xmalloc", "libc")}
	s := newSchedule(cs, roundOptions(), time.Now().Add(time.Hour), 7)
	// musl's slowdown straddles 3x (musl-mt undecided); larson's
	// jemalloc is the widest interval; xmalloc has too few runs.
	s.update(setOf(t, map[cell][]float64{
		g("churn", "libc"):  wide(10, 9),
		m("churn", "libc"):  wide(30, 9),
		g("larson", "libc"): steady(20, 3),
		g("larson", "jemalloc"): func() []float64 {
			v := wide(10, 9)
			return append(v, 3, 30)
		}(),
		g("xmalloc", "libc"): steady(40, 3),
	}))
	assert.Equal(t, decidesClaim, stateOf(t, s, m("churn", "libc")).class)
	assert.Equal(t, decidesClaim, stateOf(t, s, g("churn", "libc")).class)
	assert.Equal(t, needsRuns, stateOf(t, s, g("xmalloc", "libc")).class)
	assert.Equal(t, widestInterval, stateOf(t, s, g("larson", "jemalloc")).class)

	// A second of budget a visit, and three seconds left: the two cells
	// below the minimum and one that decides the claim.
	for _, st := range s.states {
		st.cost = time.Second
	}
	now := time.Now()
	s.deadline = now.Add(3*time.Second + time.Millisecond)
	round := s.next(now)
	var got []cell
	for _, st := range round {
		got = append(got, st.c)
	}
	require.Len(t, got, 3)
	assert.Contains(t, got, g("xmalloc", "libc"))
	assert.Contains(t, got, g("larson", "libc"))
	assert.NotContains(t, got, g("larson", "jemalloc"), "the widest interval waits for the cells that decide a claim")

	// No time left: no round.
	s.deadline = now
	assert.Empty(t, s.next(now))
	assert.False(t, s.fits(s.states[0], now))
}

// A cell that was never measured waits as long as the median of the
// visits measured so far, of its workload first.
func TestEstimate(t *testing.T) {
	cs := planCells([]string{"glibc"}, []string{"churn", "larson"}, []string{"libc", "jemalloc", "mimalloc"}, []int{1})
	s := newSchedule(cs, roundOptions(), time.Now().Add(time.Hour), 1)
	assert.Equal(t, time.Second, s.estimate(s.states[0]), "nothing measured yet")
	s.states[0].cost = 200 * time.Millisecond
	s.states[1].cost = 400 * time.Millisecond
	s.states[3].cost = 3 * time.Second
	assert.Equal(t, 400*time.Millisecond, s.estimate(s.states[2]), "churn's visits")
	assert.Equal(t, 3*time.Second, s.estimate(s.states[4]), "larson's")
	assert.Equal(t, 3*time.Second, s.estimate(s.states[3]), "its own last visit")
	assert.True(t, math.IsInf(s.states[5].halfWidth, 1))
}

// After a cell's first runs, a visit runs the count of ops that fills the
// run's time at the cell's median, instead of go test's ramp; -benchtime
// given and larson's fixed count are kept.
func TestVisitBenchtime(t *testing.T) {
	o := roundOptions()
	o.benchtime = "40ms"
	st := &cellState{c: cell{Label: "glibc", Workload: "churn", Alloc: "libc", Threads: 1}}
	assert.Equal(t, "40ms", visitBenchtime(st, o), "no median yet")
	st.median = 16
	assert.Equal(t, "2500000x", visitBenchtime(st, o))
	larson := &cellState{c: cell{Label: "glibc", Workload: "larson", Alloc: "libc", Threads: 2}, median: 20}
	assert.Equal(t, cellBenchtime(larson.c, o), visitBenchtime(larson, o), "larson's fixed count")
	o.benchtime, o.benchtimeSet = "100ms", true
	assert.Equal(t, "100ms", visitBenchtime(st, o), "-benchtime given")
}
