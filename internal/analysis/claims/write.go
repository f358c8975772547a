package claims

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the verdicts as an aligned table, then the cells each
// comes from, or why it cannot be judged.
func WriteText(w io.Writer, r Roles, vs []Verdict) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Published claims, measured here (%s):\n", r)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "claim\tpublished figure\tmeasured here\tholds?")
	for _, v := range vs {
		measured := v.Measured
		if v.Missing != "" {
			measured = "cannot be judged (below)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.ID, v.Published, measured, holdsText(v))
	}
	tw.Flush()
	b.WriteString("\nwhere each figure comes from:\n")
	for _, v := range vs {
		switch {
		case v.Missing != "":
			fmt.Fprintf(&b, "  %s: %s\n", v.ID, v.Missing)
		case len(v.Cells) > 0:
			fmt.Fprintf(&b, "  %s: %s\n", v.ID, strings.Join(v.Cells, "; "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// LineWidth is the most columns a line of WriteLines takes.
const LineWidth = 100

// WriteLines writes one line per claim, the answer first: its verdict,
// the deciding figure with its interval, the rule in short and where the
// figure comes from, each line within LineWidth columns.
func WriteLines(w io.Writer, r Roles, vs []Verdict) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Published claims, judged on 95%% intervals (%s):\n", r)
	for _, v := range vs {
		var line string
		if v.Missing != "" {
			line = fmt.Sprintf("  %-10s %-9s cannot be judged: %s", v.ID, v.Holds, v.Missing)
		} else {
			line = fmt.Sprintf("  %-10s %-9s %-24s %-9s %s", v.ID, v.Holds, v.FigureText(), v.Test, v.Where)
		}
		b.WriteString(clip(line, LineWidth) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// clip shortens s to n columns (runes), ending it with "…".
func clip(s string, n int) string {
	s = strings.TrimRight(s, " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func holdsText(v Verdict) string {
	if v.Holds == "n/a" {
		return "n/a"
	}
	return v.Holds + " (" + v.Rule + ")"
}

var mdReplacer = strings.NewReplacer("\\", `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;", "`", "\\`")

// WriteMarkdown writes the verdicts as a Markdown table.
func WriteMarkdown(w io.Writer, r Roles, vs []Verdict) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### Published claims\n\n%s\n\n", mdReplacer.Replace(r.String()))
	b.WriteString("| claim | published figure | measured here | holds? | cells |\n|:--|:--|:--|:--|:--|\n")
	for _, v := range vs {
		measured, from := v.Measured, strings.Join(v.Cells, "; ")
		if v.Missing != "" {
			measured, from = "cannot be judged", v.Missing
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdReplacer.Replace(v.ID), mdReplacer.Replace(v.Published),
			mdReplacer.Replace(measured), mdReplacer.Replace(holdsText(v)), mdReplacer.Replace(from))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes one record per verdict.
func WriteCSV(w io.Writer, r Roles, vs []Verdict) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"claim", "published", "measured", "holds", "rule", "cells", "missing", "glibc", "musl"})
	for _, v := range vs {
		cw.Write([]string{v.ID, v.Published, v.Measured, v.Holds, v.Rule, strings.Join(v.Cells, "; "), v.Missing, r.Glibc, r.Musl})
	}
	cw.Flush()
	return cw.Error()
}
