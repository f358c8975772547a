package summary

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/stats"
)

// A Headline is one workload's answer at the most threads it was measured
// with: the fastest allocator, how the C library's malloc of the musl
// file does against the baseline's, and the fastest allocator in the musl
// file. Speeds are against the baseline, with their intervals.
type Headline struct {
	Workload string
	Threads  int
	// Fastest is the column with the highest speed (the baseline when
	// nothing beats it), of every file.
	Fastest      Column
	FastestSpeed Entry
	// Musl is the musl file's libc against the baseline; BestOnMusl the
	// musl file's fastest column. OK is false in each when there is
	// none.
	Musl            Entry
	BestOnMusl      Column
	BestOnMuslSpeed Entry
}

// Headlines returns a headline per workload. musl names the file that
// stands for musl ("" when there is none). Allocators of the harness
// (floor) are references, not allocators anyone would ship, and are left
// out of "fastest".
func (s *Summary) Headlines(musl string) []Headline {
	var out []Headline
	for _, w := range s.Workloads {
		if len(w.Rows) == 0 {
			continue
		}
		r := w.Rows[len(w.Rows)-1]
		h := Headline{Workload: w.Name, Threads: r.Threads}
		for i, e := range r.Speed {
			col := s.Columns[i]
			if !e.OK || isReference(col.Alloc) {
				continue
			}
			if !h.FastestSpeed.OK || e.Value > h.FastestSpeed.Value {
				h.Fastest, h.FastestSpeed = col, e
			}
			if col.Label != musl || musl == "" {
				continue
			}
			if col.Alloc == "libc" {
				h.Musl = e
			}
			if !h.BestOnMuslSpeed.OK || e.Value > h.BestOnMuslSpeed.Value {
				h.BestOnMusl, h.BestOnMuslSpeed = col, e
			}
		}
		out = append(out, h)
	}
	return out
}

func isReference(name string) bool {
	s, err := alloc.Lookup(name)
	return err == nil && s.Kind == alloc.Harness
}

// SpeedText shows a speed against the baseline with its interval, a
// speed below 1 as a slowdown: "2.10x [1.98, 2.23]", "81.4x slower [68.1,
// 102]", "1.00x (the baseline)"; ~ marks an interval that holds 1.
func SpeedText(e Entry) string {
	return speedWith(e, func(iv stats.Interval) string {
		if !iv.Bounded() {
			return " [no interval]"
		}
		return fmt.Sprintf(" [%s, %s]", stats.FormatRatio(iv.Lo), stats.FormatRatio(iv.Hi))
	})
}

// SpeedShort shows a speed as SpeedText does with the interval's larger
// side in percent: "2.10x ±6%", "81.4x slower ±25%".
func SpeedShort(e Entry) string {
	return speedWith(e, func(iv stats.Interval) string {
		if !iv.Bounded() {
			return " ±?"
		}
		return fmt.Sprintf(" ±%.0f%%", 100*iv.HalfWidth())
	})
}

func speedWith(e Entry, interval func(stats.Interval) string) string {
	switch {
	case !e.OK:
		return "-"
	case e.Baseline:
		return "1.00x (the baseline)"
	}
	iv := e.Interval()
	mark := ""
	if !e.Significant {
		mark = "~"
	}
	if iv.Est >= 1 {
		return mark + stats.FormatRatio(iv.Est) + "x" + interval(iv)
	}
	inv := iv.Inverse()
	return mark + stats.FormatRatio(inv.Est) + "x slower" + interval(inv)
}

// WriteHeadlines writes one line per workload: its fastest allocator, the
// musl file's malloc and the best allocator on musl, each against the
// baseline with its interval.
func (s *Summary) WriteHeadlines(w io.Writer, musl string) error {
	hs := s.Headlines(musl)
	if len(hs) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Per workload at its most threads, against %s (± the larger side of the 95%% interval):\n", s.Baseline)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if musl != "" {
		fmt.Fprintln(tw, "  workload\tfastest\t\tmusl's malloc\tbest on musl")
	} else {
		fmt.Fprintln(tw, "  workload\tfastest")
	}
	for _, h := range hs {
		fmt.Fprintf(tw, "  %s t=%d\t%s\t%s", h.Workload, h.Threads, h.Fastest.Alloc+shortLabel(h.Fastest, s.Baseline), SpeedShort(h.FastestSpeed))
		if musl != "" {
			best := "-"
			if h.BestOnMuslSpeed.OK {
				best = h.BestOnMusl.Alloc + " " + SpeedShort(h.BestOnMuslSpeed)
			}
			fmt.Fprintf(tw, "\t%s\t%s", SpeedShort(h.Musl), best)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	_, err := io.WriteString(w, b.String())
	return err
}

// shortLabel names a column's file when it is not the baseline's.
func shortLabel(c, base Column) string {
	if c.Label == base.Label {
		return ""
	}
	return " (" + c.Label + ")"
}
