package stats

import (
	"math"
	"slices"
	"sync"
)

// Ratio estimates num/den, the ratio of two cells' figures (for example
// the baseline's ns/op over an allocator's, which is the allocator's
// speed relative to the baseline), from their runs.
//
// The estimate is the Hodges–Lehmann one: the median of the ratios of
// every run of num to every run of den. The interval is the
// distribution-free one that goes with the Mann–Whitney U test (the test
// benchstat uses): the order statistics of those ratios that the U
// distribution of the two sample sizes puts at (1−confidence)/2 from
// either end. It assumes only that the two cells differ by a factor; it
// needs no normality, and one wild run moves it little. With too few runs
// for the confidence asked for (3 and 3 cannot give 95%), the bounds are
// infinite.
//
// Every value must be positive (ratios of times, sizes and rates); ok is
// false otherwise, or when either side has no run.
func Ratio(num, den []float64, confidence float64) (Interval, bool) {
	m, n := len(num), len(den)
	if m == 0 || n == 0 {
		return Interval{}, false
	}
	for _, v := range num {
		if !(v > 0) || math.IsInf(v, 0) {
			return Interval{}, false
		}
	}
	for _, v := range den {
		if !(v > 0) || math.IsInf(v, 0) {
			return Interval{}, false
		}
	}
	d := make([]float64, 0, m*n)
	for _, a := range num {
		la := math.Log(a)
		for _, b := range den {
			d = append(d, la-math.Log(b))
		}
	}
	slices.Sort(d)
	iv := Interval{Est: math.Exp(median(d)), Lo: math.Inf(-1), Hi: math.Inf(1)}
	c, achieved := uCritical(m, n, 1-confidence)
	if c > 0 {
		iv.Lo, iv.Hi, iv.Confidence = math.Exp(d[c-1]), math.Exp(d[m*n-c]), achieved
	}
	return iv, true
}

// uCritical returns the largest c ≥ 1 with P(U ≤ c−1) ≤ alpha/2 for the
// Mann–Whitney U of samples of sizes m and n, and the confidence
// 1 − 2·P(U ≤ c−1) that the interval [d(c), d(mn+1−c)] then has; c is 0
// when even P(U = 0) is above alpha/2. Exact up to m+n = 120, normal
// (with continuity correction) beyond.
func uCritical(m, n int, alpha float64) (c int, confidence float64) {
	if m+n > 120 {
		mu := float64(m*n) / 2
		sd := math.Sqrt(float64(m*n*(m+n+1)) / 12)
		z := normalQuantile(1 - alpha/2)
		c = int(math.Floor(mu - z*sd + 0.5))
		if c < 1 {
			return 0, 0
		}
		p := normalCDF((float64(c-1) + 0.5 - mu) / sd)
		return c, 1 - 2*p
	}
	cdf := uCDF(m, n)
	for c < len(cdf) && cdf[c] <= alpha/2 {
		c++
	}
	if c == 0 {
		return 0, 0
	}
	return c, 1 - 2*cdf[c-1]
}

var (
	uCDFMu    sync.Mutex
	uCDFCache = map[[2]int][]float64{}
)

// uCDF returns P(U ≤ u) for u = 0..mn/2 under the null hypothesis, from
// the counts of the arrangements of m and n values, which are the
// coefficients of the Gaussian binomial [m+n choose m] in q.
func uCDF(m, n int) []float64 {
	if m > n {
		m, n = n, m
	}
	key := [2]int{m, n}
	uCDFMu.Lock()
	defer uCDFMu.Unlock()
	if c, ok := uCDFCache[key]; ok {
		return c
	}
	// Product over i = 1..m of (1 − q^(n+i)) / (1 − q^i).
	poly := make([]float64, m*n+1)
	poly[0] = 1
	for i := 1; i <= m; i++ {
		for k := m * n; k >= n+i; k-- {
			poly[k] -= poly[k-n-i]
		}
		for k := i; k <= m*n; k++ {
			poly[k] += poly[k-i]
		}
	}
	total := 0.0
	for _, v := range poly {
		total += v
	}
	half := m * n / 2
	cdf := make([]float64, half+1)
	sum := 0.0
	for u := 0; u <= half; u++ {
		sum += poly[u]
		cdf[u] = sum / total
	}
	uCDFCache[key] = cdf
	return cdf
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// CanBound reports whether samples of m and n runs can give Ratio a
// bounded interval at the confidence.
func CanBound(m, n int, confidence float64) bool {
	if m == 0 || n == 0 {
		return false
	}
	c, _ := uCritical(m, n, 1-confidence)
	return c > 0
}
