package compare

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

const missing = "—"

// Caption describes what the numbers in t are, in one line.
func (t *Table) Caption() string {
	var b strings.Builder
	if t.Common != "" {
		b.WriteString(t.Common + ": ")
	}
	fmt.Fprintf(&b, "%s (median ± %s CI", t.Metric, pct(t.Confidence))
	if len(t.Cols) > 1 {
		fmt.Fprintf(&b, "; vs %s: Mann-Whitney U test, α=%s", t.Cols[0], strconv.FormatFloat(t.Alpha, 'g', -1, 64))
	}
	b.WriteString(")")
	return b.String()
}

func pct(x float64) string {
	return strconv.FormatFloat(100*x, 'g', -1, 64) + "%"
}

// header returns the column headers of the text and Markdown forms.
func (t *Table) header() []string {
	h := []string{t.RowHeader}
	for i, c := range t.Cols {
		h = append(h, c)
		if i > 0 {
			h = append(h, "vs "+t.Cols[0])
		}
	}
	return h
}

// cells returns the text of a row in the text and Markdown forms.
func (t *Table) cells(r *Row, geomean bool) []string {
	var centers []float64
	for _, c := range r.Cells {
		if c.N > 0 {
			centers = append(centers, c.Center)
		}
	}
	format := rowFormat(t.Metric, centers)
	out := []string{r.Label}
	for i, c := range r.Cells {
		switch {
		case c.N == 0:
			out = append(out, missing)
		case geomean:
			out = append(out, format(c.Center))
		default:
			sum := benchmath.Summary{Center: c.Center, Lo: c.Lo, Hi: c.Hi}
			mark := ""
			if c.Modes != nil {
				mark = " ᵍ"
			}
			out = append(out, format(c.Center)+" ± "+sum.PctRangeString()+mark)
		}
		if i > 0 {
			if c.HasDelta {
				out = append(out, c.DeltaText)
			} else {
				out = append(out, missing)
			}
		}
	}
	return out
}

// rowFormat returns how to show the values of one row: with a common SI
// or binary prefix and precision, like benchstat, unless the values span
// more than a decade, where each gets its own prefix.
func rowFormat(unit string, vals []float64) func(float64) string {
	cls := benchunit.ClassOf(unit)
	lo, hi := math.Inf(1), 0.0
	for _, v := range vals {
		if v = math.Abs(v); v != 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi > 10*lo {
		return func(v float64) string { return benchunit.Scale(v, cls) }
	}
	return benchunit.CommonScale(vals, cls).Format
}

func (t *Table) lines() [][]string {
	lines := [][]string{t.header()}
	for i := range t.Rows {
		lines = append(lines, t.cells(&t.Rows[i], false))
	}
	if t.Geomean != nil {
		lines = append(lines, t.cells(t.Geomean, true))
	}
	return lines
}

// WriteText writes t as an aligned plain-text table with a caption line
// and any notes.
func (t *Table) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString(t.Caption() + "\n")
	lines := t.lines()
	width := make([]int, len(lines[0]))
	for _, l := range lines {
		for i, s := range l {
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	for _, l := range lines {
		var lb strings.Builder
		for i, s := range l {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			if i == 0 {
				lb.WriteString(s + pad)
			} else {
				lb.WriteString("  " + pad + s)
			}
		}
		b.WriteString(strings.TrimRight(lb.String(), " ") + "\n")
	}
	for _, n := range t.Notes {
		b.WriteString("note: " + n + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes t as a Markdown heading, caption and pipe table.
func (t *Table) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n%s\n\n", mdEscape(t.Metric), mdEscape(t.Caption()))
	lines := t.lines()
	for i, l := range lines {
		for j := range l {
			l[j] = mdEscape(l[j])
		}
		if i == len(lines)-1 && t.Geomean != nil {
			l[0] = "**" + l[0] + "**"
		}
		b.WriteString("| " + strings.Join(l, " | ") + " |\n")
		if i == 0 {
			b.WriteString("|:--")
			for range l[1:] {
				b.WriteString("|--:")
			}
			b.WriteString("|\n")
		}
	}
	if len(t.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range t.Notes {
			b.WriteString("- note: " + mdEscape(n) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var mdReplacer = strings.NewReplacer("\\", `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;", "`", "\\`")

func mdEscape(s string) string {
	return mdReplacer.Replace(s)
}

// WriteCSV writes t as CSV with unscaled numbers in the input's unit: for
// every column its median, confidence interval bounds and sample count,
// and for every column after the first its change against the first in
// percent and the p-value. The geomean row, if any, comes last.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rowHdr := t.RowHeader
	if rowHdr == "" {
		rowHdr = "row"
	}
	hdr := []string{"metric", rowHdr}
	for i, c := range t.Cols {
		hdr = append(hdr, c+" median", c+" lo", c+" hi", c+" n")
		if i > 0 {
			hdr = append(hdr, c+" vs "+t.Cols[0]+" %", c+" p")
		}
	}
	if err := cw.Write(hdr); err != nil {
		return err
	}
	write := func(r *Row, geomean bool) error {
		rec := []string{t.Metric, r.Label}
		for i, c := range r.Cells {
			if c.N == 0 {
				rec = append(rec, "", "", "", "0")
			} else if geomean {
				rec = append(rec, num(c.Center), "", "", strconv.Itoa(c.N))
			} else {
				rec = append(rec, num(c.Center), num(c.Lo), num(c.Hi), strconv.Itoa(c.N))
			}
			if i == 0 {
				continue
			}
			switch {
			case !c.HasDelta:
				rec = append(rec, "", "")
			case geomean:
				rec = append(rec, num(100*c.Delta), "")
			default:
				rec = append(rec, num(100*c.Delta), num(c.P))
			}
		}
		return cw.Write(rec)
	}
	for i := range t.Rows {
		if err := write(&t.Rows[i], false); err != nil {
			return err
		}
	}
	if t.Geomean != nil {
		if err := write(t.Geomean, true); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func num(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	// Round away float noise such as 16.950000000000003.
	return strconv.FormatFloat(v, 'g', 10, 64)
}

// Format names an output form of WriteTables.
type Format string

// The output forms.
const (
	Text     Format = "text"
	CSV      Format = "csv"
	Markdown Format = "markdown"
	// JSON is written by WriteJSON: every table in one document.
	JSON Format = "json"
)

// WriteTables writes tables in format f, separated by blank lines.
func WriteTables(w io.Writer, tables []*Table, f Format) error {
	for i, t := range tables {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		var err error
		switch f {
		case Text, "":
			err = t.WriteText(w)
		case CSV:
			err = t.WriteCSV(w)
		case Markdown, "md":
			err = t.WriteMarkdown(w)
		default:
			return fmt.Errorf("unknown format %q (want text, csv or markdown)", f)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
