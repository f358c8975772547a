// Package report writes allocbench results as one self-contained HTML page:
// where each file was measured (its configuration lines), inline SVG plots
// of throughput, futex share, p99 latency and memory overhead against thread
// count for every workload and file, and a table of claims checked against
// the measurements. The page needs no scripts, no network and no other
// files.
package report

import (
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/allocbench/allocbench/bench/compare"
	"github.com/allocbench/allocbench/internal/usage"
)

// A Claim is a published statement about an allocator and whether the
// measurements bear it out.
type Claim struct {
	ID        string
	Claim     string
	Published string // what the source reports
	Measured  string // what this run measured
	Holds     string // "yes", "no" or "n/a"
	Cell      string // where in the results the measurement comes from
}

// Input is what a report shows.
type Input struct {
	Title string
	// Generated is shown as the generation time; zero omits it.
	Generated time.Time
	// Files are the labelled result files, as compare.ReadFiles
	// returns them.
	Files []*compare.File
	// Warnings about the input (from compare.ReadFiles) to show on
	// the page; Write adds its own.
	Warnings []compare.Warning
	// Claims, if any, are shown as a table after the plots.
	Claims []Claim
}

// DefaultTitle is the page title when Input.Title is empty.
const DefaultTitle = "allocbench report"

// Write writes the report page for in to w. It fails when no file has
// benchmark results.
func Write(w io.Writer, in Input) error {
	_, err := write(w, in)
	return err
}

// Description says in one line what the report subcommand does.
const Description = "allocbench report writes a self-contained HTML report with plots of Go benchmark result files."

// Usage is the command line of the report subcommand.
const Usage = "allocbench report [-o report.html] [-title text] [label=]file..."

// Run implements "allocbench report": it reads the files named in args,
// writes the page and prints its path. Warnings about the input go to
// stderr and onto the page.
func Run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "report.html", "write the report to `file`")
	title := fs.String("title", DefaultTitle, "page `title`")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nusage: %s\n\nThe page needs no network: it holds the configuration of each file and plots of\nevery workload. A file is labelled by its base name without extension, or by\nlabel= before it.\n\nflags:\n", Description, Usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usage.Wrap(err)
	}
	if fs.NArg() == 0 {
		return usage.Errorf("report: no input files (usage: %s)", Usage)
	}
	files, warns := compare.ReadFiles(compare.ParseSources(fs.Args()))
	for _, w := range warns {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	var page strings.Builder
	more, err := write(&page, Input{Title: *title, Generated: time.Now(), Files: files, Warnings: warns})
	for _, w := range more {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := replaceFile(*out, page.String()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintln(stdout, *out)
	return nil
}

// replaceFile writes data to a new file beside path and renames it over
// path: a symbolic link at path is replaced, never followed, and a reader
// never sees half a page.
func replaceFile(path, data string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*")
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// page is what the template renders.
type page struct {
	Title     string
	Generated string
	Files     []fileCard
	Warnings  []string
	Workloads []workloadSection
	Claims    []Claim
	Columns   int
	MultiFile bool
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

type workloadSection struct {
	Name string
	ID   string
	Rows []metricRow
}

type metricRow struct {
	Title string
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

// write renders the page and returns the warnings it found beyond
// in.Warnings.
func write(w io.Writer, in Input) ([]compare.Warning, error) {
	var labels []string
	seen := make(map[string]bool)
	for _, f := range in.Files {
		if !seen[f.Label] {
			seen[f.Label] = true
			labels = append(labels, f.Label)
		}
	}
	// Arrange the summaries into charts, as they come.
	type chartKey struct{ workload, metric, label string }
	charts := make(map[chartKey]*chart)
	var workloads, allocs []string
	seenW, seenA := make(map[string]bool), make(map[string]bool)
	skipped, nonFinite := 0, 0
	var leftOut leftOutCounts
	warns, err := compare.EachSummary(in.Files, compare.Options{
		Row: "/workload /threads@num",
		Col: compare.LabelKey + " /alloc",
	}, func(s compare.Summary) error {
		m := metricFor(s.Unit)
		if m == nil {
			return nil
		}
		wl, alloc, label := s.Fields["/workload"], s.Fields["/alloc"], s.Fields[compare.LabelKey]
		threads, err := strconv.Atoi(s.Fields["/threads"])
		if wl == "" || alloc == "" || err != nil || threads <= 0 {
			skipped++
			return nil
		}
		if !seenW[wl] {
			if len(workloads) == maxWorkloads {
				leftOut.workloads++
				return nil
			}
			seenW[wl] = true
			workloads = append(workloads, wl)
		}
		p, ok := transform(s, m)
		if !ok {
			nonFinite++
			return nil
		}
		k := chartKey{wl, m.ID, label}
		c := charts[k]
		if c == nil {
			c = &chart{Workload: wl, Label: label, Metric: m}
			charts[k] = c
		}
		switch c.add(alloc, p) {
		case tooManySeries:
			leftOut.series++
			return nil
		case tooManyThreads:
			leftOut.threads++
			return nil
		}
		if !seenA[alloc] {
			seenA[alloc] = true
			allocs = append(allocs, alloc)
		}
		return nil
	})
	if err != nil {
		return warns, err
	}
	if skipped > 0 {
		warns = append(warns, compare.Warning{Msg: fmt.Sprintf("%d summaries without a /workload, /alloc or numeric /threads in their name are not plotted", skipped)})
	}
	if nonFinite > 0 {
		warns = append(warns, compare.Warning{Msg: fmt.Sprintf("%d medians cannot be plotted (a throughput of 1000/0 ns/op is infinite) and are left out", nonFinite)})
	}
	warns = append(warns, leftOut.warnings()...)
	if len(charts) == 0 {
		return warns, errors.New("nothing to plot: no results with the metrics " + strings.Join(compare.DefaultMetrics, ", "))
	}

	sty := styles(allocs)
	p := page{
		Title:     in.Title,
		Claims:    in.Claims,
		MultiFile: len(labels) > 1,
		Columns:   min(max(len(labels), 2), 3),
	}
	if p.Title == "" {
		p.Title = DefaultTitle
	}
	if !in.Generated.IsZero() {
		p.Generated = in.Generated.Format("2006-01-02 15:04:05 MST")
	}
	for _, f := range in.Files {
		p.Files = append(p.Files, card(f))
	}
	for _, w := range append(append([]compare.Warning(nil), in.Warnings...), warns...) {
		p.Warnings = append(p.Warnings, w.String())
	}
	for _, wl := range workloads {
		sec := workloadSection{Name: wl, ID: "workload-" + slug(wl)}
		for i := range metrics {
			m := &metrics[i]
			var row []*chart
			for _, l := range labels {
				if c := charts[chartKey{wl, m.ID, l}]; c != nil {
					row = append(row, c)
				}
			}
			if len(row) == 0 {
				continue
			}
			yr := yRange(row)
			threads := sortedThreads(row)
			for _, c := range row {
				c.thinRuns(maxRunDots)
			}
			mr := metricRow{Title: m.Title}
			for _, l := range labels {
				c := charts[chartKey{wl, m.ID, l}]
				fig := figure{Workload: wl, Metric: m.ID, Label: l}
				if c == nil {
					probe := chart{Workload: wl, Label: l, Metric: m}
					fig.ID = probe.ID()
					fig.Empty = fmt.Sprintf("No %s results for %s in %s.", m.Unit, wl, l)
				} else {
					fig.ID = c.ID()
					fig.Note = c.thinned
					svg, err := c.svg(yr, threads, sty)
					if err != nil {
						return warns, fmt.Errorf("plotting %s: %w", fig.ID, err)
					}
					fig.SVG = template.HTML(svg)
				}
				mr.Cells = append(mr.Cells, fig)
			}
			sec.Rows = append(sec.Rows, mr)
		}
		p.Workloads = append(p.Workloads, sec)
	}
	return warns, pageTemplate.Execute(w, p)
}

func metricFor(unit string) *metric {
	for i := range metrics {
		if metrics[i].Unit == unit {
			return &metrics[i]
		}
	}
	return nil
}

// transform converts a summary into a plotted point; ok is false when its
// median cannot be plotted.
func transform(s compare.Summary, m *metric) (p point, ok bool) {
	f := m.Transform
	if f == nil {
		f = func(v float64) float64 { return v }
	}
	finite := func(v float64) float64 {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return math.NaN()
		}
		r := f(v)
		if math.IsInf(r, 0) {
			return math.NaN()
		}
		return r
	}
	p = point{N: s.N, Center: finite(s.Center), Lo: finite(s.Lo), Hi: finite(s.Hi)}
	if math.IsNaN(p.Center) {
		return p, false
	}
	if m.Decreasing {
		p.Lo, p.Hi = p.Hi, p.Lo
		// Values are ascending in the metric's unit: keep them
		// ascending in the plotted one.
		for i := len(s.Values) - 1; i >= 0; i-- {
			if r := f(s.Values[i]); !math.IsInf(r, 0) && !math.IsNaN(r) {
				p.Values = append(p.Values, r)
			}
		}
	} else {
		for _, v := range s.Values {
			if r := f(v); !math.IsInf(r, 0) && !math.IsNaN(r) {
				p.Values = append(p.Values, r)
			}
		}
	}
	threads, _ := strconv.Atoi(s.Fields["/threads"])
	p.Threads = threads
	return p, true
}

// Limits on what one page plots, so that any input gives a page of bounded
// size: workloads, allocators per plot, thread counts per line, and run
// dots per line.
const (
	maxWorkloads   = 48
	maxSeries      = 12
	maxThreadCount = 32
	maxRunDots     = 300
)

type addResult int

const (
	added addResult = iota
	tooManySeries
	tooManyThreads
)

// leftOutCounts counts the summaries the limits left out.
type leftOutCounts struct{ workloads, series, threads int }

func (l leftOutCounts) warnings() []compare.Warning {
	var out []compare.Warning
	if l.workloads > 0 {
		out = append(out, compare.Warning{Msg: fmt.Sprintf("only the first %d workloads are plotted; %d summaries of the others are left out (narrow the input)", maxWorkloads, l.workloads)})
	}
	if l.series > 0 {
		out = append(out, compare.Warning{Msg: fmt.Sprintf("a plot shows at most %d allocators; %d summaries of others are left out", maxSeries, l.series)})
	}
	if l.threads > 0 {
		out = append(out, compare.Warning{Msg: fmt.Sprintf("a line shows at most %d thread counts; %d summaries at others are left out", maxThreadCount, l.threads)})
	}
	return out
}

func (c *chart) add(alloc string, p point) addResult {
	for i := range c.Series {
		if c.Series[i].Alloc == alloc {
			if len(c.Series[i].Points) == maxThreadCount {
				return tooManyThreads
			}
			c.Series[i].Points = append(c.Series[i].Points, p)
			return added
		}
	}
	if len(c.Series) == maxSeries {
		return tooManySeries
	}
	c.Series = append(c.Series, series{Alloc: alloc, Points: []point{p}})
	return added
}

// configGroups says where each configuration key is shown; keys not
// listed go to "Other".
var configGroups = []struct {
	name string
	keys []string // exact keys, or prefixes ending in "-"
}{
	{"C library and system", []string{"libc", "libc-version", "libc-path", "distro", "kernel", "goos", "goarch"}},
	{"CPU", []string{"cpu-brand", "cpu", "cpu-", "numcpu", "gomaxprocs"}},
	{"Limits", []string{"cgroup-"}},
	{"Allocators", []string{"alloc-"}},
	{"Measurement", []string{"futex-method", "futex-"}},
}

func card(f *compare.File) fileCard {
	fc := fileCard{Label: f.Label, Path: f.Path, Results: len(f.Results)}
	placed := make(map[string]bool)
	for _, g := range configGroups {
		grp := configGroup{Name: g.name}
		// Exact keys in the listed order, then prefixed keys in file order.
		for _, k := range g.keys {
			if strings.HasSuffix(k, "-") {
				for _, c := range f.Config {
					if strings.HasPrefix(c.Key, k) && !placed[c.Key] {
						placed[c.Key] = true
						grp.Rows = append(grp.Rows, row(c))
					}
				}
				continue
			}
			for _, c := range f.Config {
				if c.Key == k && !placed[c.Key] {
					placed[c.Key] = true
					grp.Rows = append(grp.Rows, row(c))
				}
			}
		}
		if len(grp.Rows) > 0 {
			fc.Groups = append(fc.Groups, grp)
		}
	}
	other := configGroup{Name: "Other"}
	for _, c := range f.Config {
		if !placed[c.Key] {
			other.Rows = append(other.Rows, row(c))
		}
	}
	if len(other.Rows) > 0 {
		fc.Groups = append(fc.Groups, other)
	}
	return fc
}

func row(c compare.Config) configRow {
	return configRow{Key: c.Key, Value: c.Value, Skipped: strings.HasPrefix(c.Key, "alloc-") && strings.HasPrefix(c.Value, "skipped")}
}
