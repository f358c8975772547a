// Package scaling fits Gunther's Universal Scalability Law to speedups
// measured at several thread counts:
//
//	C(N) = N / (1 + σ(N−1) + κN(N−1))
//
// where C(N) is the throughput at N threads over the throughput at one, σ
// is contention (the share of work that serialises, as in Amdahl's law)
// and κ is coherence (the cost every pair of threads pays to agree, which
// makes throughput fall past a peak). σ = κ = 0 is linear scaling.
package scaling

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// A Point is one measured speedup: the throughput of a run at Threads
// threads divided by the throughput at one thread.
type Point struct {
	Threads int
	Speedup float64
}

// A Fit is the least-squares fit of the law to a set of points.
type Fit struct {
	Sigma, Kappa float64
	// SigmaErr and KappaErr are standard errors from the Jacobian at
	// the fit (the usual asymptotic ones: residual variance times the
	// inverse of JᵀJ); NaN when the points leave no degree of freedom.
	SigmaErr, KappaErr float64
	// Points is how many points were fitted, Threads the distinct
	// thread counts among them.
	Points  int
	Threads []int
	// RMS is the root mean square of the residuals, in speedup.
	RMS float64
}

// MinThreadCounts is the fewest distinct thread counts Fitted accepts:
// two parameters and the point at one thread, which every curve passes.
const MinThreadCounts = 3

// ErrTooFewThreadCounts is returned for points at fewer than
// MinThreadCounts distinct thread counts.
var ErrTooFewThreadCounts = errors.New("too few thread counts")

// Speedup returns the law's speedup at n threads.
func (f Fit) Speedup(n float64) float64 {
	return n / (1 + f.Sigma*(n-1) + f.Kappa*n*(n-1))
}

// Peak returns the thread count where the fitted throughput is highest,
// √((1−σ)/κ), or +Inf when it keeps rising (κ = 0).
func (f Fit) Peak() float64 {
	if f.Kappa <= 0 {
		return math.Inf(1)
	}
	if f.Sigma >= 1 {
		return 1
	}
	return math.Sqrt((1 - f.Sigma) / f.Kappa)
}

// String shows the parameters with their standard errors.
func (f Fit) String() string {
	return fmt.Sprintf("σ=%s κ=%s", withErr(f.Sigma, f.SigmaErr), withErr(f.Kappa, f.KappaErr))
}

func withErr(v, se float64) string {
	if math.IsNaN(se) {
		return fmt.Sprintf("%.3g", v)
	}
	return fmt.Sprintf("%.3g±%.2g", v, se)
}

// Fitted fits σ ≥ 0 and κ ≥ 0 to the points by least squares on the
// speedups. It starts from the linearised problem (N/C − 1 = σ(N−1) +
// κN(N−1), solved with the constraints) and refines it with damped
// Gauss-Newton steps on the speedups themselves, kept inside the
// constraints. Points that are not positive and finite are an error.
func Fitted(points []Point) (Fit, error) {
	seen := make(map[int]bool)
	var threads []int
	for _, p := range points {
		if p.Threads < 1 {
			return Fit{}, fmt.Errorf("thread count %d is not positive", p.Threads)
		}
		if !(p.Speedup > 0) || math.IsInf(p.Speedup, 0) {
			return Fit{}, fmt.Errorf("speedup %v at %d threads is not a positive number", p.Speedup, p.Threads)
		}
		if !seen[p.Threads] {
			seen[p.Threads] = true
			threads = append(threads, p.Threads)
		}
	}
	sort.Ints(threads)
	if len(threads) < MinThreadCounts {
		return Fit{}, fmt.Errorf("%w: %d (%v), the fit needs %d", ErrTooFewThreadCounts, len(threads), threads, MinThreadCounts)
	}
	sigma, kappa := linearised(points)
	sigma, kappa = refine(points, sigma, kappa)
	f := Fit{Sigma: sigma, Kappa: kappa, Points: len(points), Threads: threads}
	rss := residualSquares(points, sigma, kappa)
	f.RMS = math.Sqrt(rss / float64(len(points)))
	f.SigmaErr, f.KappaErr = math.NaN(), math.NaN()
	if dof := len(points) - 2; dof > 0 {
		a, b, c := normalMatrix(points, sigma, kappa)
		det := a*c - b*b
		if det > 0 {
			s2 := rss / float64(dof)
			f.SigmaErr = math.Sqrt(s2 * c / det)
			f.KappaErr = math.Sqrt(s2 * a / det)
		}
	}
	return f, nil
}

// linearised solves N/C − 1 = σ(N−1) + κN(N−1) by least squares with
// σ, κ ≥ 0: the unconstrained solution when it is feasible, else the
// better of the two one-parameter solutions on the boundary.
func linearised(points []Point) (sigma, kappa float64) {
	var s11, s12, s22, s1y, s2y float64
	for _, p := range points {
		n := float64(p.Threads)
		x1, x2 := n-1, n*(n-1)
		y := n/p.Speedup - 1
		s11 += x1 * x1
		s12 += x1 * x2
		s22 += x2 * x2
		s1y += x1 * y
		s2y += x2 * y
	}
	if det := s11*s22 - s12*s12; det > 0 {
		sigma = (s1y*s22 - s2y*s12) / det
		kappa = (s2y*s11 - s1y*s12) / det
		if sigma >= 0 && kappa >= 0 {
			return sigma, kappa
		}
	}
	// On the boundary: one parameter alone, or neither.
	best, bestS, bestK := math.Inf(1), 0.0, 0.0
	try := func(s, k float64) {
		if r := residualSquares(points, s, k); r < best {
			best, bestS, bestK = r, s, k
		}
	}
	try(0, 0)
	if s11 > 0 {
		try(math.Max(0, s1y/s11), 0)
	}
	if s22 > 0 {
		try(0, math.Max(0, s2y/s22))
	}
	return bestS, bestK
}

// refine improves σ, κ by Levenberg-Marquardt steps on the speedups,
// projecting each step onto σ, κ ≥ 0.
func refine(points []Point, sigma, kappa float64) (float64, float64) {
	rss := residualSquares(points, sigma, kappa)
	lambda := 1e-3
	for iter := 0; iter < 200; iter++ {
		a, b, c := normalMatrix(points, sigma, kappa)
		var g1, g2 float64 // Jᵀr
		for _, p := range points {
			j1, j2 := jacobian(p.Threads, sigma, kappa)
			r := p.Speedup - model(p.Threads, sigma, kappa)
			g1 += j1 * r
			g2 += j2 * r
		}
		improved := false
		for try := 0; try < 30; try++ {
			aa, cc := a*(1+lambda), c*(1+lambda)
			det := aa*cc - b*b
			if !(det > 0) {
				lambda *= 10
				continue
			}
			ds := (g1*cc - g2*b) / det
			dk := (g2*aa - g1*b) / det
			ns, nk := math.Max(0, sigma+ds), math.Max(0, kappa+dk)
			if nr := residualSquares(points, ns, nk); nr < rss {
				done := rss-nr <= 1e-15*rss || (math.Abs(ns-sigma) <= 1e-12*(1+sigma) && math.Abs(nk-kappa) <= 1e-12*(1+kappa))
				sigma, kappa, rss = ns, nk, nr
				lambda = math.Max(lambda/10, 1e-12)
				improved = true
				if done {
					return sigma, kappa
				}
				break
			}
			lambda *= 10
		}
		if !improved {
			break
		}
	}
	return sigma, kappa
}

func model(threads int, sigma, kappa float64) float64 {
	n := float64(threads)
	return n / (1 + sigma*(n-1) + kappa*n*(n-1))
}

// jacobian returns ∂C/∂σ and ∂C/∂κ at n threads.
func jacobian(threads int, sigma, kappa float64) (float64, float64) {
	n := float64(threads)
	d := 1 + sigma*(n-1) + kappa*n*(n-1)
	return -n * (n - 1) / (d * d), -n * n * (n - 1) / (d * d)
}

// normalMatrix returns JᵀJ as [[a b] [b c]].
func normalMatrix(points []Point, sigma, kappa float64) (a, b, c float64) {
	for _, p := range points {
		j1, j2 := jacobian(p.Threads, sigma, kappa)
		a += j1 * j1
		b += j1 * j2
		c += j2 * j2
	}
	return a, b, c
}

func residualSquares(points []Point, sigma, kappa float64) float64 {
	var s float64
	for _, p := range points {
		r := p.Speedup - model(p.Threads, sigma, kappa)
		s += r * r
	}
	return s
}
