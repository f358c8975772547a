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

	"github.com/allocbench/allocbench/bench/cells"
	"github.com/allocbench/allocbench/bench/compare"
)

// A Verdict is what the measurements say about one claim.
type Verdict struct {
	ID        string `json:"id"`
	Claim     string `json:"claim"`
	Published string `json:"published"`
	// Measured is what the cells show; empty when the claim cannot be
	// judged.
	Measured string `json:"measured,omitempty"`
	// Holds is "yes", "no" or "n/a"; Rule says when it holds.
	Holds string `json:"holds"`
	Rule  string `json:"rule"`
	// Cells are the figures the verdict comes from, the deciding one
	// first.
	Cells []string `json:"cells"`
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
			if s.Config(l, "libc") == libc {
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
		v.ID, v.Claim, v.Published, v.Rule = c.id, c.text, c.published, c.rule
		if v.Missing != "" {
			v.Holds, v.Measured = "n/a", ""
		}
		out = append(out, v)
	}
	return out
}

// A claim from the public reports the project checks, and how the
// measurements judge it.
type claim struct {
	id, text, published, rule string
	check                     func(checker) Verdict
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

var all = []claim{
	{
		id:        "musl-mt",
		text:      "musl's default malloc (mallocng) is several times slower than glibc's under multi-threaded allocation",
		published: "about 4x (Rust HashMap + rayon, Alpine vs glibc); about 7x in a real-world Rust benchmark",
		rule:      "holds at ≥3x",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Musl, "musl", k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			best, used, ok := k.maxSlowdown(column{k.r.Musl, "libc"}, column{k.r.Glibc, "libc"})
			if !ok {
				return Verdict{Missing: k.noPair(column{k.r.Musl, "libc"}, column{k.r.Glibc, "libc"})}
			}
			return Verdict{Measured: fmt.Sprintf("musl slower by %.1fx at most (%s threads=%d)", best.ratio, best.workload, best.threads),
				Holds: yesNo(best.ratio >= 3), Cells: used}
		},
	},
	{
		id:        "musl-futex",
		text:      "under musl the threads spend far more time in futex waits",
		published: "6.7 s in futex for musl vs 0.5 s for glibc (13x), measured with strace",
		rule:      "holds at ≥5x, or any futex time under musl where glibc has none",
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
			u, uc := k.figure(m.cell("churn", n), cells.FutexNsPerOp)
			gl, gc := k.figure(g.cell("churn", n), cells.FutexNsPerOp)
			used := []string{uc, gc}
			if gl == 0 {
				return Verdict{Measured: fmt.Sprintf("musl %.3g %s, glibc none (churn threads=%d)", u, cells.FutexNsPerOp, n), Holds: yesNo(u > 0), Cells: used}
			}
			return Verdict{Measured: fmt.Sprintf("%.1fx as much futex time per op under musl (churn threads=%d)", u/gl, n), Holds: yesNo(u/gl >= 5), Cells: used}
		},
	},
	{
		id:        "st-small",
		text:      "single-threaded programs see much smaller differences",
		published: "1735 ms vs 1300 ms (1.3x) single-threaded",
		rule:      "holds at ≤2x and below the multi-threaded gap",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Musl, "musl", k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			m, g := column{k.r.Musl, "libc"}, column{k.r.Glibc, "libc"}
			u, uok := k.s.Median(m.cell("churn", 1), cells.NsPerOp)
			gl, gok := k.s.Median(g.cell("churn", 1), cells.NsPerOp)
			if !uok || !gok || gl <= 0 {
				return Verdict{Missing: "needs churn at threads=1 in " + m.String() + " and " + g.String() + "; " + k.haveText("churn", cells.NsPerOp, m, g)}
			}
			_, uc := k.figure(m.cell("churn", 1), cells.NsPerOp)
			_, gc := k.figure(g.cell("churn", 1), cells.NsPerOp)
			used := []string{uc, gc}
			st := u / gl
			measured := fmt.Sprintf("%.1fx single-threaded", st)
			holds := st <= 2
			if n, ok := k.threadsFor("churn", cells.NsPerOp, 0, m, g); ok && n > 1 {
				u2, c2 := k.figure(m.cell("churn", n), cells.NsPerOp)
				g2, c3 := k.figure(g.cell("churn", n), cells.NsPerOp)
				if g2 > 0 {
					measured += fmt.Sprintf(" vs %.1fx at threads=%d", u2/g2, n)
					holds = holds && st < u2/g2
					used = append(used, c2, c3)
				}
			}
			return Verdict{Measured: measured, Holds: yesNo(holds), Cells: used}
		},
	},
	{
		id:        "mi-mt",
		text:      "mimalloc gives much higher throughput than glibc malloc under heavy multi-threaded load",
		published: `"up to 5.3x" (attributed to Microsoft's benchmarks)`,
		rule:      "holds at ≥2x",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			libc, mi := column{k.r.Glibc, "libc"}, column{k.r.Glibc, "mimalloc"}
			best, used, ok := k.maxSlowdown(libc, mi)
			if !ok {
				return Verdict{Missing: k.noPair(libc, mi)}
			}
			return Verdict{Measured: fmt.Sprintf("up to %.1fx (%s threads=%d)", best.ratio, best.workload, best.threads), Holds: yesNo(best.ratio >= 2), Cells: used}
		},
	},
	{
		id:        "mi-rss",
		text:      "mimalloc cuts resident memory",
		published: `"roughly half" (attributed to Microsoft's benchmarks)`,
		rule:      "holds at ≤0.67x (median over " + strings.Join(rssWorkloads, ", ") + ")",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			libc, mi := column{k.r.Glibc, "libc"}, column{k.r.Glibc, "mimalloc"}
			var ratios []float64
			var used []string
			for _, wl := range rssWorkloads {
				n, ok := k.threadsFor(wl, cells.RSSPerLiveByte, 0, libc, mi)
				if !ok {
					continue
				}
				g, gc := k.figure(libc.cell(wl, n), cells.RSSPerLiveByte)
				m, mc := k.figure(mi.cell(wl, n), cells.RSSPerLiveByte)
				if g > 0 {
					ratios = append(ratios, m/g)
					used = append(used, mc, gc)
				}
			}
			if len(ratios) == 0 {
				return Verdict{Missing: fmt.Sprintf("needs rss-per-live-byte of %s and %s in one of %s (their live sets are large enough to measure the allocator)",
					libc, mi, strings.Join(rssWorkloads, ", "))}
			}
			med := medianOf(ratios)
			over := fmt.Sprintf("median over %d workloads", len(ratios))
			if len(ratios) == 1 {
				over = "one workload"
			}
			return Verdict{Measured: fmt.Sprintf("mimalloc needs %.2fx glibc's RSS per live byte (%s)", med, over),
				Holds: yesNo(med <= 0.67), Cells: used}
		},
	},
	{
		id:        "je-mt",
		text:      "glibc malloc can deliver a small fraction of jemalloc's throughput on a multi-core server",
		published: `"15 percent on a four-core server" (unsourced)`,
		rule:      "holds at ≤25%",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			libc, je := column{k.r.Glibc, "libc"}, column{k.r.Glibc, "jemalloc"}
			best, used, ok := k.maxSlowdown(libc, je)
			if !ok {
				return Verdict{Missing: k.noPair(libc, je)}
			}
			worst := 1 / best.ratio
			return Verdict{Measured: fmt.Sprintf("glibc reaches %.0f%% of jemalloc's throughput at worst (%s threads=%d)", 100*worst, best.workload, best.threads),
				Holds: yesNo(worst <= 0.25), Cells: used}
		},
	},
	{
		id:        "musl-fix",
		text:      "swapping musl's malloc for mimalloc (or jemalloc) closes the gap to glibc",
		published: `"closed the gap entirely"`,
		rule:      "holds at ≥90% on every workload",
		check: func(k checker) Verdict {
			if why := k.need(k.r.Musl, "musl", k.r.Glibc, "glibc"); why != "" {
				return Verdict{Missing: why}
			}
			g := column{k.r.Glibc, "libc"}
			var used, parts []string
			worst := math.Inf(1)
			for _, wl := range k.s.Workloads {
				best, bestAlloc, bestN := 0.0, "", 0
				var bestCell string
				for _, a := range []string{"mimalloc", "jemalloc"} {
					m := column{k.r.Musl, a}
					n, ok := k.threadsFor(wl, cells.NsPerOp, 0, m, g)
					if !ok {
						continue
					}
					v, vc := k.figure(m.cell(wl, n), cells.NsPerOp)
					gl, _ := k.s.Median(g.cell(wl, n), cells.NsPerOp)
					if v > 0 && gl/v > best {
						best, bestAlloc, bestN, bestCell = gl/v, a, n, vc
					}
				}
				if bestAlloc == "" {
					continue
				}
				_, gc := k.figure(g.cell(wl, bestN), cells.NsPerOp)
				used = append(used, bestCell, gc)
				worst = math.Min(worst, best)
				parts = append(parts, fmt.Sprintf("%s: %s/%s at %.0f%%", wl, k.r.Musl, bestAlloc, 100*best))
			}
			if len(parts) == 0 {
				return Verdict{Missing: fmt.Sprintf("needs mimalloc or jemalloc in %s and libc in %s on the same workload and thread count", k.r.Musl, k.r.Glibc)}
			}
			return Verdict{Measured: fmt.Sprintf("musl with the better of mimalloc and jemalloc reaches at least %.0f%% of glibc's throughput (%s)", 100*worst, strings.Join(parts, "; ")),
				Holds: yesNo(worst >= 0.9), Cells: used}
		},
	},
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

// figure returns the median of unit in c and a description of it for
// Verdict.Cells.
func (k checker) figure(c cells.Cell, unit string) (float64, string) {
	st, _ := k.s.Get(c, unit)
	return st.Center, fmt.Sprintf("%s/%s %s threads=%d: %.3g %s (median of %d)", c.Label, c.Alloc, c.Workload, c.Threads, st.Center, unit, st.N)
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

type slowdown struct {
	ratio    float64
	workload string
	threads  int
}

// maxSlowdown is the largest ratio of slow's ns/op to fast's over the
// workloads, each at the most threads both have, with the cells compared
// (the largest first).
func (k checker) maxSlowdown(slow, fast column) (slowdown, []string, bool) {
	type pair struct {
		slowdown
		cells []string
	}
	var pairs []pair
	for _, wl := range k.s.Workloads {
		n, ok := k.threadsFor(wl, cells.NsPerOp, 0, slow, fast)
		if !ok {
			continue
		}
		s, sc := k.figure(slow.cell(wl, n), cells.NsPerOp)
		f, fc := k.figure(fast.cell(wl, n), cells.NsPerOp)
		if s <= 0 || f <= 0 {
			continue
		}
		pairs = append(pairs, pair{slowdown{s / f, wl, n}, []string{sc, fc}})
	}
	if len(pairs) == 0 {
		return slowdown{}, nil, false
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].ratio > pairs[j].ratio })
	var used []string
	for _, p := range pairs {
		used = append(used, p.cells...)
	}
	return pairs[0].slowdown, used, true
}

func medianOf(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
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
func Judge(files []*compare.File) (compare.Claims, []compare.Warning, error) {
	set, _, err := cells.Collect(files, cells.Options{})
	if err != nil {
		return nil, nil, err
	}
	r := FindRoles(set)
	return Report{Roles: r, Verdicts: Evaluate(set, r)}, nil, nil
}
