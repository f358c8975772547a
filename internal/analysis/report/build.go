package report

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/analysis/claims"
	"github.com/allocbench/allocbench/internal/analysis/compare"
	"github.com/allocbench/allocbench/internal/analysis/summary"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/stats"
)

// page is what the template renders.
type page struct {
	Title      string
	Generated  string
	Files      []fileCard
	Labels     []string
	Warnings   []string
	Baseline   string
	Confidence string
	Alpha      string
	Summary    []summaryTable
	FewRuns    bool
	Cores      []string
	Scaling    []scalingRow
	Roles      string
	Claims     []claimRow
	// Answer is the first screen: the claims in a line each, and a
	// line per workload.
	Answer []answerRow
	// MuslFile names the file that stands for musl ("" when none).
	MuslFile  string
	Direct    []directSection
	DirectNot []string
	Workloads []workloadSection
	Columns   int
	MultiFile bool
	// Generic: the results are not allocbench's cells, and Tables show
	// them as compare does, with columns as GenericCols says.
	Generic     bool
	GenericCols string
	Tables      []genericTable
}

type fileCard struct {
	Label, Path string
	Results     int
	Groups      []configGroup
}

type configGroup struct {
	Name string
	Rows []configRow
}

type configRow struct {
	Key, Value string
	Skipped    bool
}

// summaryTable is one workload's summary.
type summaryTable struct {
	Workload, ID string
	Groups       []colGroup
	Allocs       []string
	Rows         []summaryRow
	Notes        []noteItem
}

type colGroup struct {
	Label string
	Span  int
}

// summaryRow is one figure at one thread count; the first of a thread
// count carries its header.
type summaryRow struct {
	Threads int
	First   bool
	Span    int
	Name    string
	Class   string
	Cells   []summaryCell
}

type summaryCell struct {
	Text, Pm, P string
	Class       string
	Title       string
	Marks       []noteRef
}

type noteRef struct{ N, ID string }

type noteItem struct {
	N, ID, Text string
	Cells       []string // the cells, grouped by what they read
	groups      map[string][]string
	order       []string
}

type scalingRow struct {
	Workload, Column string
	Speedups, Fit    string
}

type claimRow struct {
	claims.Verdict
	HoldsText string
}

// answerRow is one workload's line on the first screen: its fastest
// allocator, musl's malloc against the baseline (with a bar on a log
// scale) and the best allocator on musl.
type answerRow struct {
	Workload, ID string
	Threads      int
	Fastest      string
	FastestSpeed string
	Musl         string
	// MuslClass is faster, slower or same; BarLeft and BarWidth place
	// musl's bar on a log scale from 1/1000 to 1000 (percent of the
	// track), its interval as IntervalLeft and IntervalWidth.
	MuslClass                   string
	BarLeft, BarWidth           float64
	IntervalLeft, IntervalWidth float64
	BestOnMusl                  string
}

// logPos places a ratio on the answer's log scale, 1/1000 to 1000, in
// percent of the track (1 is the middle).
func logPos(v float64) float64 {
	if !(v > 0) {
		return 0
	}
	return math.Max(0, math.Min(100, 50+50*math.Log10(v)/3))
}

func answerOf(h summary.Headline, base summary.Column, ids map[string]string) answerRow {
	r := answerRow{Workload: h.Workload, ID: ids[h.Workload], Threads: h.Threads, Fastest: h.Fastest.String(), FastestSpeed: summary.SpeedText(h.FastestSpeed), BestOnMusl: "-"}
	if h.Fastest == base {
		r.FastestSpeed = "the baseline: nothing is faster"
	}
	if e := h.Musl; e.OK {
		r.Musl = summary.SpeedText(e)
		r.MuslClass = "same"
		if e.Significant {
			r.MuslClass = "faster"
			if e.Value < 1 {
				r.MuslClass = "slower"
			}
		}
		lo, hi := math.Min(logPos(e.Value), 50), math.Max(logPos(e.Value), 50)
		r.BarLeft, r.BarWidth = lo, hi-lo
		if iv := e.Interval(); iv.Bounded() {
			r.IntervalLeft, r.IntervalWidth = logPos(iv.Lo), logPos(iv.Hi)-logPos(iv.Lo)
		}
	}
	if h.BestOnMuslSpeed.OK {
		r.BestOnMusl = h.BestOnMusl.Alloc + " " + summary.SpeedText(h.BestOnMuslSpeed)
	}
	return r
}

type directSection struct {
	Title  string
	Differ string
	Figs   []figure
}

type workloadSection struct {
	Name string
	ID   string
	Rows []metricRow
}

type metricRow struct {
	Title string
	Note  string
	Cells []figure
}

type figure struct {
	ID       string
	Workload string
	Metric   string
	Label    string
	SVG      template.HTML // empty when there is no data
	Empty    string        // why there is no plot
	Note     string        // what the plot leaves out, if anything
}

// basePage is what every page shows: its title, when it was made, and each
// file's configuration.
func basePage(in Input) page {
	p := page{Title: in.Title}
	if p.Title == "" {
		p.Title = DefaultTitle
	}
	if !in.Generated.IsZero() {
		p.Generated = in.Generated.Format("2006-01-02 15:04:05 MST")
	}
	for _, f := range in.Files {
		p.Files = append(p.Files, card(f))
	}
	return p
}

// write renders the page and returns the warnings it found beyond
// in.Warnings.
func write(w io.Writer, in Input) ([]results.Warning, error) {
	set, warns, err := cells.Collect(in.Files, cells.Options{})
	if err != nil {
		return warns, err
	}
	if isGeneric(set) {
		return writeGeneric(w, in, basePage(in))
	}
	sum, err := summary.Make(set, summary.Options{Baseline: in.Baseline})
	if err != nil {
		return warns, err
	}
	p := page{
		Title:      in.Title,
		Labels:     set.Labels,
		MultiFile:  len(set.Labels) > 1,
		Columns:    min(max(len(set.Labels), 2), 3),
		Baseline:   sum.Baseline.String(),
		Confidence: strconv.FormatFloat(100*set.Confidence, 'g', -1, 64) + "%",
		Alpha:      strconv.FormatFloat(set.Alpha, 'g', -1, 64),
	}
	base := basePage(in)
	p.Title, p.Generated, p.Files = base.Title, base.Generated, base.Files

	// Plots first: they count what the limits leave out.
	b := newBuilder(set, sum)
	sections, more, err := b.workloads()
	warns = append(warns, more...)
	if err != nil {
		return warns, err
	}
	if len(sections) == 0 {
		return warns, errors.New("nothing to plot: no results with the metrics " + strings.Join(compare.DefaultMetrics, ", "))
	}
	p.Workloads = sections
	p.Summary, p.FewRuns = summaryTables(set, sum, b.shown)
	for _, l := range set.Labels {
		c := sum.Cores[l]
		line := l + ": " + c.String()
		if par := c.Parallel(); par > 0 {
			line += fmt.Sprintf("; thread counts above %d measure time-sharing, not scaling", par)
		}
		p.Cores = append(p.Cores, line)
	}
	for _, sc := range sum.Scaling {
		if !b.shown[sc.Workload] {
			continue
		}
		p.Scaling = append(p.Scaling, scalingRowOf(sc))
	}
	roles := claims.FindRoles(set)
	p.Roles = roles.String()
	p.MuslFile = roles.Musl
	ids := map[string]string{}
	for _, t := range p.Summary {
		ids[t.Workload] = t.ID
	}
	for _, h := range sum.Headlines(roles.Musl) {
		if b.shown[h.Workload] {
			p.Answer = append(p.Answer, answerOf(h, sum.Baseline, ids))
		}
	}
	for _, v := range claims.Evaluate(set, roles) {
		ht := v.Holds
		if v.Holds != "n/a" {
			ht += " (" + v.Rule + ")"
		}
		p.Claims = append(p.Claims, claimRow{Verdict: v, HoldsText: ht})
	}
	p.Direct, p.DirectNot, err = b.direct()
	if err != nil {
		return warns, err
	}
	warns = append(warns, b.left.warnings()...)
	if b.nonFinite > 0 {
		warns = append(warns, results.Warning{Msg: fmt.Sprintf("%d medians cannot be plotted (a throughput of 1000/0 ns/op is infinite) and are left out", b.nonFinite)})
	}
	for _, w := range append(append([]results.Warning(nil), in.Warnings...), warns...) {
		p.Warnings = append(p.Warnings, w.String())
	}
	return warns, pageTemplate.Execute(w, p)
}

func scalingRowOf(sc summary.Scaling) scalingRow {
	var parts []string
	for _, sp := range sc.Speedups {
		parts = append(parts, fmt.Sprintf("threads=%d: %s, efficiency %.0f%%", sp.Threads, sp.Format("%.3g×"), 100*sp.Efficiency()))
	}
	if o := sc.Oversubscribed; o != nil {
		parts = append(parts, fmt.Sprintf("%d threads over %d: %s", o.Threads, o.Over, o.Format("%.3g×")))
	}
	r := scalingRow{Workload: sc.Workload, Column: sc.Column.String(), Speedups: strings.Join(parts, "; ")}
	if sc.Err != "" {
		r.Fit = "none: " + sc.Err
	} else {
		r.Fit = sc.FitText()
	}
	return r
}

func joinInts(ns []int) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, strconv.Itoa(n))
	}
	return strings.Join(parts, ",")
}

// summaryTables lays out the summary of the workloads that are shown.
func summaryTables(set *cells.Set, sum *summary.Summary, shown map[string]bool) ([]summaryTable, bool) {
	var out []summaryTable
	fewRuns := false
	for _, wl := range sum.Workloads {
		if !shown[wl.Name] {
			continue
		}
		t := summaryTable{Workload: wl.Name, ID: "summary-" + slug(wl.Name)}
		for _, c := range sum.Columns {
			if n := len(t.Groups); n > 0 && t.Groups[n-1].Label == c.Label {
				t.Groups[n-1].Span++
			} else {
				t.Groups = append(t.Groups, colGroup{c.Label, 1})
			}
			t.Allocs = append(t.Allocs, c.Alloc)
		}
		notes := map[string]*noteItem{}
		var order []string
		mark := func(col summary.Column, threads int, what string, cv cells.Caveat) noteRef {
			key := cv.Kind + "\x00" + cv.Text
			n := notes[key]
			if n == nil {
				n = &noteItem{N: strconv.Itoa(len(order) + 1), ID: fmt.Sprintf("%s-note-%d", t.ID, len(order)+1), Text: cv.Text}
				notes[key] = n
				order = append(order, key)
			}
			// Cells that read the same are listed together: "threads=1
			// rss, live set 86 KiB: glibc/libc, glibc/jemalloc".
			g := fmt.Sprintf("threads=%d %s, %s", threads, what, cv.Detail)
			if n.groups == nil {
				n.groups = map[string][]string{}
			}
			if _, ok := n.groups[g]; !ok {
				n.order = append(n.order, g)
			}
			n.groups[g] = append(n.groups[g], col.String())
			return noteRef{N: n.N, ID: n.ID}
		}
		for _, r := range wl.Rows {
			type kind struct {
				name, class string
				entries     []summary.Entry
				format      func(summary.Entry) (string, string, string, string)
			}
			kinds := []kind{{"throughput vs " + sum.Baseline.String(), "speed", r.Speed, speedCell()}}
			for k, m := range results.Medians() {
				kinds = append(kinds, kind{m.Title, m.ID, r.Medians[k], valueCell(m.Format)})
			}
			var rows []summaryRow
			for _, k := range kinds {
				any := false
				for _, e := range k.entries {
					any = any || e.OK
				}
				if !any {
					continue
				}
				row := summaryRow{Threads: r.Threads, Name: k.name, Class: k.class}
				for i, e := range k.entries {
					if !e.OK {
						row.Cells = append(row.Cells, summaryCell{Text: "—", Class: "none"})
						continue
					}
					e = summary.Plain(e, func(e summary.Entry) string { t, _, _, _ := k.format(e); return t })
					text, pm, pv, class := k.format(e)
					c := summaryCell{Text: text, Pm: pm, P: pv, Class: class}
					for _, cv := range e.Caveats {
						if cv.Kind == cells.FewRuns {
							fewRuns = true
							continue
						}
						c.Marks = append(c.Marks, mark(sum.Columns[i], r.Threads, k.class, cv))
					}
					row.Cells = append(row.Cells, c)
				}
				rows = append(rows, row)
			}
			if len(rows) > 0 {
				rows[0].First, rows[0].Span = true, len(rows)
			}
			t.Rows = append(t.Rows, rows...)
		}
		for _, k := range order {
			n := notes[k]
			for _, g := range n.order {
				n.Cells = append(n.Cells, g+": "+strings.Join(n.groups[g], ", "))
			}
			t.Notes = append(t.Notes, *n)
		}
		out = append(out, t)
	}
	return out, fewRuns
}

// speedCell shows a throughput ratio with its interval and test: the
// interval's bounds, and whether it lies wholly above or below 1.
func speedCell() func(summary.Entry) (string, string, string, string) {
	return func(e summary.Entry) (text, pm, pv, class string) {
		text = stats.FormatRatio(e.Value) + "×"
		if e.Baseline {
			return text, "", "", "base"
		}
		iv := e.Interval()
		if iv.Bounded() {
			pm = "[" + stats.FormatRatio(iv.Lo) + ", " + stats.FormatRatio(iv.Hi) + "]"
		} else {
			pm = "[no interval]"
		}
		switch {
		case !e.Significant:
			pv, class = "~ interval holds 1", "same"
		case e.Value > 1:
			pv, class = "faster", "faster"
		default:
			pv, class = "slower", "slower"
		}
		if e.Matched != "" {
			pv += "; " + e.Matched
		}
		if e.Bimodal {
			class += " bimodal"
		}
		return text, pm, pv, class
	}
}

func valueCell(format string) func(summary.Entry) (string, string, string, string) {
	return func(e summary.Entry) (text, pm, pv, class string) {
		if e.Bimodal {
			return "bimodal: " + fmt.Sprintf(format, e.Low) + " | " + fmt.Sprintf(format, e.High), "", "", "bimodal"
		}
		text = fmt.Sprintf(format, e.Value)
		if !math.IsNaN(e.Pct) && e.Value != 0 {
			pm = fmt.Sprintf("±%.0f%%", e.Pct)
		}
		return text, pm, "", ""
	}
}

// builder makes the plots.
type builder struct {
	set       *cells.Set
	sum       *summary.Summary
	sty       map[string]style
	shown     map[string]bool // workloads on the page
	left      leftOutCounts
	nonFinite int
}

func newBuilder(set *cells.Set, sum *summary.Summary) *builder {
	return &builder{set: set, sum: sum, sty: styles(set.Allocs), shown: make(map[string]bool)}
}

// workloads makes the plots of each workload: a row per metric, a plot per
// file in each row.
func (b *builder) workloads() ([]workloadSection, []results.Warning, error) {
	var out []workloadSection
	for wi, wl := range b.set.Workloads {
		if wi >= maxWorkloads {
			b.left.workloads++
			continue
		}
		b.shown[wl] = true
		sec := workloadSection{Name: wl, ID: "workload-" + slug(wl)}
		for i := range metrics {
			m := &metrics[i]
			charts := make(map[string]*chart)
			var row []*chart
			for _, l := range b.set.Labels {
				c := b.metricChart(wl, l, m)
				if len(c.Series) > 0 {
					charts[l] = c
					row = append(row, c)
				}
			}
			if len(row) > 0 {
				mr, err := b.row(m, row, charts, wl)
				if err != nil {
					return nil, nil, err
				}
				sec.Rows = append(sec.Rows, mr)
			}
			if m.ID == "throughput" {
				mr, ok, err := b.speedupRow(wl)
				if err != nil {
					return nil, nil, err
				}
				if ok {
					sec.Rows = append(sec.Rows, mr)
				}
			}
		}
		if len(sec.Rows) > 0 {
			out = append(out, sec)
		}
	}
	return out, nil, nil
}

// metricChart plots metric m of workload wl in file l, with notes on the
// figures that cannot be trusted.
func (b *builder) metricChart(wl, l string, m *metric) *chart {
	c := &chart{Workload: wl, Label: l, Metric: m}
	notes := map[string][]string{}
	var kinds []string
	for _, a := range b.set.Allocs {
		for _, n := range b.set.Threads {
			cell := cells.Cell{Label: l, Workload: wl, Alloc: a, Threads: n}
			st, ok := b.set.Get(cell, m.Unit)
			if !ok {
				continue
			}
			p, ok := transform(st, n, m)
			if !ok {
				b.nonFinite++
				continue
			}
			switch c.add(a, p) {
			case tooManySeries:
				b.left.series++
				continue
			case tooManyThreads:
				b.left.threads++
				continue
			}
			for _, cv := range b.set.Caveats(cell, m.Unit) {
				if cv.Kind == cells.FewRuns {
					continue
				}
				if _, ok := notes[cv.Text]; !ok {
					kinds = append(kinds, cv.Text)
				}
				notes[cv.Text] = append(notes[cv.Text], fmt.Sprintf("%s threads=%d (%s)", a, n, cv.Detail))
			}
		}
	}
	for _, k := range kinds {
		c.Notes = append(c.Notes, capitalise(k)+": "+strings.Join(notes[k], ", ")+".")
	}
	return c
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// row renders one row of plots that share their y axis, a figure per file.
func (b *builder) row(m *metric, row []*chart, charts map[string]*chart, wl string) (metricRow, error) {
	yr := yRange(row)
	threads := sortedThreads(row)
	dots := 0
	if m.RunDots {
		dots = maxRunDots
	}
	for _, c := range row {
		c.thinRuns(dots)
	}
	mr := metricRow{Title: m.Title, Note: m.Note}
	for _, l := range b.set.Labels {
		c := charts[l]
		fig := figure{Workload: wl, Metric: m.ID, Label: l}
		if c == nil {
			probe := chart{Workload: wl, Label: l, Metric: m}
			fig.ID = probe.ID()
			fig.Empty = fmt.Sprintf("No %s results for %s in %s.", m.unitName(), wl, l)
		} else {
			fig.ID = c.ID()
			fig.Note = strings.TrimSpace(c.thinned + " " + strings.Join(c.Notes, " "))
			svg, err := c.svg(yr, threads, b.sty)
			if err != nil {
				return mr, fmt.Errorf("plotting %s: %w", fig.ID, err)
			}
			fig.SVG = template.HTML(svg)
		}
		mr.Cells = append(mr.Cells, fig)
	}
	return mr, nil
}

func (m *metric) unitName() string {
	if m.Unit != "" {
		return m.Unit
	}
	return strings.ToLower(m.Title)
}

// speedupRow plots each file's speedups in wl with the ideal line, the
// fitted law and the cores.
func (b *builder) speedupRow(wl string) (metricRow, bool, error) {
	charts := make(map[string]*chart)
	var row []*chart
	for _, l := range b.set.Labels {
		c := &chart{Workload: wl, Label: l, Metric: &speedupMetric, LinearX: true, LinearY: true, Ideal: true,
			Curves: map[string]func(float64) float64{}, Cores: b.sum.Cores[l].Parallel()}
		var fits []string
		for _, sc := range b.sum.Scaling {
			if sc.Workload != wl || sc.Column.Label != l {
				continue
			}
			for _, m := range sc.Medians {
				var runs []float64
				for _, p := range sc.Points {
					if p.Threads == m.Threads {
						runs = append(runs, p.Speedup)
					}
				}
				pt := point{Threads: m.Threads, N: len(runs), Center: m.Speedup, Lo: math.NaN(), Hi: math.NaN(), Values: runs}
				if c.add(sc.Column.Alloc, pt) != added {
					b.left.series++
				}
			}
			if sc.Err == "" {
				c.Curves[sc.Column.Alloc] = sc.Fit.Speedup
				fits = append(fits, sc.Column.Alloc+" "+sc.Fit.String())
			}
		}
		if len(c.Series) == 0 {
			continue
		}
		if len(fits) > 0 {
			c.Notes = append(c.Notes, "Fits: "+strings.Join(fits, "; ")+".")
		}
		if c.Cores > 0 {
			for _, n := range sortedThreads([]*chart{c}) {
				if n > c.Cores {
					c.Notes = append(c.Notes, fmt.Sprintf("%s's machine runs %d threads at once (%s): thread counts above %d measure time-sharing, not scaling.", l, c.Cores, b.sum.Cores[l], c.Cores))
					break
				}
			}
		} else {
			c.Notes = append(c.Notes, "The file does not say how many cores the machine has.")
		}
		charts[l] = c
		row = append(row, c)
	}
	if len(row) == 0 {
		return metricRow{}, false, nil
	}
	mr, err := b.row(&speedupMetric, row, charts, wl)
	mr.Note = "Speedup is each run's throughput over the median throughput at one thread; marks are the medians, faint dots the runs, the line the Universal Scalability Law fitted to the runs, and the dashed line ideal scaling."
	return mr, true, err
}

// direct plots, for each pair of files that differ only in C library or
// distribution, the ratio of their throughputs per workload.
func (b *builder) direct() ([]directSection, []string, error) {
	pairs, not := summary.Pairs(b.set, b.sum.Baseline.Label)
	var out []directSection
	for _, p := range pairs {
		sec := directSection{Title: p.Other + " over " + p.Ref, Differ: strings.Join(p.Differ, "; ")}
		label := p.Other + " / " + p.Ref
		m := ratioMetric
		m.YLabel = fmt.Sprintf("throughput ratio (above 1: %s faster)", p.Other)
		var row []*chart
		for _, wl := range b.set.Workloads {
			if !b.shown[wl] {
				continue
			}
			c := &chart{Workload: wl, Label: label, Metric: &m, Ref: 1}
			for _, r := range summary.Ratios(b.set, p, wl) {
				pt := point{Threads: r.Threads, N: r.N, Center: r.Value, Lo: r.Lo, Hi: r.Hi, Values: r.Runs}
				switch c.add(r.Alloc, pt) {
				case tooManySeries:
					b.left.series++
				case tooManyThreads:
					b.left.threads++
				}
			}
			if len(c.Series) > 0 {
				row = append(row, c)
			}
		}
		if len(row) == 0 {
			continue
		}
		// One y axis for the pair, so that workloads compare at a glance.
		yr := yRange(row)
		threads := sortedThreads(row)
		for _, c := range row {
			c.thinRuns(maxRunDots)
			svg, err := c.svg(yr, threads, b.sty)
			if err != nil {
				return nil, nil, fmt.Errorf("plotting %s: %w", c.ID(), err)
			}
			sec.Figs = append(sec.Figs, figure{ID: c.ID(), Workload: c.Workload, Metric: ratioMetric.ID, Label: label, SVG: template.HTML(svg), Note: c.thinned})
		}
		out = append(out, sec)
	}
	return out, not, nil
}
