package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUCDFKnownValues(t *testing.T) {
	// m = n = 3: 20 arrangements, one with U = 0, one with U = 1, two
	// with U = 2.
	cdf := uCDF(3, 3)
	assert.InDelta(t, 1.0/20, cdf[0], 1e-12)
	assert.InDelta(t, 2.0/20, cdf[1], 1e-12)
	assert.InDelta(t, 4.0/20, cdf[2], 1e-12)
	// Published critical value: for m = n = 6 at a two-sided 5%, the
	// Mann–Whitney table's critical U is 5 (P(U ≤ 5) = 0.0206 ≤ 0.025,
	// P(U ≤ 6) = 0.0325 > 0.025).
	c, conf := uCritical(6, 6, 0.05)
	assert.Equal(t, 6, c)
	assert.InDelta(t, 1-2*0.0206, conf, 0.001)
	// m = 8, n = 10: table value 17.
	c, _ = uCritical(8, 10, 0.05)
	assert.Equal(t, 18, c)
	// Symmetric in m and n.
	assert.Equal(t, uCDF(4, 9), uCDF(9, 4))
}

func TestUCriticalNormalMatchesExactNearTheSwitch(t *testing.T) {
	exact, _ := uCritical(60, 60, 0.05)
	approx, _ := uCritical(61, 60, 0.05)
	// 60 more pairs move the critical value by about 30; the two methods
	// agree within a few.
	assert.InDelta(t, float64(exact)+30, float64(approx), 5)
}

func TestRatioOfShiftedSamples(t *testing.T) {
	den := []float64{10, 10.2, 9.9, 10.1, 10.05, 9.95, 10.3, 9.8}
	num := make([]float64, len(den))
	for i, v := range den {
		num[i] = 2 * v
	}
	iv, ok := Ratio(num, den, DefaultConfidence)
	require.True(t, ok)
	assert.InDelta(t, 2, iv.Est, 0.01)
	assert.True(t, iv.Bounded())
	assert.Less(t, iv.Lo, 2.0)
	assert.Greater(t, iv.Hi, 2.0)
	assert.GreaterOrEqual(t, iv.Confidence, DefaultConfidence)
	// The interval is narrow for tight samples.
	assert.Less(t, iv.HalfWidth(), 0.05)
}

func TestRatioHasNoIntervalFromThreeRuns(t *testing.T) {
	iv, ok := Ratio([]float64{1, 2, 3}, []float64{1, 2, 3}, DefaultConfidence)
	require.True(t, ok)
	assert.False(t, iv.Bounded(), "3 and 3 runs cannot give a 95%% interval: %+v", iv)
	assert.Equal(t, 1.0, iv.Est)
}

func TestRatioRefusesNonPositive(t *testing.T) {
	_, ok := Ratio([]float64{1, 0}, []float64{1, 2}, DefaultConfidence)
	assert.False(t, ok)
	_, ok = Ratio(nil, []float64{1, 2}, DefaultConfidence)
	assert.False(t, ok)
}

// The interval covers the true ratio about as often as it says, on
// samples drawn at random (a check of the method, not of a timing).
func TestRatioCoverage(t *testing.T) {
	seed := uint64(1)
	next := func() float64 { // a fixed LCG: deterministic
		seed = seed*6364136223846793005 + 1442695040888963407
		return float64(seed>>11) / (1 << 53)
	}
	covered, trials := 0, 400
	for range trials {
		var a, b []float64
		for range 8 {
			a = append(a, 3*math.Exp(0.1*(next()-0.5)))
			b = append(b, 1*math.Exp(0.1*(next()-0.5)))
		}
		iv, ok := Ratio(a, b, DefaultConfidence)
		require.True(t, ok)
		if iv.Contains(3) {
			covered++
		}
	}
	share := float64(covered) / float64(trials)
	assert.Greater(t, share, 0.92)
	assert.Less(t, share, 0.995)
}

func TestModes(t *testing.T) {
	t.Run("two speeds", func(t *testing.T) {
		m := Modes([]float64{20.11, 20.27, 13.20, 20.90, 19.11, 13.4, 13.1, 20.5})
		require.Len(t, m, 2)
		assert.Equal(t, 3, m[0].N())
		assert.Equal(t, 13.2, m[0].Median)
		assert.Equal(t, 5, m[1].N())
		assert.InDelta(t, 20.27, m[1].Median, 1e-9)
	})
	t.Run("one group", func(t *testing.T) {
		assert.Nil(t, Modes([]float64{10, 10.3, 10.1, 9.9, 10.2, 10.05, 10.4}))
	})
	t.Run("too few runs", func(t *testing.T) {
		assert.Nil(t, Modes([]float64{1, 1, 2, 2, 2}))
	})
	t.Run("a group under a fifth is an outlier, not a mode", func(t *testing.T) {
		assert.Nil(t, Modes([]float64{10, 10.1, 10.2, 10.1, 10, 10.2, 10.1, 10, 10.1, 20}))
	})
	t.Run("a gap under 10% is not a mode", func(t *testing.T) {
		assert.Nil(t, Modes([]float64{10, 10, 10, 10.8, 10.8, 10.8}))
	})
	t.Run("three groups", func(t *testing.T) {
		m := Modes([]float64{1, 1.01, 1.02, 2, 2.02, 2.01, 4, 4.01, 4.02})
		require.Len(t, m, 3)
		assert.Equal(t, []float64{1.01, 2.01, 4.01}, []float64{m[0].Median, m[1].Median, m[2].Median})
	})
	t.Run("a wide group hides no mode", func(t *testing.T) {
		// Gaps of 10% each between evenly spread runs: no gap is three
		// times the spread beside it.
		assert.Nil(t, Modes([]float64{1, 1.1, 1.21, 1.331, 1.4641, 1.61051}))
	})
}

func TestBootstrapIsDeterministicAndCoversTheMedian(t *testing.T) {
	s := [][]float64{{1, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98}}
	med := func(x [][]float64) float64 { return Median(x[0]) }
	a := Bootstrap(s, med, DefaultConfidence, "x")
	b := Bootstrap(s, med, DefaultConfidence, "x")
	assert.Equal(t, a, b)
	assert.True(t, a.Bounded())
	assert.True(t, a.Contains(1.0))
	assert.LessOrEqual(t, a.Lo, a.Est)
	assert.GreaterOrEqual(t, a.Hi, a.Est)
	one := Bootstrap([][]float64{{1}}, med, DefaultConfidence, "x")
	assert.False(t, one.Bounded())
}

func TestVerdicts(t *testing.T) {
	iv := func(lo, hi float64) Interval { return Interval{Est: (lo + hi) / 2, Lo: lo, Hi: hi} }
	assert.Equal(t, Yes, AtLeast(iv(3.1, 5), 3))
	assert.Equal(t, No, AtLeast(iv(1, 2.9), 3))
	assert.Equal(t, Undecided, AtLeast(iv(2, 4.5), 3))
	assert.Equal(t, Undecided, AtLeast(Unbounded(10), 3))
	assert.Equal(t, Yes, AtMost(iv(0.1, 0.2), 0.25))
	assert.Equal(t, No, AtMost(iv(0.3, 0.4), 0.25))
	assert.Equal(t, Undecided, AtMost(iv(0.2, 0.3), 0.25))

	assert.Equal(t, Yes, All(Yes, Yes))
	assert.Equal(t, No, All(Yes, No, Undecided))
	assert.Equal(t, Undecided, All(Yes, Undecided))
	assert.Equal(t, NotJudged, All())
	assert.Equal(t, Yes, Any(No, Yes, Undecided))
	assert.Equal(t, No, Any(No, No))
	assert.Equal(t, Undecided, Any(No, Undecided))
}

func TestIntervalHelpers(t *testing.T) {
	iv := Interval{Est: 2, Lo: 1, Hi: 4}
	inv := iv.Inverse()
	assert.Equal(t, Interval{Est: 0.5, Lo: 0.25, Hi: 1}, inv)
	un := Unbounded(4).Inverse()
	assert.False(t, un.Bounded(), "no bounds stay no bounds: %+v", un)
	assert.Equal(t, 0.25, un.Est)
	assert.False(t, Unbounded(4).Scale(100).Bounded())
	assert.InDelta(t, 1.0, iv.HalfWidth(), 1e-12)
	assert.Equal(t, "2.00 [1.00, 4.00]", iv.Format("%.2f"))
	assert.Equal(t, "2.00 [no interval]", Unbounded(2).Format("%.2f"))
}

func TestIntervalJSON(t *testing.T) {
	b, err := Interval{Est: 2, Lo: 1, Hi: 3, Confidence: 0.95}.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"estimate":2,"low":1,"high":3,"confidence":0.95}`, string(b))
	b, err = Unbounded(2).MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"estimate":2,"low":null,"high":null}`, string(b))
}

func TestModesTable(t *testing.T) {
	for _, tc := range []struct {
		vals  []float64
		sizes []int // nil: one group
	}{
		{[]float64{13.0, 13.1, 13.2, 21.8, 22.0, 22.1}, []int{3, 3}},
		{[]float64{20.03, 20.03, 20.03, 60.09, 60.09, 60.09, 60.09}, []int{3, 4}},
		{[]float64{0, 0, 0, 25, 26, 27}, []int{3, 3}},          // not all positive: a linear scale
		{[]float64{10, 11, 12, 13, 14, 15, 16, 17}, nil},       // evenly spread
		{[]float64{10, 10.1, 10.2, 10.3, 10.4, 30}, nil},       // one run of six is under a fifth: an outlier
		{[]float64{10, 10.1, 10.2, 10.3, 30, 31}, []int{4, 2}}, // two of six are a third
		{[]float64{13.0, 13.1, 22.0, 22.1}, nil},               // two and two: too few runs
		{[]float64{10, 10.5, 11.2, 11.4, 11.9, 12.3}, nil},     // gaps of a few percent
		{[]float64{5, 5, 5, 5, 5, 5}, nil},
		{[]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2}, nil}, // one of eleven
	} {
		m := Modes(tc.vals)
		var sizes []int
		for _, g := range m {
			sizes = append(sizes, g.N())
		}
		assert.Equal(t, tc.sizes, sizes, "%v", tc.vals)
	}
}

func TestFormatRatio(t *testing.T) {
	for v, want := range map[float64]string{1: "1.00", 2.384: "2.38", 13.54: "13.5", 201.4: "201", 0.25: "0.25", 0.004975: "0.00498", 0: "0", 9.9999: "10.0", 99.97: "100", 0.09999: "0.10"} {
		assert.Equal(t, want, FormatRatio(v), "%g", v)
	}
}
