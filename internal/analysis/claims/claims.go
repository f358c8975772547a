// Package claims checks published claims about allocators against a set of
// measurements: the main job's files, container runs, merged hosts or a
// plain go test -bench output. Each verdict names the cells it used, and
// says which are missing when it cannot be judged.
package claims

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/analysis/compare"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/stats"
)

// A Verdict is what the measurements say about one claim.
type Verdict struct {
	ID        string `json:"id"`
	Claim     string `json:"claim"`
	Published string `json:"published"`
	// Measured is what the cells show, the deciding figure with its
	// interval; empty when the claim cannot be judged.
	Measured string `json:"measured,omitempty"`
	// Holds is "yes" (the deciding figure's whole interval is on the
	// holding side of the threshold), "no" (wholly on the other side),
	// "undecided" (it straddles the threshold, or has no interval) or
	// "n/a" (cannot be judged); Rule says when it holds.
	Holds string `json:"holds"`
	Rule  string `json:"rule"`
	// Figure is the deciding figure with its interval, Threshold what
	// it is judged against; Robust says how a maximum or minimum over
	// cells was taken, for claims of "up to" and "at worst".
	Figure    *stats.Interval `json:"figure,omitempty"`
	Threshold float64         `json:"threshold,omitempty"`
	Robust    string          `json:"robust,omitempty"`
	// Unit is the figure's: "x" (a ratio), "%" or a benchmark unit;
	// Test is the rule in a few characters ("≥3x"); Where names the
	// deciding cell ("churn threads=4").
	Unit  string `json:"unit,omitempty"`
	Test  string `json:"test"`
	Where string `json:"where,omitempty"`
	// Cells are the figures the verdict comes from, the deciding one
	// first.
	Cells []string `json:"cells"`
	// Deciding are the cells whose runs decide the verdict: more runs
	// there can move it.
	Deciding []cells.Cell `json:"-"`
	// Missing says why the claim cannot be judged: which cells it
	// needs and lacks.
	Missing string `json:"missing,omitempty"`
}

// Roles names the files that stand for glibc and musl.
type Roles struct {
	Glibc string `json:"glibc"`
	Musl  string `json:"musl"`
}

// FindRoles picks, for glibc and musl, the first file whose libc
// configuration line names it, else a file labelled by its name.
func FindRoles(s *cells.Set) Roles {
	pick := func(libc string) string {
		for _, l := range s.Labels {
			if s.Config(l, results.LibcKey) == libc {
				return l
			}
		}
		for _, l := range s.Labels {
			if l == libc {
				return l
			}
		}
		return ""
	}
	return Roles{Glibc: pick("glibc"), Musl: pick("musl")}
}

func (r Roles) String() string {
	name := func(l string) string {
		if l == "" {
			return "none"
		}
		return l
	}
	return fmt.Sprintf("glibc: %s, musl: %s", name(r.Glibc), name(r.Musl))
}

// Evaluate checks every claim against s, with the files r names standing
// for glibc and musl.
func Evaluate(s *cells.Set, r Roles) []Verdict {
	var out []Verdict
	for _, c := range all {
		v := c.check(checker{s, r})
		v.ID, v.Claim, v.Published, v.Rule, v.Test = c.id, c.text, c.published, c.rule, c.test
		if v.Unit == "" {
			v.Unit = "x"
		}
		if v.Missing != "" {
			v.Holds, v.Measured, v.Figure = string(stats.NotJudged), "", nil
			if why := skippedText(s, r, v.Missing); why != "" {
				v.Missing += "; " + why
			}
		}
		out = append(out, v)
	}
	return out
}

// A claim from the public reports the project checks, and how the
// measurements judge it.
type claim struct {
	id, text, published, rule string
	// test is the rule in a few characters, for the one-line form:
	// "≥3x".
	test  string
	check func(checker) Verdict
}

var all = []claim{
	{
		id:        "musl-mt",
		text:      "musl's default malloc (mallocng) is several times slower than glibc's under multi-threaded allocation",
		published: "about 4x (Rust HashMap + rayon, Alpine vs glibc); about 7x in a real-world Rust benchmark",
		rule:      "holds at ≥3x",
		test:      "≥3x",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Musl, "musl", k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			slow, fast := column{k.r.Musl, "libc"}, column{k.r.Glibc, "libc"}
			cs := k.ratios(slow, fast)
			if len(cs) == 0 {
				return Verdict{Missing: k.noPair(slow, fast)}
			}
			v, d := k.upTo(cs, 3)
			v.Measured = fmt.Sprintf("musl slower by %s at most (%s)", ratioText(d.r.Interval, "%.3gx"), d.where())
			v.Where = "musl's slowdown, " + d.short()
			return v
		},
	},
	{
		id:        "musl-futex",
		text:      "under musl the threads spend far more time in futex waits",
		published: "6.7 s in futex for musl vs 0.5 s for glibc (13x), measured with strace",
		rule:      "holds at ≥5x, or any futex time under musl where glibc has none",
		test:      "≥5x",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Musl, "musl", k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			m, g := column{k.r.Musl, "libc"}, column{k.r.Glibc, "libc"}
			n, ok := k.threadsFor("churn", cells.FutexNsPerOp, 2, m, g)
			if !ok {
				return Verdict{Missing: fmt.Sprintf("needs churn with %s (a futex method) in %s and %s at the same thread count; %s",
					cells.FutexNsPerOp, m, g, k.haveText("churn", cells.FutexNsPerOp, m, g))}
			}
			mc, gc := m.cell("churn", n), g.cell("churn", n)
			mu, _ := k.s.Get(mc, cells.FutexNsPerOp)
			gl, _ := k.s.Get(gc, cells.FutexNsPerOp)
			v := Verdict{Cells: []string{k.figure(mc, cells.FutexNsPerOp), k.figure(gc, cells.FutexNsPerOp)}, Deciding: []cells.Cell{mc, gc}, Threshold: 5}
			if gl.HasInterval() && gl.Hi == 0 {
				// glibc waits in no run the interval allows: any futex
				// time under musl is "far more".
				mi := stats.Interval{Est: mu.Center, Lo: mu.Lo, Hi: mu.Hi}
				v.Figure = &mi
				v.Holds = string(stats.Undecided)
				switch {
				case mu.HasInterval() && mu.Lo > 0:
					v.Holds = string(stats.Yes)
				case mu.HasInterval() && mu.Hi == 0:
					v.Holds = string(stats.No)
				}
				v.Measured = fmt.Sprintf("musl %s %s, glibc none (churn threads=%d)", ratioText(mi, "%.3g"), cells.FutexNsPerOp, n)
				v.Unit, v.Where = cells.FutexNsPerOp, fmt.Sprintf("musl's, glibc has none; churn t=%d", n)
				return v
			}
			iv := futexRatio(mu.Values, gl.Values, k.s.Confidence, "musl-futex")
			v.Figure = &iv
			v.Holds = string(stats.AtLeast(iv, 5))
			v.Measured = fmt.Sprintf("%s as much futex time per op under musl (churn threads=%d)", ratioText(iv, "%.3gx"), n)
			v.Where = fmt.Sprintf("musl's futex time over glibc's, churn t=%d", n)
			return v
		},
	},
	{
		id:        "st-small",
		text:      "single-threaded programs see much smaller differences",
		published: "1735 ms vs 1300 ms (1.3x) single-threaded",
		rule:      "holds at ≤2x and below the multi-threaded gap",
		test:      "≤2x, < MT",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Musl, "musl", k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			m, g := column{k.r.Musl, "libc"}, column{k.r.Glibc, "libc"}
			st, ok := k.s.Ratio(m.cell("churn", 1), g.cell("churn", 1), cells.NsPerOp)
			if !ok {
				return Verdict{Missing: "needs churn at threads=1 in " + m.String() + " and " + g.String() + "; " + k.haveText("churn", cells.NsPerOp, m, g)}
			}
			v := Verdict{Figure: &st.Interval, Threshold: 2,
				Cells:    []string{k.figure(m.cell("churn", 1), cells.NsPerOp), k.figure(g.cell("churn", 1), cells.NsPerOp)},
				Deciding: []cells.Cell{m.cell("churn", 1), g.cell("churn", 1)}}
			v.Measured = fmt.Sprintf("%s single-threaded", ratioText(st.Interval, "%.3gx"))
			v.Where = "musl's slowdown, churn t=1"
			verdicts := []stats.Verdict{stats.AtMost(st.Interval, 2)}
			if n, ok := k.threadsFor("churn", cells.NsPerOp, 0, m, g); ok && n > 1 {
				if mt, ok := k.s.Ratio(m.cell("churn", n), g.cell("churn", n), cells.NsPerOp); ok {
					v.Measured += fmt.Sprintf(" vs %s at threads=%d", ratioText(mt.Interval, "%.3gx"), n)
					below := stats.Undecided
					switch {
					case st.Hi < mt.Lo:
						below = stats.Yes
					case st.Lo >= mt.Hi:
						below = stats.No
					}
					verdicts = append(verdicts, below)
					v.Cells = append(v.Cells, k.figure(m.cell("churn", n), cells.NsPerOp), k.figure(g.cell("churn", n), cells.NsPerOp))
					v.Deciding = append(v.Deciding, m.cell("churn", n), g.cell("churn", n))
				}
			}
			v.Holds = string(stats.All(verdicts...))
			return v
		},
	},
	{
		id:        "mi-mt",
		text:      "mimalloc gives much higher throughput than glibc malloc under heavy multi-threaded load",
		published: `"up to 5.3x" (attributed to Microsoft's benchmarks)`,
		rule:      "holds at ≥2x",
		test:      "≥2x",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			libc, mi := column{k.r.Glibc, "libc"}, k.family(k.r.Glibc, mimallocFamily)
			cs := k.ratios(libc, mi)
			if len(cs) == 0 {
				return Verdict{Missing: k.noPair(libc, mi)}
			}
			v, d := k.upTo(cs, 2)
			v.Measured = fmt.Sprintf("%s up to %s faster (%s)", mi.alloc, ratioText(d.r.Interval, "%.3gx"), d.where())
			v.Where = mi.alloc + "'s speedup, " + d.short()
			return v
		},
	},
	{
		id:        "mi-rss",
		text:      "mimalloc cuts resident memory",
		published: `"roughly half" (attributed to Microsoft's benchmarks)`,
		rule:      "holds at ≤0.67x (median over " + strings.Join(rssWorkloads, ", ") + ")",
		test:      "≤0.67x",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			libc, mi := column{k.r.Glibc, "libc"}, k.family(k.r.Glibc, mimallocFamily)
			var samples [][]float64
			var used []string
			var deciding []cells.Cell
			for _, wl := range rssWorkloads {
				n, ok := k.threadsFor(wl, cells.RSSPerLiveByte, 0, libc, mi)
				if !ok {
					continue
				}
				g, _ := k.s.Get(libc.cell(wl, n), cells.RSSPerLiveByte)
				m, _ := k.s.Get(mi.cell(wl, n), cells.RSSPerLiveByte)
				if g.Center > 0 {
					samples = append(samples, m.Values, g.Values)
					used = append(used, k.figure(mi.cell(wl, n), cells.RSSPerLiveByte), k.figure(libc.cell(wl, n), cells.RSSPerLiveByte))
					deciding = append(deciding, mi.cell(wl, n), libc.cell(wl, n))
				}
			}
			if len(samples) == 0 {
				return Verdict{Missing: fmt.Sprintf("needs rss-per-live-byte of %s and %s in one of %s (their live sets are large enough to measure the allocator)",
					libc, mi, strings.Join(rssWorkloads, ", "))}
			}
			// The median over workloads of each workload's ratio of
			// medians, with a bootstrap interval over the runs.
			iv := stats.Bootstrap(samples, func(x [][]float64) float64 {
				var ratios []float64
				for i := 0; i+1 < len(x); i += 2 {
					ratios = append(ratios, stats.Median(x[i])/stats.Median(x[i+1]))
				}
				return stats.Median(ratios)
			}, k.s.Confidence, "mi-rss")
			over := fmt.Sprintf("median over %d workloads", len(samples)/2)
			if len(samples) == 2 {
				over = "one workload"
			}
			return Verdict{Measured: fmt.Sprintf("%s needs %s glibc's RSS per live byte (%s; bootstrap interval)", mi.alloc, ratioText(iv, "%.3gx"), over),
				Holds: string(stats.AtMost(iv, 0.67)), Figure: &iv, Threshold: 0.67, Cells: used, Deciding: deciding,
				Where: mi.alloc + "'s RSS/live, " + strings.Replace(over, "median over", "median of", 1)}
		},
	},
	{
		id:        "je-mt",
		text:      "glibc malloc can deliver a small fraction of jemalloc's throughput on a multi-core server",
		published: `"15 percent on a four-core server" (unsourced)`,
		rule:      "holds at ≤25%",
		test:      "≤25%",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			libc, je := column{k.r.Glibc, "libc"}, column{k.r.Glibc, "jemalloc"}
			cs := k.ratios(libc, je)
			if len(cs) == 0 {
				return Verdict{Missing: k.noPair(libc, je)}
			}
			// glibc's share of jemalloc's throughput is at most 25%
			// where glibc is at least 4x slower.
			v, d := k.upTo(cs, 4)
			share := d.r.Interval.Inverse().Scale(100)
			v.Figure, v.Threshold, v.Unit = &share, 25, "%"
			v.Where = "glibc's share of jemalloc's, " + d.short()
			v.Robust = "the lowest share: the cell whose interval reaches furthest below 25%"
			v.Measured = fmt.Sprintf("glibc reaches %s of jemalloc's throughput at worst (%s)", ratioText(share, "%.3g%%"), d.where())
			return v
		},
	},
	{
		id:        "musl-fix",
		text:      "swapping musl's malloc for mimalloc (or jemalloc) closes the gap to glibc",
		published: `"closed the gap entirely"`,
		rule:      "holds at ≥90% on every workload",
		test:      "≥90% all",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Musl, "musl", k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			g := column{k.r.Glibc, "libc"}
			fixes := []column{k.family(k.r.Musl, mimallocFamily), {k.r.Musl, "jemalloc"}}
			type best struct {
				wl    string
				alloc string
				c     candidate
				v     stats.Verdict
			}
			var per []best
			var used []string
			var deciding []cells.Cell
			for _, wl := range k.s.Workloads {
				var b *best
				var vs []stats.Verdict
				for _, m := range fixes {
					n, ok := k.threadsFor(wl, cells.NsPerOp, 0, m, g)
					if !ok {
						continue
					}
					r, ok := k.s.Ratio(g.cell(wl, n), m.cell(wl, n), cells.NsPerOp)
					if !ok {
						continue
					}
					v := stats.AtLeast(r.Interval, 0.9)
					vs = append(vs, v)
					c := candidate{r: r, workload: wl, threads: n, slow: g.cell(wl, n), fast: m.cell(wl, n)}
					if b == nil || r.Lo > b.c.r.Lo {
						b = &best{wl: wl, alloc: m.alloc, c: c}
					}
				}
				if b == nil {
					continue
				}
				b.v = stats.Any(vs...)
				per = append(per, *b)
				used = append(used, k.figure(b.c.fast, cells.NsPerOp), k.figure(b.c.slow, cells.NsPerOp))
				deciding = append(deciding, b.c.fast, b.c.slow)
			}
			if len(per) == 0 {
				return Verdict{Missing: fmt.Sprintf("needs mimalloc or jemalloc in %s and libc in %s on the same workload and thread count", k.r.Musl, k.r.Glibc)}
			}
			// The deciding workload: the one whose best allocator's
			// interval reaches lowest.
			worst := per[0]
			var vs []stats.Verdict
			var parts []string
			for _, b := range per {
				vs = append(vs, b.v)
				if b.c.r.Lo < worst.c.r.Lo {
					worst = b
				}
				parts = append(parts, fmt.Sprintf("%s: %s %.0f%%", b.wl, b.alloc, 100*b.c.r.Est))
			}
			share := worst.c.r.Interval.Scale(100)
			return Verdict{
				Measured: fmt.Sprintf("musl with the better of mimalloc and jemalloc reaches at worst %s of glibc's throughput (%s/%s, %s; %s)",
					ratioText(share, "%.3g%%"), k.r.Musl, worst.alloc, worst.c.where(), strings.Join(parts, "; ")),
				Holds: string(stats.All(vs...)), Figure: &share, Threshold: 90, Unit: "%",
				Where:  fmt.Sprintf("worst: %s t=%d, musl/%s", worst.wl, worst.c.threads, worst.alloc),
				Robust: "per workload the allocator whose interval reaches highest; then the workload whose interval reaches lowest",
				Cells:  used, Deciding: deciding,
			}
		},
	},
}

// claimAllocs are the allocators the claims name besides libc: a claim
// that cannot be judged says why one of them was not measured when its
// file says so (skippedText).
var claimAllocs = []string{"jemalloc", "mimalloc", "mimalloc3"}

// skippedText says, for every allocator of claimAllocs that missing names
// and that a role's file reports as skipped (its alloc-<name> line: "skipped:
// <reason>", as when the musl build of jemalloc or mimalloc failed), why it
// has no cells there: "musl/jemalloc was not measured: <reason>". "" when
// none is.
func skippedText(s *cells.Set, r Roles, missing string) string {
	var parts []string
	for _, label := range []string{r.Glibc, r.Musl} {
		if label == "" {
			continue
		}
		for _, a := range claimAllocs {
			if !mentions(missing, a) {
				continue
			}
			v := s.Config(label, results.AllocKey(a))
			why, ok := strings.CutPrefix(v, "skipped: ")
			if !ok || why == "" {
				continue
			}
			parts = append(parts, fmt.Sprintf("%s/%s was not measured: %s", label, a, why))
		}
	}
	return strings.Join(parts, "; ")
}

// mentions reports whether text names the allocator a as a word of its
// own ("mimalloc" is not named by "mimalloc3").
func mentions(text, a string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], a)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(a)
		before := j == 0 || !isNameByte(text[j-1])
		after := end == len(text) || !isNameByte(text[end])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

// mimallocFamily are the records of mimalloc, in the order a claim about
// mimalloc takes them: the claim is judged with whichever was measured,
// and the verdict names it.
var mimallocFamily = []string{"mimalloc", "mimalloc3"}

// family returns the first of names that label has any result of, else
// the first name.
func (k checker) family(label string, names []string) column {
	for _, a := range names {
		for _, wl := range k.s.Workloads {
			for _, n := range k.s.Threads {
				if k.s.Has(column{label, a}.cell(wl, n)) {
					return column{label, a}
				}
			}
		}
	}
	return column{label, names[0]}
}

// A candidate is one workload's ratio of slow's ns/op to fast's.
type candidate struct {
	r          cells.Ratio
	workload   string
	threads    int
	slow, fast cells.Cell
}

// short names the candidate's cell: "churn t=4".
func (c candidate) short() string {
	return fmt.Sprintf("%s t=%d", c.workload, c.threads)
}

func (c candidate) where() string {
	t := fmt.Sprintf("%s threads=%d", c.workload, c.threads)
	if c.r.Matched != "" {
		t += ", " + c.r.Matched
	}
	return t
}

// ratios returns, for each workload at the most threads both columns
// have, how many times slower slow is than fast (slow's ns/op over
// fast's), with its interval.
func (k checker) ratios(slow, fast column) []candidate {
	var out []candidate
	for _, wl := range k.s.Workloads {
		n, ok := k.threadsFor(wl, cells.NsPerOp, 0, slow, fast)
		if !ok {
			continue
		}
		sc, fc := slow.cell(wl, n), fast.cell(wl, n)
		r, ok := k.s.Ratio(sc, fc, cells.NsPerOp)
		if !ok {
			continue
		}
		out = append(out, candidate{r: r, workload: wl, threads: n, slow: sc, fast: fc})
	}
	return out
}

// upTo judges "the ratio reaches t in some cell": yes when some cell's
// whole interval is at or above t, no when every cell's is below it,
// undecided otherwise. The deciding cell is the one whose interval's
// lower bound is highest when the claim holds, else the one whose upper
// bound is. The verdict lists every cell, the deciding one first.
func (k checker) upTo(cs []candidate, t float64) (Verdict, candidate) {
	var vs []stats.Verdict
	for _, c := range cs {
		vs = append(vs, stats.AtLeast(c.r.Interval, t))
	}
	holds := stats.Any(vs...)
	key := func(c candidate) float64 { return c.r.Hi }
	if holds == stats.Yes {
		key = func(c candidate) float64 { return c.r.Lo }
	}
	sorted := append([]candidate(nil), cs...)
	sort.SliceStable(sorted, func(i, j int) bool { return key(sorted[i]) > key(sorted[j]) })
	d := sorted[0]
	v := Verdict{Holds: string(holds), Figure: &d.r.Interval, Threshold: t,
		Robust: "the largest over workloads, read as the cell whose interval clears the threshold by most (its lower bound), or, where none clears it, the cell whose upper bound is highest"}
	for _, c := range sorted {
		v.Deciding = append(v.Deciding, c.slow, c.fast)
		v.Cells = append(v.Cells, k.figure(c.slow, cells.NsPerOp), k.figure(c.fast, cells.NsPerOp))
	}
	return v, d
}

// futexRatio is the ratio of the median futex times of musl and glibc,
// with a bootstrap interval: futex times can be zero in some runs, where
// a ratio of runs does not exist.
func futexRatio(musl, glibc []float64, confidence float64, seed string) stats.Interval {
	return stats.Bootstrap([][]float64{musl, glibc}, func(x [][]float64) float64 {
		g := stats.Median(x[1])
		if g == 0 {
			return math.Inf(1)
		}
		return stats.Median(x[0]) / g
	}, confidence, seed)
}

// ratioText shows an interval with format, "%.3g%%" say, or as a ratio
// (stats.FormatRatio) when format is "%.3gx": "77.6x [70.1x, 85.2x]".
func ratioText(iv stats.Interval, format string) string {
	f := func(v float64) string { return fmt.Sprintf(format, v) }
	if format == "%.3gx" {
		f = func(v float64) string { return stats.FormatRatio(v) + "x" }
	}
	if !iv.Bounded() {
		return f(iv.Est) + " [no interval: too few runs]"
	}
	return f(iv.Est) + " [" + f(iv.Lo) + ", " + f(iv.Hi) + "]"
}

// rssWorkloads are the workloads whose live sets are large enough (a few
// MiB per thread) and fully touched, so that resident memory per live byte
// measures the allocator: the cache workloads hold a few bytes, and large
// touches two pages of each block.
var rssWorkloads = []string{"larson", "mixed", "realloc"}

// column is one file's allocator.
type column struct{ label, alloc string }

func (c column) String() string { return c.label + "/" + c.alloc }

func (c column) cell(workload string, threads int) cells.Cell {
	return cells.Cell{Label: c.label, Workload: workload, Alloc: c.alloc, Threads: threads}
}

type checker struct {
	s *cells.Set
	r Roles
}

// need says which roles have no file, or "" when all are there; args are
// pairs of label and role name.
func (k checker) need(pairs ...string) string {
	var missing []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] == "" {
			missing = append(missing, fmt.Sprintf("a file measured with %s (libc: %s)", pairs[i+1], pairs[i+1]))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "needs " + strings.Join(missing, " and ") + "; there is none"
}

// figure describes the median of unit in c, with its interval, for
// Verdict.Cells.
func (k checker) figure(c cells.Cell, unit string) string {
	st, _ := k.s.Get(c, unit)
	iv := "no interval"
	if st.HasInterval() {
		iv = fmt.Sprintf("%.3g–%.3g", st.Lo, st.Hi)
	}
	return fmt.Sprintf("%s/%s %s threads=%d: %.3g %s [%s] (median of %d)", c.Label, c.Alloc, c.Workload, c.Threads, st.Center, unit, iv, st.N)
}

// threadsFor returns the thread count at which every column has unit for
// workload: prefer if they all have it there, else the highest they share.
func (k checker) threadsFor(workload, unit string, prefer int, cols ...column) (int, bool) {
	best := 0
	for _, n := range k.s.Threads {
		all := true
		for _, c := range cols {
			if _, ok := k.s.Get(c.cell(workload, n), unit); !ok {
				all = false
			}
		}
		if all {
			if n == prefer {
				return n, true
			}
			best = n
		}
	}
	return best, best > 0
}

// haveText says at which thread counts each column has unit for workload.
func (k checker) haveText(workload, unit string, cols ...column) string {
	var parts []string
	for _, c := range cols {
		var ns []string
		for _, n := range k.s.Threads {
			if _, ok := k.s.Get(c.cell(workload, n), unit); ok {
				ns = append(ns, fmt.Sprint(n))
			}
		}
		if len(ns) == 0 {
			parts = append(parts, c.String()+" has none")
		} else {
			parts = append(parts, fmt.Sprintf("%s has threads=%s", c, strings.Join(ns, ",")))
		}
	}
	return strings.Join(parts, ", ")
}

func (k checker) noPair(a, b column) string {
	return fmt.Sprintf("needs ns/op of %s and %s on some workload at the same thread count; there is none", a, b)
}

// Report is the verdicts with the files that played glibc and musl, as
// compare -claims writes them.
type Report struct {
	Roles    Roles     `json:"roles"`
	Verdicts []Verdict `json:"verdicts"`
}

// Write writes r as text, CSV or Markdown.
func (r Report) Write(w io.Writer, f compare.Format) error {
	switch f {
	case compare.CSV:
		return WriteCSV(w, r.Roles, r.Verdicts)
	case compare.Markdown:
		return WriteMarkdown(w, r.Roles, r.Verdicts)
	}
	return WriteText(w, r.Roles, r.Verdicts)
}

// Judge reads the cells of files and judges every claim on them, for
// compare -claims. Warnings about the files are compare's own and are not
// repeated.
func Judge(files []*results.File) (compare.Claims, []results.Warning, error) {
	set, _, err := cells.Collect(files, cells.Options{})
	if err != nil {
		return nil, nil, err
	}
	r := FindRoles(set)
	return Report{Roles: r, Verdicts: Evaluate(set, r)}, nil, nil
}

// FigureText shows the deciding figure with its interval in its unit:
// "81.4x [68.1x, 102x]", "11.9% [9.98%, 13.8%]"; "" when there is none.
func (v Verdict) FigureText() string {
	if v.Figure == nil {
		return ""
	}
	switch v.Unit {
	case "x":
		return ratioText(*v.Figure, "%.3gx")
	case "%":
		return ratioText(*v.Figure, "%.3g%%")
	}
	return ratioText(*v.Figure, "%.3g") + " " + v.Unit
}
