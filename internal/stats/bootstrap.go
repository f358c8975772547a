package stats

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
)

// BootstrapResamples is how many resamples Bootstrap draws.
const BootstrapResamples = 2000

// Bootstrap returns the percentile interval of stat over samples: each
// resample draws, for every sample, as many runs as it has, with
// replacement, and computes stat on them. The estimate is stat on the
// samples themselves. seed names the figure, so that the same figure from
// the same runs always gets the same interval. Resamples for which stat is
// NaN are dropped; with fewer than half left, or a sample of fewer than
// two runs, the interval is unbounded.
func Bootstrap(samples [][]float64, stat func([][]float64) float64, confidence float64, seed string) Interval {
	iv := Unbounded(stat(samples))
	for _, s := range samples {
		if len(s) < 2 {
			return iv
		}
	}
	h := fnv.New64a()
	h.Write([]byte(seed))
	rng := rand.New(rand.NewPCG(h.Sum64(), 0x616c6c6f63626e63))
	draw := make([][]float64, len(samples))
	for i, s := range samples {
		draw[i] = make([]float64, len(s))
	}
	var got []float64
	for range BootstrapResamples {
		for i, s := range samples {
			for j := range draw[i] {
				draw[i][j] = s[rng.IntN(len(s))]
			}
		}
		if v := stat(draw); !math.IsNaN(v) {
			got = append(got, v)
		}
	}
	if len(got) < BootstrapResamples/2 {
		return iv
	}
	slices.Sort(got)
	tail := (1 - confidence) / 2
	lo := int(math.Floor(tail * float64(len(got))))
	hi := int(math.Ceil((1-tail)*float64(len(got)))) - 1
	iv.Lo, iv.Hi, iv.Confidence = got[lo], got[min(hi, len(got)-1)], confidence
	return iv
}
