package scaling

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var threadCounts = []int{1, 2, 4, 8, 16, 32, 64}

func exact(sigma, kappa float64, threads []int) []Point {
	f := Fit{Sigma: sigma, Kappa: kappa}
	var pts []Point
	for _, n := range threads {
		pts = append(pts, Point{n, f.Speedup(float64(n))})
	}
	return pts
}

func TestFitRecoversExactParameters(t *testing.T) {
	for _, tc := range []struct{ sigma, kappa float64 }{
		{0.05, 0.001},
		{0.3, 0.02},
		{0, 0},      // linear
		{0.1, 0},    // Amdahl: no coherence term
		{0, 0.0005}, // coherence alone
		{0.9, 0.1},  // collapses at once
	} {
		f, err := Fitted(exact(tc.sigma, tc.kappa, threadCounts))
		require.NoError(t, err)
		assert.InDelta(t, tc.sigma, f.Sigma, 1e-6, "σ of %+v", tc)
		assert.InDelta(t, tc.kappa, f.Kappa, 1e-7, "κ of %+v", tc)
		assert.Less(t, f.RMS, 1e-6)
		assert.Equal(t, threadCounts, f.Threads)
	}
}

// With noise the estimates land within a few standard errors of the truth,
// and the errors shrink as runs are added.
func TestFitWithNoise(t *testing.T) {
	const sigma, kappa = 0.08, 0.002
	truth := Fit{Sigma: sigma, Kappa: kappa}
	fitRuns := func(runs int, seed uint64) Fit {
		rng := rand.New(rand.NewPCG(seed, 1))
		var pts []Point
		for _, n := range threadCounts {
			for r := 0; r < runs; r++ {
				noise := 1 + 0.03*rng.NormFloat64()
				pts = append(pts, Point{n, truth.Speedup(float64(n)) * noise})
			}
		}
		f, err := Fitted(pts)
		require.NoError(t, err)
		return f
	}
	inside := 0
	const trials = 40
	for seed := uint64(0); seed < trials; seed++ {
		f := fitRuns(5, seed)
		require.False(t, math.IsNaN(f.SigmaErr))
		require.Positive(t, f.SigmaErr)
		require.Positive(t, f.KappaErr)
		if math.Abs(f.Sigma-sigma) <= 2*f.SigmaErr && math.Abs(f.Kappa-kappa) <= 2*f.KappaErr {
			inside++
		}
		assert.InDelta(t, sigma, f.Sigma, 6*f.SigmaErr, "seed %d", seed)
		assert.InDelta(t, kappa, f.Kappa, 6*f.KappaErr, "seed %d", seed)
	}
	// About 90% of trials should have both within 2 SE; allow for the
	// asymptotic errors being approximate.
	assert.GreaterOrEqual(t, inside, trials*7/10, "both parameters within 2 standard errors")
	few, many := fitRuns(3, 99), fitRuns(30, 99)
	assert.Less(t, many.SigmaErr, few.SigmaErr)
	assert.Less(t, many.KappaErr, few.KappaErr)
}

// Superlinear speedups (caches warming up, say) cannot be fitted with
// negative parameters: they stay at zero.
func TestFitKeepsParametersNonNegative(t *testing.T) {
	pts := []Point{{1, 1}, {2, 2.3}, {4, 4.9}, {8, 10}}
	f, err := Fitted(pts)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, f.Sigma, 0.0)
	assert.GreaterOrEqual(t, f.Kappa, 0.0)
	assert.Equal(t, 0.0, f.Sigma)
	assert.Equal(t, 0.0, f.Kappa)
}

func TestFitNeedsThreeThreadCounts(t *testing.T) {
	_, err := Fitted([]Point{{1, 1}, {1, 1.02}, {2, 1.8}, {2, 1.9}})
	require.ErrorIs(t, err, ErrTooFewThreadCounts)
	assert.Contains(t, err.Error(), "2 ([1 2])")
	_, err = Fitted([]Point{{1, 1}, {2, math.NaN()}, {4, 3}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "speedup NaN at 2 threads")
	_, err = Fitted([]Point{{0, 1}, {2, 2}, {4, 3}})
	assert.ErrorContains(t, err, "thread count 0")
}

// Three points at three thread counts leave one degree of freedom: the
// fit goes near them and the errors are finite. Two points at one thread
// count more leave the same thread counts and more freedom.
func TestFitThreePoints(t *testing.T) {
	pts := []Point{{1, 1}, {2, 1.8}, {4, 2.4}}
	f, err := Fitted(pts)
	require.NoError(t, err)
	assert.InDelta(t, 2.4, f.Speedup(4), 0.1)
	assert.False(t, math.IsNaN(f.SigmaErr))
	assert.Equal(t, 3, f.Points)
	f, err = Fitted(append(pts, Point{4, 2.5}))
	require.NoError(t, err)
	assert.Equal(t, 4, f.Points)
	assert.Equal(t, []int{1, 2, 4}, f.Threads)
}

func TestPeak(t *testing.T) {
	f := Fit{Sigma: 0.05, Kappa: 0.001}
	p := f.Peak()
	assert.InDelta(t, math.Sqrt(0.95/0.001), p, 1e-9)
	assert.Greater(t, f.Speedup(p), f.Speedup(p-1))
	assert.Greater(t, f.Speedup(p), f.Speedup(p+1))
	assert.True(t, math.IsInf(Fit{Sigma: 0.1}.Peak(), 1))
	assert.Equal(t, "σ=0.05±0.01 κ=0.001", Fit{Sigma: 0.05, SigmaErr: 0.01, Kappa: 0.001, KappaErr: math.NaN()}.String())
}
