// Package stats holds the statistics that allocbench's answers rest on,
// beside the medians and median intervals of golang.org/x/perf/benchmath:
//
//   - the groups (modes) a cell's runs fall into on a machine with two
//     speeds (Modes);
//   - the interval of a ratio between two cells (Ratio: the
//     Hodges–Lehmann estimate with the distribution-free interval that
//     goes with the Mann–Whitney test benchstat uses);
//   - a bootstrap for figures that have no interval of their own
//     (Bootstrap);
//   - verdicts read from an interval against a threshold: yes, no or
//     undecided (Judge).
//
// Everything here is deterministic: the same runs give the same answer.
package stats

import (
	"encoding/json"
	"fmt"
	"math"
)

// DefaultConfidence is the confidence of every interval allocbench shows.
const DefaultConfidence = 0.95

// An Interval is an estimate with its confidence interval. Lo and Hi are
// -Inf and +Inf when the runs are too few for an interval at the
// confidence asked for.
type Interval struct {
	Est, Lo, Hi float64
	// Confidence is the level the bounds reach (at least the one asked
	// for when the bounds are finite; discrete tests reach levels in
	// steps).
	Confidence float64
}

// Bounded reports whether Lo and Hi are finite.
func (i Interval) Bounded() bool {
	return !math.IsInf(i.Lo, 0) && !math.IsInf(i.Hi, 0) && !math.IsNaN(i.Lo) && !math.IsNaN(i.Hi)
}

// Unbounded is an estimate without an interval.
func Unbounded(est float64) Interval {
	return Interval{Est: est, Lo: math.Inf(-1), Hi: math.Inf(1)}
}

// Contains reports whether v lies inside the interval, bounds included.
func (i Interval) Contains(v float64) bool { return i.Lo <= v && v <= i.Hi }

// Inverse is the interval of 1/x for a positive x. An interval without
// bounds stays without bounds.
func (i Interval) Inverse() Interval {
	inv := func(v float64) float64 {
		if v == 0 {
			return math.Inf(1)
		}
		return 1 / v
	}
	if !i.Bounded() {
		return Unbounded(inv(i.Est))
	}
	return Interval{Est: inv(i.Est), Lo: inv(i.Hi), Hi: inv(i.Lo), Confidence: i.Confidence}
}

// Scale multiplies the estimate and the bounds by k > 0 (infinite bounds
// stay infinite).
func (i Interval) Scale(k float64) Interval {
	return Interval{Est: i.Est * k, Lo: i.Lo * k, Hi: i.Hi * k, Confidence: i.Confidence}
}

// HalfWidth is the larger distance from the estimate to a bound, as a
// share of the estimate (0.03 for ±3%); +Inf without bounds.
func (i Interval) HalfWidth() float64 {
	if !i.Bounded() || i.Est == 0 {
		return math.Inf(1)
	}
	return math.Max(i.Est-i.Lo, i.Hi-i.Est) / math.Abs(i.Est)
}

// String shows the estimate and its bounds with format, e.g. "%.2f" gives
// "1.23 [1.18, 1.29]", or "1.23 [no interval]".
func (i Interval) Format(format string) string {
	est := fmt.Sprintf(format, i.Est)
	if !i.Bounded() {
		return est + " [no interval]"
	}
	return fmt.Sprintf("%s ["+format+", "+format+"]", est, i.Lo, i.Hi)
}

// median returns the median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Median returns the median of values (in any order).
func Median(values []float64) float64 {
	return median(sortedCopy(values))
}

// MarshalJSON writes the interval as {"estimate", "low", "high",
// "confidence"}, with null for a bound it lacks (JSON has no infinity).
func (i Interval) MarshalJSON() ([]byte, error) {
	num := func(v float64) any {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil
		}
		return v
	}
	return json.Marshal(struct {
		Est        any     `json:"estimate"`
		Lo         any     `json:"low"`
		Hi         any     `json:"high"`
		Confidence float64 `json:"confidence,omitempty"`
	}{num(i.Est), num(i.Lo), num(i.Hi), i.Confidence})
}

// FormatRatio writes a ratio with the digits it needs: two decimals from
// 0.1 to 10 (1.00, 2.38), fewer above (13.5, 201), three significant
// digits below (0.00498), so that no ratio prints as 0.00.
func FormatRatio(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Sprint(v)
	}
	for _, f := range []struct {
		from   float64
		format string
	}{{100, "%.0f"}, {10, "%.1f"}, {0.1, "%.2f"}} {
		// The format is chosen on the value as it rounds: 9.999 is
		// "10.0", not "10.00".
		t := fmt.Sprintf(f.format, v)
		var r float64
		fmt.Sscan(t, &r)
		if math.Abs(r) >= f.from {
			return t
		}
	}
	return fmt.Sprintf("%.3g", v)
}
