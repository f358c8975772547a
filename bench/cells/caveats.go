package cells

import (
	"fmt"
	"math"

	"github.com/allocbench/allocbench/bench/units"
)

// Thresholds below which a figure is marked as not to be trusted as it
// stands.
const (
	// MinRunsForInterval is the fewest runs that give a 95% confidence
	// interval of the median without assumptions (benchmath's rule).
	MinRunsForInterval = 6
	// MinLiveBytes is the smallest live set whose RSS per live byte
	// measures the allocator: the harness's fixed resident cost (thread
	// stacks, page granularity, the allocator's first mappings) is a few
	// hundred KiB, a third or more of the figure below 1 MiB.
	MinLiveBytes = 1 << 20
	// MinLatencySamples is the fewest latency samples a percentile is
	// read from before it means anything beyond the largest sample:
	// under 100, the p99 is the largest one or next to it.
	MinLatencySamples = 100
)

// Kinds of caveat.
const (
	FewRuns      = "few-runs"
	Bimodal      = "bimodal"
	SmallLiveSet = "small-live-set"
	FewSamples   = "few-samples"
)

// A Caveat says why a figure cannot be trusted as it stands: Text is the
// same for every cell with the same problem, Detail gives this cell's
// numbers.
type Caveat struct {
	Kind   string
	Text   string
	Detail string
}

// Caveats returns what is wrong with the figure of unit in c, if anything.
func (s *Set) Caveats(c Cell, unit string) []Caveat {
	st, ok := s.Get(c, unit)
	if !ok {
		return nil
	}
	var out []Caveat
	if st.N < MinRunsForInterval {
		out = append(out, Caveat{FewRuns, fmt.Sprintf("fewer than %d runs: no %g%% interval of the median, and the test can hardly tell a difference from noise",
			MinRunsForInterval, 100*s.Confidence), fmt.Sprintf("%d runs", st.N)})
	}
	if lo, hi, ok := Modes(st.Values); ok {
		out = append(out, Caveat{Bimodal, "bimodal: the runs form two groups, and the median, between them, is a figure no run measured",
			fmt.Sprintf("%d runs near %.3g, %d near %.3g", len(lo), median(lo), len(hi), median(hi))})
	}
	switch unit {
	case RSSPerLiveByte:
		if live, ok := s.Get(c, PeakLiveBytes); ok && live.Center < MinLiveBytes {
			out = append(out, Caveat{SmallLiveSet, fmt.Sprintf("live set under %s: the harness's fixed few hundred KiB of resident memory weigh in, so the figure says little about the allocator; compare with the floor allocator",
				bytesText(MinLiveBytes)), "live set " + bytesText(live.Center)})
		}
	case units.P50Nsec, P99Ns, units.P999Nsec:
		if n, ok := s.Get(c, LatencySamples); ok && n.Center < MinLatencySamples {
			out = append(out, Caveat{FewSamples, fmt.Sprintf("from fewer than %d latency samples: the percentile is the largest sample or next to it", MinLatencySamples),
				fmt.Sprintf("%.0f samples", n.Center)})
		}
	}
	return out
}

func bytesText(b float64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.3g MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.3g KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

// Modes splits ascending values into a low and a high group when they form
// two clusters: the widest gap between neighbours (on a log scale when all
// are positive) leaves at least three values and a fifth of them on each
// side, is at least 10% of the values' scale, and is three times as wide as
// either side's own spread. A median of such values lies in the gap, where
// no run was. Fewer than six values are never split: two and two runs
// apart are as often chance as two modes.
func Modes(vals []float64) (low, high []float64, ok bool) {
	n := len(vals)
	if n < 6 {
		return nil, nil, false
	}
	pos := true
	for _, v := range vals {
		pos = pos && v > 0
	}
	at := func(i int) float64 {
		if pos {
			return math.Log(vals[i])
		}
		return vals[i]
	}
	minGap := math.Log(1.1)
	if !pos {
		minGap = 0.1 * math.Max(math.Abs(vals[0]), math.Abs(vals[n-1]))
	}
	side := max(3, (n+4)/5)
	best, split := 0.0, -1
	for i := side - 1; i < n-side; i++ {
		if g := at(i+1) - at(i); g > best {
			best, split = g, i+1
		}
	}
	if split < 0 || best < minGap || best == 0 {
		return nil, nil, false
	}
	spread := math.Max(at(split-1)-at(0), at(n-1)-at(split))
	if best < 3*spread {
		return nil, nil, false
	}
	return vals[:split], vals[split:], true
}

func median(vals []float64) float64 {
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}
