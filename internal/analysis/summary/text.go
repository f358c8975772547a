package summary

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/stats"
)

// Marks written after a figure in the text summary, by caveat kind.
var marks = []struct{ kind, mark, text string }{
	{cells.Bimodal, "b", "runs in groups (listed under the table): a speed compares the lowest groups where both cells have them"},
	{machineModes, "m", "runs in groups in every allocator here: the machine's speeds, not the allocator's (listed under the table)"},
	{cells.SmallLiveSet, "l", fmt.Sprintf("live set under %d MiB: the harness's fixed cost weighs in; compare with floor", cells.MinLiveBytes>>20)},
	{cells.FewSamples, "s", fmt.Sprintf("percentile from fewer than %d latency samples", cells.MinLatencySamples)},
}

// machineModes is the mark's kind for groups every allocator has.
const machineModes = "machine-modes"

// kinds returns the caveat kinds of e, with machineModes in place of
// cells.Bimodal when the groups are the machine's.
func kinds(e Entry) []string {
	var out []string
	for _, c := range e.Caveats {
		k := c.Kind
		if k == cells.Bimodal && e.MachineModes {
			k = machineModes
		}
		out = append(out, k)
	}
	return out
}

func markOf(e Entry) string {
	var m []string
	have := kinds(e)
	for _, k := range marks {
		for _, c := range have {
			if c == k.kind {
				m = append(m, k.mark)
				break
			}
		}
	}
	if len(m) == 0 {
		return ""
	}
	return " [" + strings.Join(m, "") + "]"
}

// WriteText writes the summary's tables, then the scaling.
func (s *Summary) WriteText(w io.Writer) error {
	if err := s.WriteTables(w); err != nil {
		return err
	}
	if len(s.Scaling) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\n")
	s.writeScaling(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTables writes a table per workload and file: each allocator's
// throughput against the baseline with its interval, then the medians of
// the other headline metrics (results.Medians); the cells whose runs form groups are
// listed under each table.
func (s *Summary) WriteTables(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Throughput relative to %s at the same thread count, ± the larger side of its %g%% interval\n", s.Baseline, 100*stats.DefaultConfidence)
	b.WriteString("(Hodges–Lehmann over every pair of runs; ~: the interval holds 1)")
	if len(medianMetrics) == 0 {
		b.WriteString(":\n")
	} else {
		// The first name ends the line, the others make the next.
		b.WriteString(", then the medians of " + medianMetrics[0].Name + ",\n")
		var rest []string
		for _, m := range medianMetrics[1:] {
			rest = append(rest, m.Name)
		}
		if n := len(rest); n > 1 {
			rest = append(rest[:n-2], rest[n-2]+" and "+rest[n-1])
		}
		b.WriteString(strings.Join(rest, ", ") + ":\n")
	}
	used, fewRuns := map[string]bool{}, false
	for _, wl := range s.Workloads {
		for _, label := range s.fileLabels() {
			var idx []int
			for i, c := range s.Columns {
				if c.Label == label {
					idx = append(idx, i)
				}
			}
			if !wl.has(idx) {
				continue
			}
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(tw, "\n%s, %s\t", wl.Name, label)
			for _, i := range idx {
				fmt.Fprintf(tw, "%s\t", s.Columns[i].Alloc)
			}
			fmt.Fprintln(tw)
			for _, r := range wl.Rows {
				type line struct {
					label   string
					entries []Entry
					format  func(Entry) string
				}
				lines := []line{{fmt.Sprintf("threads=%d  speed", r.Threads), r.Speed, speedText}}
				for k, m := range medianMetrics {
					lines = append(lines, line{m.Label, r.Medians[k], numText(m.Format)})
				}
				for _, l := range lines {
					fmt.Fprintf(tw, "%s\t", l.label)
					for _, i := range idx {
						e := l.entries[i]
						text := "-"
						if e.OK {
							e = Plain(e, l.format)
							text = l.format(e) + markOf(e)
							for _, k := range kinds(e) {
								used[k] = true
								fewRuns = fewRuns || k == cells.FewRuns
							}
						}
						fmt.Fprintf(tw, "%s\t", text)
					}
					fmt.Fprintln(tw)
				}
			}
			tw.Flush()
			writeGroups(&b, s.Columns, wl, idx)
		}
	}
	for _, k := range marks {
		if used[k.kind] {
			fmt.Fprintf(&b, "[%s] %s\n", k.mark, k.text)
		}
	}
	if fewRuns {
		fmt.Fprintf(&b, "Some cells have fewer than %d runs: no interval of the median, and no interval of a ratio with them.\n", cells.MinRunsForInterval)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fileLabels returns the files of the columns, in order.
func (s *Summary) fileLabels() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range s.Columns {
		if !seen[c.Label] {
			seen[c.Label] = true
			out = append(out, c.Label)
		}
	}
	return out
}

// has reports whether any row has a figure in one of the columns idx.
func (w Workload) has(idx []int) bool {
	for _, r := range w.Rows {
		for _, i := range idx {
			if r.Speed[i].OK {
				return true
			}
			for _, es := range r.Medians {
				if es[i].OK {
					return true
				}
			}
		}
	}
	return false
}

// Plain drops the bimodal mark of an entry whose two groups look the same
// in format (futex shares of 0.001% and 0.02% both read 0.0): a
// difference too small to show is not worth a warning.
func Plain(e Entry, format func(Entry) string) Entry {
	if !e.Bimodal {
		return e
	}
	lo, hi := e, e
	lo.Bimodal, hi.Bimodal = false, false
	lo.Value, hi.Value = e.Low, e.High
	if format(lo) != format(hi) {
		return e
	}
	e.Bimodal = false
	var kept []cells.Caveat
	for _, c := range e.Caveats {
		if c.Kind != cells.Bimodal {
			kept = append(kept, c)
		}
	}
	e.Caveats = kept
	return e
}

func speedText(e Entry) string {
	if e.Baseline {
		return "1.00x"
	}
	t := stats.FormatRatio(e.Value) + "x"
	if math.IsNaN(e.Pct) {
		t += "±?"
	} else {
		t += fmt.Sprintf("±%.0f%%", e.Pct)
	}
	if !e.Significant {
		t = "~" + t
	}
	return t
}

// writeGroups lists, under a workload's table, the cells whose runs form
// groups: each group's median ns/op and its share of the runs.
func writeGroups(b *strings.Builder, cols []Column, wl Workload, idx []int) {
	for _, r := range wl.Rows {
		for _, i := range idx {
			e := r.Speed[i]
			if !e.OK || len(e.Modes) == 0 {
				continue
			}
			whose := ""
			if e.MachineModes {
				whose = " (every allocator here: the machine's)"
			}
			fmt.Fprintf(b, "  groups: %s threads=%d: %s ns/op%s\n", cols[i].Alloc, r.Threads, stats.Describe(e.Modes, e.N), whose)
		}
	}
}

func numText(format string) func(Entry) string {
	return func(e Entry) string {
		if e.Bimodal {
			return fmt.Sprintf(format+"|"+format, e.Low, e.High)
		}
		return fmt.Sprintf(format, e.Value)
	}
}

// WriteScaling writes the speedups of every allocator and workload.
func (s *Summary) WriteScaling(w io.Writer) error {
	var b strings.Builder
	s.writeScaling(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (s *Summary) writeScaling(b *strings.Builder) {
	fmt.Fprintf(b, "Scaling: throughput over threads=1 with its %g%% interval, and the efficiency (speedup per thread), at the\n", 100*stats.DefaultConfidence)
	b.WriteString("thread counts the machine runs at once; then what oversubscription (2×CPUs threads against CPUs) costs.\n")
	fmt.Fprintf(b, "A Universal Scalability Law is fitted only to %d thread counts or more within the CPUs:\n", MinFitThreadCounts)
	seen := map[string]bool{}
	for _, l := range s.labels() {
		c := s.Cores[l]
		if seen[l] {
			continue
		}
		seen[l] = true
		note := ""
		if p := c.Parallel(); p > 0 {
			note = fmt.Sprintf("; thread counts above %d measure time-sharing, not scaling", p)
		}
		fmt.Fprintf(b, "  %s: %s%s\n", l, c, note)
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, sc := range s.Scaling {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", sc.Workload, sc.Column, sc.SpeedupText())
	}
	tw.Flush()
}

// SpeedupText describes the speedups in one line: "threads=2 1.85x
// [1.80, 1.90] 93%; 4 vs 2 0.97x [0.95, 0.99]", then the fit when there is
// one.
func (sc Scaling) SpeedupText() string {
	var parts []string
	for _, sp := range sc.Speedups {
		parts = append(parts, fmt.Sprintf("threads=%d %s %.0f%%", sp.Threads, ratioText(sp.Interval), 100*sp.Efficiency()))
	}
	if o := sc.Oversubscribed; o != nil {
		parts = append(parts, fmt.Sprintf("%d vs %d threads %s", o.Threads, o.Over, ratioText(o.Interval)))
	}
	if len(parts) == 0 {
		parts = append(parts, "no thread count above 1 within the CPUs")
	}
	if t := sc.FitText(); t != "" {
		parts = append(parts, t)
	}
	return strings.Join(parts, "; ")
}

// ratioText shows a ratio with its interval: "1.85x [1.80, 1.90]".
func ratioText(iv stats.Interval) string {
	if !iv.Bounded() {
		return stats.FormatRatio(iv.Est) + "x [no interval]"
	}
	return fmt.Sprintf("%sx [%s, %s]", stats.FormatRatio(iv.Est), stats.FormatRatio(iv.Lo), stats.FormatRatio(iv.Hi))
}

// FitText describes the fit in one line, "" when there is none. A peak
// is named only where it lies within the thread counts measured.
func (sc Scaling) FitText() string {
	if sc.Err != "" {
		return ""
	}
	t := "USL " + sc.Fit.String()
	top := sc.Fit.Threads[len(sc.Fit.Threads)-1]
	if p := sc.Fit.Peak(); p <= float64(top) {
		t += fmt.Sprintf(", peak near %.3g threads", p)
	} else {
		t += fmt.Sprintf(", no peak within %d threads", top)
	}
	if len(sc.LackOfFit) > 0 {
		t += fmt.Sprintf(" (lack of fit at threads=%s: the curve is outside their intervals)", joinInts(sc.LackOfFit))
	}
	return t
}

func joinInts(ns []int) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprint(n))
	}
	return strings.Join(parts, ",")
}

// labels returns the files of the scaling fits, in order.
func (s *Summary) labels() []string {
	var out []string
	seen := map[string]bool{}
	for _, sc := range s.Scaling {
		if !seen[sc.Column.Label] {
			seen[sc.Column.Label] = true
			out = append(out, sc.Column.Label)
		}
	}
	return out
}
