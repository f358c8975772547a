package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"

	"github.com/allocbench/allocbench/bench/compare"
	"github.com/allocbench/allocbench/bench/report"
	"github.com/allocbench/allocbench/bench/units"
)

// key names one cell's results across runs.
type key struct {
	variant, workload, alloc string
	threads                  int
}

// measurements holds every value of every unit per cell, as printed (the
// original units: ns/op, p99-nsec, ...).
type measurements map[key]map[string][]float64

// readResults reads the variants' result files in the run's directory.
// Results the reader leaves out (impossible values, failed cells) are in
// the warnings, by file, line and cell.
func readResults(d *runDir, variants []variant) (measurements, []compare.Warning) {
	m := measurements{}
	files, warnings := readVariants(d, variants)
	for _, f := range files {
		for _, r := range f.Results {
			k, ok := parseName(f.Label, r.Name)
			if !ok {
				continue
			}
			if m[k] == nil {
				m[k] = map[string][]float64{}
			}
			for i, unit := range r.Units {
				m[k][unit] = append(m[k][unit], r.Values[i])
			}
		}
	}
	return m, warnings
}

// parseName reads workload, alloc and threads from
// Workloads/workload=churn/alloc=libc/threads=2-2.
func parseName(variant string, name benchfmt.Name) (key, bool) {
	base, parts := name.Parts()
	if string(base) != "Workloads" {
		return key{}, false
	}
	k := key{variant: variant}
	for _, p := range parts {
		kv := strings.TrimPrefix(string(p), "/")
		name, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch name {
		case "workload":
			k.workload = val
		case "alloc":
			k.alloc = val
		case "threads":
			n, err := strconv.Atoi(val)
			if err != nil {
				return key{}, false
			}
			k.threads = n
		}
	}
	return k, k.workload != "" && k.alloc != "" && k.threads > 0
}

var (
	confidence = 0.95
	alpha      = 0.05
	stats      = benchmath.AssumeNothing
)

// summary returns the median of a unit in a cell, with its confidence
// interval, from benchmath.
func (m measurements) summary(k key, unit string) (benchmath.Summary, int, bool) {
	vals := m[k][unit]
	if len(vals) == 0 {
		return benchmath.Summary{}, 0, false
	}
	s := benchmath.NewSample(vals, &benchmath.DefaultThresholds)
	return stats.Summary(s, confidence), len(vals), true
}

func (m measurements) median(k key, unit string) (float64, bool) {
	s, _, ok := m.summary(k, unit)
	return s.Center, ok
}

// differs reports whether the unit differs significantly between two cells
// (the test benchstat uses), and its p-value.
func (m measurements) differs(a, b key, unit string) (bool, float64) {
	va, vb := m[a][unit], m[b][unit]
	if len(va) == 0 || len(vb) == 0 {
		return false, math.NaN()
	}
	c := stats.Compare(benchmath.NewSample(va, &benchmath.DefaultThresholds), benchmath.NewSample(vb, &benchmath.DefaultThresholds))
	return c.P < alpha, c.P
}

// summarize prints, for each workload and thread count, each allocator's
// throughput relative to glibc's malloc, its futex share, p99 latency and
// memory per live byte, for every variant; then the claims table.
func summarize(w io.Writer, d *runDir, o options, variants []variant) ([]report.Claim, error) {
	m, warnings := readResults(d, variants)
	for _, wn := range warnings {
		fmt.Fprintln(w, "warning:", wn)
	}
	var columns []key // variant/alloc pairs present
	for _, v := range variants {
		for _, a := range v.allocs {
			if !contains(o.allocs, a) {
				continue
			}
			columns = append(columns, key{variant: v.name, alloc: a})
		}
	}
	// The baseline is the C library's malloc of the first glibc variant
	// (else of the first variant).
	baseVariant := variants[0].name
	if g, ok := firstWithLibc(variants, "glibc"); ok {
		baseVariant = g
	}
	fmt.Fprintf(w, "\nThroughput relative to %s/libc at the same thread count (median of each cell's runs, %d asked; results of failed cells are left out; ~ marks no significant difference, p ≥ %.2f), then futex share, p99 latency and RSS per live byte:\n", baseVariant, o.count, alpha)
	for _, wl := range o.workloads {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "\n%s\t", wl)
		for _, c := range columns {
			fmt.Fprintf(tw, "%s/%s\t", c.variant, c.alloc)
		}
		fmt.Fprintln(tw)
		for _, n := range o.threads {
			base := key{baseVariant, wl, "libc", n}
			rows := []struct {
				label string
				cell  func(k key) string
			}{
				{fmt.Sprintf("threads=%d  speed", n), func(k key) string {
					v, ok := m.median(k, units.NsPerOp)
					b, bok := m.median(base, units.NsPerOp)
					if !ok {
						return "-"
					}
					if !bok || v == 0 {
						return fmt.Sprintf("%.3gns", v)
					}
					s := fmt.Sprintf("%.2fx", b/v)
					if k != base {
						if sig, _ := m.differs(base, k, units.NsPerOp); !sig {
							s = "~" + s
						}
					}
					return s
				}},
				{"futex%", func(k key) string { return fmtMedian(m, k, units.FutexPct, "%.1f") }},
				{units.P99Nsec, func(k key) string { return fmtMedian(m, k, units.P99Nsec, "%.3g") }},
				{"rss/live", func(k key) string { return fmtMedian(m, k, units.RSSPerLiveByte, "%.3g") }},
			}
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t", r.label)
				for _, c := range columns {
					k := key{c.variant, wl, c.alloc, n}
					fmt.Fprintf(tw, "%s\t", r.cell(k))
				}
				fmt.Fprintln(tw)
			}
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	rows := checkClaims(m, o, variants)
	writeClaims(w, rows)
	return rows, nil
}

func firstWithLibc(variants []variant, libc string) (string, bool) {
	for _, v := range variants {
		if v.libc == libc {
			return v.name, true
		}
	}
	return "", false
}

func fmtMedian(m measurements, k key, unit, format string) string {
	v, ok := m.median(k, unit)
	if !ok {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

func maxThreads(o options) int {
	ts := append([]int(nil), o.threads...)
	sort.Ints(ts)
	return ts[len(ts)-1]
}
