package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/allocbench/allocbench/bench/report"
	"github.com/allocbench/allocbench/bench/units"
)

// A claim from the public reports the project checks (the figures are
// collected in the project's claims list), with how this run measures it.
type claim struct {
	id, text, published string
	check               func(m measurements, o options, r roles) verdict
}

// verdict is what this run found for a claim.
type verdict struct {
	measured, holds, cell string
}

func notMeasured(why string) verdict {
	return verdict{measured: "not measured: " + why, holds: "n/a"}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

var claims = []claim{
	{
		id:        "musl-mt",
		text:      "musl's default malloc (mallocng) is several times slower than glibc's under multi-threaded allocation",
		published: "about 4x (Rust HashMap + rayon, Alpine vs glibc); about 7x in a real-world Rust benchmark",
		check: func(m measurements, o options, r roles) verdict {
			best, cell, ok := maxSlowdown(m, o, column{r.musl, "libc"}, column{r.glibc, "libc"})
			if !ok {
				return notMeasured("needs the C library's malloc of a glibc and a musl variant at the same cells")
			}
			return verdict{fmt.Sprintf("musl slower by %.1fx at most (threads=%d)", best, maxThreads(o)), yesNo(best >= 3) + " (holds at ≥3x)", cell}
		},
	},
	{
		id:        "musl-futex",
		text:      "under musl the threads spend far more time in futex waits",
		published: "6.7 s in futex for musl vs 0.5 s for glibc (13x), measured with strace",
		check: func(m measurements, o options, r roles) verdict {
			n := 2
			if !contains(intsToStrings(o.threads), "2") {
				n = maxThreads(o)
			}
			g, gok := m.median(key{r.glibc, "churn", "libc", n}, units.FutexNsecPerOp)
			u, uok := m.median(key{r.musl, "churn", "libc", n}, units.FutexNsecPerOp)
			if !gok || !uok {
				return notMeasured("needs churn on the glibc and musl variants' libc with a futex method")
			}
			cell := fmt.Sprintf("churn threads=%d: futex %.3g ns/op on musl vs %.3g ns/op on glibc", n, u, g)
			if g == 0 {
				return verdict{fmt.Sprintf("musl %.3g %s, glibc none", u, units.FutexNsecPerOp), yesNo(u > 0), cell}
			}
			return verdict{fmt.Sprintf("%.1fx as much futex time per op under musl", u/g), yesNo(u/g >= 5) + " (holds at ≥5x)", cell}
		},
	},
	{
		id:        "st-small",
		text:      "single-threaded programs see much smaller differences",
		published: "1735 ms vs 1300 ms (1.3x) single-threaded",
		check: func(m measurements, o options, r roles) verdict {
			if !contains(intsToStrings(o.threads), "1") {
				return notMeasured("needs threads=1")
			}
			g, gok := m.median(key{r.glibc, "churn", "libc", 1}, units.NsPerOp)
			u, uok := m.median(key{r.musl, "churn", "libc", 1}, units.NsPerOp)
			if !gok || !uok {
				return notMeasured("needs churn on the glibc and musl variants' libc")
			}
			st := u / g
			n := maxThreads(o)
			g2, _ := m.median(key{r.glibc, "churn", "libc", n}, units.NsPerOp)
			u2, ok2 := m.median(key{r.musl, "churn", "libc", n}, units.NsPerOp)
			cell := fmt.Sprintf("churn threads=1: %s/libc %.3g ns/op vs %s/libc %.3g ns/op", r.musl, u, r.glibc, g)
			measured := fmt.Sprintf("%.1fx single-threaded", st)
			holds := st <= 2
			if ok2 && g2 > 0 {
				measured += fmt.Sprintf(" vs %.1fx at threads=%d", u2/g2, n)
				holds = holds && st < u2/g2
			}
			return verdict{measured, yesNo(holds) + " (holds at ≤2x and below the multi-threaded gap)", cell}
		},
	},
	{
		id:        "mi-mt",
		text:      "mimalloc gives much higher throughput than glibc malloc under heavy multi-threaded load",
		published: `"up to 5.3x" (attributed to Microsoft's benchmarks)`,
		check: func(m measurements, o options, r roles) verdict {
			best, cell, ok := maxSlowdown(m, o, column{r.glibc, "libc"}, column{r.glibc, "mimalloc"})
			if !ok {
				return notMeasured("needs libc and mimalloc on a glibc variant")
			}
			return verdict{fmt.Sprintf("up to %.1fx (threads=%d)", best, maxThreads(o)), yesNo(best >= 2) + " (holds at ≥2x)", cell}
		},
	},
	{
		id:        "mi-rss",
		text:      "mimalloc cuts resident memory",
		published: `"roughly half" (attributed to Microsoft's benchmarks)`,
		check: func(m measurements, o options, r roles) verdict {
			var ratios []float64
			var cells []string
			n := maxThreads(o)
			for _, wl := range o.workloads {
				if !contains(rssWorkloads, wl) {
					continue
				}
				g, gok := m.median(key{r.glibc, wl, "libc", n}, units.RSSPerLiveByte)
				mi, mok := m.median(key{r.glibc, wl, "mimalloc", n}, units.RSSPerLiveByte)
				if gok && mok && g > 0 {
					ratios = append(ratios, mi/g)
					cells = append(cells, fmt.Sprintf("%s %.2f vs %.2f", wl, mi, g))
				}
			}
			if len(ratios) == 0 {
				return notMeasured("needs rss-per-live-byte of libc and mimalloc on a glibc variant, in " + strings.Join(rssWorkloads, ", "))
			}
			med := medianOf(ratios)
			return verdict{fmt.Sprintf("mimalloc needs %.2fx glibc's RSS per live byte (median over %d workloads)", med, len(ratios)),
				yesNo(med <= 0.67) + " (holds at ≤0.67x)", fmt.Sprintf("threads=%d rss-per-live-byte mimalloc vs libc: %s", n, strings.Join(cells, "; "))}
		},
	},
	{
		id:        "je-mt",
		text:      "glibc malloc can deliver a small fraction of jemalloc's throughput on a multi-core server",
		published: `"15 percent on a four-core server" (unsourced)`,
		check: func(m measurements, o options, r roles) verdict {
			slowdown, cell, ok := maxSlowdown(m, o, column{r.glibc, "libc"}, column{r.glibc, "jemalloc"})
			worst := 1 / slowdown
			if !ok {
				return notMeasured("needs libc and jemalloc on a glibc variant")
			}
			return verdict{fmt.Sprintf("glibc reaches %.0f%% of jemalloc's throughput at worst (threads=%d)", 100*worst, maxThreads(o)), yesNo(worst <= 0.25) + " (holds at ≤25%)", cell}
		},
	},
	{
		id:        "musl-fix",
		text:      "swapping musl's malloc for mimalloc (or jemalloc) closes the gap to glibc",
		published: `"closed the gap entirely"`,
		check: func(m measurements, o options, r roles) verdict {
			n := maxThreads(o)
			var parts []string
			worst := math.Inf(1)
			for _, wl := range o.workloads {
				g, gok := m.median(key{r.glibc, wl, "libc", n}, units.NsPerOp)
				if !gok {
					continue
				}
				best := 0.0
				bestAlloc := ""
				for _, a := range []string{"mimalloc", "jemalloc"} {
					if v, ok := m.median(key{r.musl, wl, a, n}, units.NsPerOp); ok && v > 0 && g/v > best {
						best, bestAlloc = g/v, a
					}
				}
				if bestAlloc == "" {
					continue
				}
				worst = math.Min(worst, best)
				parts = append(parts, fmt.Sprintf("%s: %s/%s at %.0f%% of %s/libc", wl, r.musl, bestAlloc, 100*best, r.glibc))
			}
			if len(parts) == 0 {
				return notMeasured("needs mimalloc or jemalloc on a musl variant and libc on a glibc variant")
			}
			return verdict{fmt.Sprintf("musl with the better of mimalloc and jemalloc reaches at least %.0f%% of glibc's throughput (threads=%d)", 100*worst, n),
				yesNo(worst >= 0.9) + " (holds at ≥90% on every workload)", strings.Join(parts, "; ")}
		},
	},
}

// rssWorkloads are the workloads whose live sets are large enough (a few
// MiB per thread) and fully touched, so that resident memory per live byte
// measures the allocator: the cache workloads hold a few bytes, and large
// touches two pages of each block.
var rssWorkloads = []string{"larson", "mixed", "realloc"}

// column is one variant's allocator in the results.
type column struct{ variant, alloc string }

func (c column) String() string { return c.variant + "/" + c.alloc }

// maxSlowdown is the largest ratio of slow's ns/op to fast's over the
// workloads at the most threads, and the cell it comes from.
func maxSlowdown(m measurements, o options, slow, fast column) (float64, string, bool) {
	n := maxThreads(o)
	found := false
	var best float64
	var cell string
	for _, wl := range o.workloads {
		s, sok := m.median(key{slow.variant, wl, slow.alloc, n}, units.NsPerOp)
		f, fok := m.median(key{fast.variant, wl, fast.alloc, n}, units.NsPerOp)
		if !sok || !fok || f <= 0 || s <= 0 {
			continue
		}
		if v := s / f; !found || v > best {
			best, found = v, true
			cell = fmt.Sprintf("%s threads=%d: %s %.3g ns/op vs %s %.3g ns/op", wl, n, slow, s, fast, f)
		}
	}
	return best, cell, found
}

func medianOf(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func intsToStrings(ns []int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = fmt.Sprint(n)
	}
	return out
}

// roles names the variants that stand for glibc and musl in the claims.
type roles struct{ glibc, musl string }

// checkClaims evaluates every claim against this run.
func checkClaims(m measurements, o options, variants []variant) []report.Claim {
	var r roles
	r.glibc, _ = firstWithLibc(variants, "glibc")
	r.musl, _ = firstWithLibc(variants, "musl")
	var rows []report.Claim
	for _, c := range claims {
		v := c.check(m, o, r)
		rows = append(rows, report.Claim{ID: c.id, Claim: c.text, Published: c.published, Measured: v.measured, Holds: v.holds, Cell: v.cell})
	}
	return rows
}

func writeClaims(w io.Writer, rows []report.Claim) {
	fmt.Fprintln(w, "Published claims, measured on this machine:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "claim\tpublished figure\tmeasured here\tholds?")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Published, r.Measured, r.Holds)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nwhere each figure comes from:")
	for _, r := range rows {
		if r.Cell != "" {
			fmt.Fprintf(w, "  %s: %s\n", r.ID, r.Cell)
		}
	}
}
