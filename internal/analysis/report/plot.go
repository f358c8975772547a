package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/results"
)

// A metric is one kind of plot: which unit it reads and how it shows it.
type metric struct {
	ID     string // used in element ids
	Unit   string // unit in the result files
	Title  string
	YLabel string
	// Transform maps a value in Unit to the plotted value; Decreasing
	// says it reverses order, so interval bounds swap.
	Transform  func(float64) float64
	Decreasing bool
	// Note is said under the row of plots.
	Note string
	// RunDots draws each run as a faint dot beside the medians.
	RunDots bool
}

// metrics are the plots made for each workload and file, in page order:
// one per headline metric (results.Headlines), ns/op as throughput.
var metrics = plotMetrics()

func plotMetrics() []metric {
	var out []metric
	for _, m := range results.Headlines() {
		pm := metric{ID: m.ID, Unit: m.Unit, Title: m.PlotTitle, YLabel: m.YLabel(m.Better)}
		if m.Unit == results.NsPerOp {
			// Mops/s: 1000 / ns per op, which reverses the order.
			pm.Transform = func(ns float64) float64 { return 1000 / ns }
			pm.Decreasing, pm.RunDots = true, true
			pm.YLabel = m.YLabel(m.Better.Reversed())
		}
		out = append(out, pm)
	}
	return out
}

// The plots that are not one metric against threads.
var (
	speedupMetric = metric{ID: "speedup", Title: "Speedup", YLabel: "speedup over threads=1"}
	ratioMetric   = metric{ID: "ratio", Title: "Ratio", YLabel: "throughput ratio (above 1: faster)", RunDots: true}
)

// A point is one thread count of one allocator, already transformed.
type point struct {
	Threads        int
	N              int
	Center, Lo, Hi float64 // Lo, Hi are NaN when there is no finite interval
	Values         []float64
}

// A series is one allocator's line.
type series struct {
	Alloc  string
	Points []point // by thread count
}

// A chart is one plot: a metric for one workload in one file.
type chart struct {
	Workload, Label string
	Metric          *metric
	Series          []series
	// thinned says how run dots were thinned, or is empty.
	thinned string
	// Notes are caveats about the plotted figures.
	Notes []string
	// Options of the speedup and ratio plots: a linear thread axis, a
	// dashed reference line (y = x for Ideal, y = Ref otherwise), fitted
	// curves drawn instead of lines through the medians, and a vertical
	// line at Cores.
	LinearX, LinearY bool
	Ideal            bool
	Ref              float64
	Curves           map[string]func(float64) float64
	Cores            int
}

// thinRuns keeps at most limit run dots at each thread count of each
// series, at evenly spaced ranks from the lowest value to the highest; a
// limit of 0 keeps none. It notes what it did in c.thinned.
func (c *chart) thinRuns(limit int) {
	shown, total := 0, 0
	for si := range c.Series {
		s := &c.Series[si]
		for pi := range s.Points {
			p := &s.Points[pi]
			total += len(p.Values)
			if limit == 0 {
				p.Values = nil
				continue
			}
			p.Values = evenlyRanked(p.Values, min(len(p.Values), limit))
			shown += len(p.Values)
		}
	}
	switch {
	case total > 0 && shown == 0:
		c.thinned = "Runs are drawn as dots on the throughput and ratio plots; here the error bars are the medians' intervals."
	case shown < total:
		c.thinned = fmt.Sprintf("Dots show %d of %d runs: at most %d per thread count, evenly spaced by rank.", shown, total, limit)
	}
}

// evenlyRanked returns k of the sorted values vals, from the first to the
// last at evenly spaced ranks (the middle one when k is 1).
func evenlyRanked(vals []float64, k int) []float64 {
	n := len(vals)
	if k >= n {
		return vals
	}
	out := make([]float64, k)
	if k == 1 {
		out[0] = vals[n/2]
		return out
	}
	for j := range out {
		out[j] = vals[j*(n-1)/(k-1)]
	}
	return out
}

func (c *chart) ID() string {
	return "plot-" + slug(c.Workload) + "-" + c.Metric.ID + "-" + slug(c.Label)
}

var nonSlug = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

func slug(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(s, "_"), "_")
}

// axisRange is the y extent shared by the charts of one row.
type axisRange struct {
	Min, Max float64
	Log      bool
}

// yRange returns the extent of the data of charts and whether a log axis
// suits it: all values positive and spanning at least a decade.
func yRange(charts []*chart) axisRange {
	lo, hi := math.Inf(1), math.Inf(-1)
	positive := true
	linear := false
	see := func(v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		if v <= 0 {
			positive = false
		}
	}
	for _, c := range charts {
		linear = linear || c.LinearY
		if c.Ref > 0 {
			see(c.Ref)
		}
		for _, s := range c.Series {
			for _, p := range s.Points {
				see(p.Center)
				see(p.Lo)
				see(p.Hi)
				for _, v := range p.Values {
					see(v)
				}
			}
		}
	}
	if math.IsInf(lo, 0) {
		return axisRange{0, 1, false}
	}
	if positive && hi/lo >= 10 && !linear {
		return axisRange{lo / 1.25, hi * 1.25, true}
	}
	r := axisRange{math.Min(0, lo), hi * 1.08, false}
	if r.Max <= r.Min {
		r.Max = r.Min + 1
	}
	return r
}

// style is how one allocator looks in every plot.
type style struct {
	Color  color.Color
	Glyph  draw.GlyphDrawer
	Dashes []vg.Length
}

func rgb(hex uint32) color.RGBA {
	return color.RGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 255}
}

// The built-in allocators take the colour their record gives (colour-blind
// safe, Okabe & Ito) and a marker of their own, in record order; floor is
// dashed. Other names (a user's libraries) take the spare styles in turn.
var glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.TriangleGlyph{},
	draw.RingGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}

var knownStyles = func() map[string]style {
	out := map[string]style{}
	for i, s := range alloc.Builtin() {
		st := style{Color: rgb(s.Colour), Glyph: glyphs[i%len(glyphs)]}
		if s.Kind == alloc.Harness {
			st.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		out[s.Name] = st
	}
	return out
}()

var extraStyles = []style{
	{rgb(0x000000), draw.PlusGlyph{}, nil},
	{rgb(0xF0E442), draw.CircleGlyph{}, []vg.Length{vg.Points(2), vg.Points(2)}},
	{rgb(0x882255), draw.SquareGlyph{}, []vg.Length{vg.Points(4), vg.Points(2)}},
	{rgb(0x44AA99), draw.TriangleGlyph{}, []vg.Length{vg.Points(4), vg.Points(2)}},
}

// styles assigns a style to every allocator, the same on every plot.
func styles(allocs []string) map[string]style {
	out := make(map[string]style)
	i := 0
	for _, a := range allocs {
		if s, ok := knownStyles[a]; ok {
			out[a] = s
			continue
		}
		out[a] = extraStyles[i%len(extraStyles)]
		i++
	}
	return out
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	// Premultiplied, as color.RGBA requires.
	return color.RGBA{R: uint8(r >> 8 * uint32(a) / 255), G: uint8(g >> 8 * uint32(a) / 255), B: uint8(b >> 8 * uint32(a) / 255), A: a}
}

// Plot geometry, in points.
const (
	plotWidth    = 420
	plotHeight   = 250
	legendMargin = 8
)

var (
	sans      = font.Font{Typeface: "Liberation", Variant: "Sans"}
	boldSans  = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
	gridColor = color.Gray{Y: 225}
)

// svg renders c with the given y axis, x positions for thread counts and
// allocator styles as an inline <svg> element.
func (c *chart) svg(yr axisRange, threads []int, sty map[string]style) (string, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s, %s", c.Metric.Title, c.Workload, c.Label)
	p.Title.TextStyle.Font = font.From(boldSans, 11)
	p.Title.Padding = vg.Points(6)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 9.5)
		ax.Tick.Label.Font = font.From(sans, 8.5)
		ax.Padding = vg.Points(3)
	}
	p.X.Label.Text = "threads (log scale)"
	p.Y.Label.Text = c.Metric.YLabel

	// Threads on a log2 axis, one labelled tick per measured count; or
	// on a linear axis from 0.
	tx := func(n float64) float64 { return math.Log2(n) }
	maxN := float64(threads[len(threads)-1])
	if c.LinearX {
		tx = func(n float64) float64 { return n }
		p.X.Label.Text = "threads"
		p.X.Tick.Marker = plot.TickerFunc(linearTicks)
		p.X.Min, p.X.Max = 0, maxN*1.05
	} else {
		var xt []plot.Tick
		for _, t := range threads {
			xt = append(xt, plot.Tick{Value: math.Log2(float64(t)), Label: strconv.Itoa(t)})
		}
		p.X.Tick.Marker = plot.ConstantTicks(xt)
		p.X.Min = math.Log2(float64(threads[0])) - 0.3
		p.X.Max = math.Log2(maxN) + 0.3
	}

	// A log y axis is drawn as log10 of the values on a linear axis
	// with ticks labelled in the original values: gonum's LogScale
	// misplaces the axis label's glyph box and shrinks the plot.
	ty := func(v float64) float64 { return v }
	if yr.Log {
		ty = math.Log10
		p.Y.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
			ticks := logTicks(math.Pow(10, min), math.Pow(10, max))
			for i := range ticks {
				ticks[i].Value = math.Log10(ticks[i].Value)
			}
			return ticks
		})
	} else {
		p.Y.Tick.Marker = plot.TickerFunc(linearTicks)
	}

	grid := plotter.NewGrid()
	grid.Vertical.Color = gridColor
	grid.Horizontal.Color = gridColor
	grid.Vertical.Width = vg.Points(0.5)
	grid.Horizontal.Width = vg.Points(0.5)
	p.Add(grid)

	legend := plot.NewLegend()
	legend.TextStyle.Font = font.From(sans, 9)
	legend.Top, legend.Left = true, true
	legend.ThumbnailWidth = vg.Points(22)
	legend.Padding = vg.Points(3)
	legendNames := []string{}

	// Reference lines, under the data.
	// Dash-dot grey, unlike any allocator's line.
	refStyle := draw.LineStyle{Color: color.Gray{Y: 120}, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2)}}
	xLo, xHi := p.X.Min, p.X.Max
	if c.Ideal {
		var ideal plotter.XYs
		for i := 0; i <= 64; i++ {
			n := maxN * 1.05 * float64(i) / 64
			if c.LinearX || n >= 1 {
				ideal = append(ideal, plotter.XY{X: tx(math.Max(n, 1e-9)), Y: ty(math.Max(n, 1e-9))})
			}
		}
		l, err := plotter.NewLine(ideal)
		if err != nil {
			return "", err
		}
		l.LineStyle = refStyle
		p.Add(l)
		legend.Add("ideal", l)
		legendNames = append(legendNames, "ideal")
	}
	if c.Ref > 0 {
		l, err := plotter.NewLine(plotter.XYs{{X: xLo, Y: ty(c.Ref)}, {X: xHi, Y: ty(c.Ref)}})
		if err != nil {
			return "", err
		}
		l.LineStyle = refStyle
		p.Add(l)
		name := "= " + strconv.FormatFloat(c.Ref, 'g', -1, 64)
		legend.Add(name, l)
		legendNames = append(legendNames, name)
	}
	if c.Cores > 0 && float64(c.Cores) < maxN {
		x := tx(float64(c.Cores))
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: ty(yr.Min)}, {X: x, Y: ty(yr.Max)}})
		if err != nil {
			return "", err
		}
		l.LineStyle = draw.LineStyle{Color: color.Gray{Y: 120}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}}
		p.Add(l)
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: ty(yr.Max)}}, Labels: []string{fmt.Sprintf(" %d cores", c.Cores)}})
		if err != nil {
			return "", err
		}
		for i := range lab.TextStyle {
			lab.TextStyle[i].Font = font.From(sans, 8)
			lab.TextStyle[i].Color = color.Gray{Y: 90}
			lab.TextStyle[i].YAlign = draw.YTop
		}
		p.Add(lab)
	}

	n := len(c.Series)
	span := p.X.Max - p.X.Min
	for i, s := range c.Series {
		st := sty[s.Alloc]
		dodge := (float64(i) - float64(n-1)/2) * 0.012 * span
		var line, runs plotter.XYs
		var bars plotterErrs
		for _, pt := range s.Points {
			x := tx(float64(pt.Threads)) + dodge
			y := ty(pt.Center)
			line = append(line, plotter.XY{X: x, Y: y})
			for _, v := range pt.Values {
				runs = append(runs, plotter.XY{X: x, Y: ty(v)})
			}
			if !math.IsNaN(pt.Lo) && !math.IsNaN(pt.Hi) && pt.Hi > pt.Lo {
				bars.XYs = append(bars.XYs, plotter.XY{X: x, Y: y})
				bars.YErrors = append(bars.YErrors, struct{ Low, High float64 }{y - ty(pt.Lo), ty(pt.Hi) - y})
			}
		}
		ls := draw.LineStyle{Color: st.Color, Width: vg.Points(1.6), Dashes: st.Dashes}
		joined := line
		if f := c.Curves[s.Alloc]; f != nil {
			joined = nil
			for k := 0; k <= 96; k++ {
				nth := 1 + (maxN*1.05-1)*float64(k)/96
				if v := f(nth); v > 0 && !math.IsInf(v, 0) {
					joined = append(joined, plotter.XY{X: tx(nth), Y: ty(v)})
				}
			}
		} else if c.Curves != nil {
			joined = nil
		}
		var l *plotter.Line
		if len(joined) > 0 {
			var err error
			l, err = plotter.NewLine(joined)
			if err != nil {
				return "", err
			}
			l.LineStyle = ls
		}
		marks, err := plotter.NewScatter(line)
		if err != nil {
			return "", err
		}
		marks.GlyphStyle = draw.GlyphStyle{Color: st.Color, Radius: vg.Points(3.2), Shape: st.Glyph}
		if len(runs) > 0 {
			dots, err := plotter.NewScatter(runs)
			if err != nil {
				return "", err
			}
			dots.GlyphStyle = draw.GlyphStyle{Color: withAlpha(st.Color, 110), Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
			p.Add(dots)
		}
		if len(bars.XYs) > 0 {
			eb, err := plotter.NewYErrorBars(bars)
			if err != nil {
				return "", err
			}
			eb.LineStyle = draw.LineStyle{Color: st.Color, Width: vg.Points(1)}
			eb.CapWidth = vg.Points(5)
			p.Add(eb)
		}
		if l != nil {
			p.Add(l, marks)
			legend.Add(s.Alloc, l, marks)
		} else {
			p.Add(marks)
			legend.Add(s.Alloc, marks)
		}
		legendNames = append(legendNames, s.Alloc)
	}
	// Set the shared ranges last: Add widens them to the data.
	p.Y.Min, p.Y.Max = ty(yr.Min), ty(yr.Max)
	p.X.Min, p.X.Max = xLo, xHi

	canvas := vgsvg.NewWith(vgsvg.UseWH(plotWidth, plotHeight))
	dc := draw.New(canvas)
	dc = draw.Crop(dc, 4, -6, 2, -6)
	var lw vg.Length
	for _, name := range legendNames {
		lw = max(lw, legend.TextStyle.Width(name))
	}
	lw += legend.ThumbnailWidth + legend.TextStyle.Width(" ") + legendMargin
	p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
	// The legend sits right of the data, level with its top.
	top := p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding + 4
	legend.Draw(draw.Crop(dc, dc.Size().X-lw+legendMargin, 0, 0, -top))

	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return "", err
	}
	return inlineSVG(buf.String(), p.Title.Text+" — "+c.Metric.YLabel, c.ID()), nil
}

// plotterErrs feeds plotter.NewYErrorBars.
type plotterErrs struct {
	plotter.XYs
	YErrors []struct{ Low, High float64 }
}

func (e plotterErrs) YError(i int) (float64, float64) { return e.YErrors[i].Low, e.YErrors[i].High }

var (
	xmlHeader  = regexp.MustCompile(`(?s)^\s*<\?xml[^>]*\?>\s*(<!--.*?-->\s*)?`)
	svgOpen    = regexp.MustCompile(`^<svg `)
	fontFamily = regexp.MustCompile(`font-family:Liberation Sans;`)
)

// inlineSVG prepares a standalone SVG document for an HTML page: no XML
// prologue, an id, an accessible title and fonts that fall back to
// metric-compatible ones where Liberation Sans is not installed.
func inlineSVG(doc, title, id string) string {
	doc = xmlHeader.ReplaceAllString(doc, "")
	doc = svgOpen.ReplaceAllString(doc, fmt.Sprintf(`<svg id="%s" class="plot" role="img" aria-labelledby="%s-title" `, id, id))
	if i := strings.Index(doc, ">"); i >= 0 {
		doc = doc[:i+1] + fmt.Sprintf("\n<title id=\"%s-title\">%s</title>", id, xmlEscape(title)) + doc[i+1:]
	}
	doc = fontFamily.ReplaceAllString(doc, `font-family:'Liberation Sans',Arimo,Arial,Helvetica,sans-serif;`)
	return compactSVG(doc, id)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// logTicks labels 1, 2 and 5 times powers of ten (only powers of ten over
// wide ranges, every integer multiple over narrow ones), with unlabelled
// minor ticks at the other multiples.
func logTicks(min, max float64) []plot.Tick {
	if min <= 0 || max <= min {
		return nil
	}
	lo, hi := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	labelled := map[int]bool{1: true, 2: true, 5: true}
	if hi-lo > 3 {
		labelled = map[int]bool{1: true}
	}
	var ticks []plot.Tick
	count := 0
	for pass := 0; pass < 2; pass++ {
		ticks, count = ticks[:0], 0
		for e := lo; e <= hi; e++ {
			for m := 1; m <= 9; m++ {
				v := float64(m) * math.Pow(10, float64(e))
				if v < min || v > max {
					continue
				}
				t := plot.Tick{Value: v}
				if labelled[m] {
					t.Label = tickLabel(v)
					count++
				}
				ticks = append(ticks, t)
			}
		}
		if count >= 3 {
			break
		}
		labelled = map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true}
	}
	return ticks
}

// linearTicks labels round values (steps of 1, 2, 2.5 or 5 times a power
// of ten): the largest step that still gives four labels or more.
func linearTicks(min, max float64) []plot.Tick {
	if !(max > min) {
		return nil
	}
	count := func(step float64) int {
		return int(math.Floor(max/step+1e-9) - math.Ceil(min/step-1e-9) + 1)
	}
	mag := math.Pow(10, math.Ceil(math.Log10(max-min)))
	step := mag
	for _, m := range []float64{1, 0.5, 0.25, 0.2, 0.1, 0.05, 0.025, 0.02, 0.01} {
		step = m * mag
		if count(step) >= 4 {
			break
		}
	}
	decimals := max0(-int(math.Floor(math.Log10(step) + 1e-9)))
	if lead := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9)); math.Abs(lead-2.5) < 1e-6 {
		decimals++
	}
	var ticks []plot.Tick
	for i := math.Ceil(min/step - 1e-9); i*step <= max+step*1e-9; i++ {
		v := i * step
		if v == 0 {
			v = 0 // not -0
		}
		label := strconv.FormatFloat(v, 'f', decimals, 64)
		if v >= 1000 {
			label = tickLabel(v)
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	return ticks
}

func max0(x int) int {
	if x < 0 {
		return 0
	}
	return x
}

func tickLabel(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 4, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 4, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// sortedThreads returns the distinct thread counts of charts, ascending.
func sortedThreads(charts []*chart) []int {
	seen := make(map[int]bool)
	var out []int
	for _, c := range charts {
		for _, s := range c.Series {
			for _, p := range s.Points {
				if !seen[p.Threads] {
					seen[p.Threads] = true
					out = append(out, p.Threads)
				}
			}
		}
	}
	sort.Ints(out)
	return out
}
