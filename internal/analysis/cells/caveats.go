package cells

import (
	"fmt"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/stats"
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
	if modes := stats.Modes(st.Values); modes != nil {
		text := "bimodal: the runs form groups, and the median, between them, may be a figure no run measured"
		if s.MachineModes(c) {
			text = "bimodal, and so is every allocator here: the machine ran at two speeds, not the allocator"
		}
		out = append(out, Caveat{Bimodal, text, stats.Describe(modes, st.N)})
	}
	m, _ := results.MetricOf(unit)
	switch m.Qualifier {
	case PeakLiveBytes:
		if live, ok := s.Get(c, PeakLiveBytes); ok && live.Center < MinLiveBytes {
			out = append(out, Caveat{SmallLiveSet, fmt.Sprintf("live set under %s: the harness's fixed few hundred KiB of resident memory weigh in, so the figure says little about the allocator; compare with the floor allocator",
				bytesText(MinLiveBytes)), "live set " + bytesText(live.Center)})
		}
	case LatencySamples:
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
