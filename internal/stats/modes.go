package stats

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// A Mode is one group of a cell's runs.
type Mode struct {
	// Median is the group's median, Min and Max its extremes.
	Median, Min, Max float64
	// Values are the group's runs, ascending.
	Values []float64
}

// N is the number of runs in the group.
func (m Mode) N() int { return len(m.Values) }

// Rules of Modes.
const (
	// MinRunsForModes is the fewest runs Modes splits.
	MinRunsForModes = 6
	// MinModeShare is the smallest share of the runs a group may hold.
	MinModeShare = 0.2
	// MinModeGap is the smallest gap between neighbouring groups, as a
	// ratio of the higher group's lowest run to the lower group's
	// highest (10%).
	MinModeGap = 1.10
	// ModeGapOverSpread is how many times wider than either
	// neighbouring group's own spread (on a log scale) a gap must be.
	ModeGapOverSpread = 3
)

// Modes splits a cell's runs into the groups they form, from the fastest
// (lowest) to the slowest, or returns nil when they form one group. A
// median of runs in two groups lies in the gap between them, at a figure
// no run measured; reporting each group with its share (k of n) says what
// happened.
//
// Neighbouring runs on a log scale are in different groups when the gap
// between them is at least 10% (MinModeGap) and at least three times as
// wide as the spread of the group on either side of it, and each group
// holds at least a fifth of all the runs (MinModeShare, and never fewer
// than two).
// Fewer than six runs are never split. Values that are not all positive
// are split on a linear scale, the gap measured against the larger
// magnitude.
func Modes(values []float64) []Mode {
	n := len(values)
	if n < MinRunsForModes {
		return nil
	}
	v := sortedCopy(values)
	minSide := max(2, int(math.Ceil(MinModeShare*float64(n)-1e-9)))
	pos := v[0] > 0
	at := func(x float64) float64 {
		if pos {
			return math.Log(x)
		}
		return x
	}
	minGap := math.Log(MinModeGap)
	if !pos {
		minGap = (MinModeGap - 1) * math.Max(math.Abs(v[0]), math.Abs(v[n-1]))
	}
	// Cut at every gap of at least MinModeGap, then undo the cut that
	// breaks a rule (a group too small beside it, or a gap under three
	// times the spread beside it) with the narrowest gap, until none
	// does.
	var cuts []int // indices i: a group starts at v[i]
	for i := 1; i < n; i++ {
		if at(v[i])-at(v[i-1]) >= minGap {
			cuts = append(cuts, i)
		}
	}
	for len(cuts) > 0 {
		bounds := append(append([]int{0}, cuts...), n)
		spread := func(g int) float64 { return at(v[bounds[g+1]-1]) - at(v[bounds[g]]) }
		worst := -1
		for k, c := range cuts {
			left, right := bounds[k+1]-bounds[k], bounds[k+2]-bounds[k+1]
			gap := at(v[c]) - at(v[c-1])
			bad := left < minSide || right < minSide || gap < ModeGapOverSpread*math.Max(spread(k), spread(k+1))
			if bad && (worst < 0 || gap < at(v[cuts[worst]])-at(v[cuts[worst]-1])) {
				worst = k
			}
		}
		if worst < 0 {
			break
		}
		cuts = slices.Delete(cuts, worst, worst+1)
	}
	if len(cuts) == 0 {
		return nil
	}
	var groups [][]float64
	prev := 0
	for _, c := range append(cuts, n) {
		groups = append(groups, v[prev:c])
		prev = c
	}
	out := make([]Mode, len(groups))
	for i, g := range groups {
		out[i] = Mode{Median: median(g), Min: g[0], Max: g[len(g)-1], Values: g}
	}
	return out
}

func sortedCopy(values []float64) []float64 {
	v := slices.Clone(values)
	slices.Sort(v)
	return v
}

// Describe says what groups of n runs there are, with their shares: "4
// of 10 runs near 13.2, 6 of 10 near 20.3".
func Describe(modes []Mode, n int) string {
	var parts []string
	for i, m := range modes {
		runs := ""
		if i == 0 {
			runs = " runs"
		}
		parts = append(parts, fmt.Sprintf("%d of %d%s near %.3g", m.N(), n, runs, m.Median))
	}
	return strings.Join(parts, ", ")
}
