package summary

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/allocbench/allocbench/bench/cells"
)

// Marks written after a figure in the text summary, by caveat kind.
var marks = []struct{ kind, mark, text string }{
	{cells.Bimodal, "b", "bimodal runs: the medians of the two groups are shown, low|high"},
	{cells.SmallLiveSet, "l", fmt.Sprintf("live set under %d MiB: the harness's fixed cost weighs in; compare with floor", cells.MinLiveBytes>>20)},
	{cells.FewSamples, "s", fmt.Sprintf("percentile from fewer than %d latency samples", cells.MinLatencySamples)},
}

func markOf(e Entry) string {
	var m []string
	for _, k := range marks {
		for _, c := range e.Caveats {
			if c.Kind == k.kind {
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

// WriteText writes the summary as the main job prints it: a table per
// workload, then the scaling fits.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Throughput relative to %s at the same thread count (median of each cell's runs; ~ marks a difference benchstat's test cannot tell from noise, p ≥ %.2f), then futex share, p99 latency and RSS per live byte:\n", s.Baseline, s.Alpha)
	used, fewRuns := map[string]bool{}, false
	for _, wl := range s.Workloads {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "\n%s\t", wl.Name)
		for _, c := range s.Columns {
			fmt.Fprintf(tw, "%s\t", c)
		}
		fmt.Fprintln(tw)
		for _, r := range wl.Rows {
			lines := []struct {
				label   string
				entries []Entry
				format  func(Entry) string
			}{
				{fmt.Sprintf("threads=%d  speed", r.Threads), r.Speed, speedText},
				{"futex%", r.Futex, numText("%.1f")},
				{"p99-nsec", r.P99, numText("%.3g")},
				{"rss/live", r.RSS, numText("%.3g")},
			}
			for _, l := range lines {
				fmt.Fprintf(tw, "%s\t", l.label)
				for _, e := range l.entries {
					text := "-"
					if e.OK {
						e = Plain(e, l.format)
						text = l.format(e) + markOf(e)
						for _, c := range e.Caveats {
							used[c.Kind] = true
							fewRuns = fewRuns || c.Kind == cells.FewRuns
						}
					}
					fmt.Fprintf(tw, "%s\t", text)
				}
				fmt.Fprintln(tw)
			}
		}
		tw.Flush()
	}
	for _, k := range marks {
		if used[k.kind] {
			fmt.Fprintf(&b, "[%s] %s\n", k.mark, k.text)
		}
	}
	if fewRuns {
		fmt.Fprintf(&b, "Some cells have fewer than %d runs: no interval of the median, and the test can hardly tell a difference from noise (-count %d or more).\n", cells.MinRunsForInterval, cells.MinRunsForInterval)
	}
	if len(s.Scaling) > 0 {
		b.WriteString("\n")
		s.writeScaling(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
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
	if e.Bimodal {
		return fmt.Sprintf("%.2f|%.2fx", e.Low, e.High)
	}
	t := fmt.Sprintf("%.2fx", e.Value)
	if !e.Baseline && !e.Significant && !math.IsNaN(e.P) {
		t = "~" + t
	}
	return t
}

func numText(format string) func(Entry) string {
	return func(e Entry) string {
		if e.Bimodal {
			return fmt.Sprintf(format+"|"+format, e.Low, e.High)
		}
		return fmt.Sprintf(format, e.Value)
	}
}

func (s *Summary) writeScaling(b *strings.Builder) {
	b.WriteString("Scaling: speedup over threads=1 fitted to the Universal Scalability Law, C(N) = N/(1+σ(N−1)+κN(N−1)); σ is contention, κ coherence (± one standard error):\n")
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
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", sc.Workload, sc.Column, sc.FitText())
	}
	tw.Flush()
}

// FitText describes the fit in one line.
func (sc Scaling) FitText() string {
	if sc.Err != "" {
		return "no fit: " + sc.Err
	}
	t := sc.Fit.String()
	if p := sc.Fit.Peak(); math.IsInf(p, 1) {
		t += ", no peak"
	} else {
		t += fmt.Sprintf(", peak near %.3g threads", p)
	}
	if len(sc.Beyond) > 0 {
		t += fmt.Sprintf("; threads=%s time-shared", joinInts(sc.Beyond))
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
