// Package report writes allocbench results as one self-contained HTML page
// that answers the question first: a summary table per workload (each
// allocator's throughput relative to a baseline with the median's interval
// and the significance test, futex share, p99 latency, memory per live
// byte), the scaling fits, the published claims checked against the files,
// then plots: direct comparisons of files that differ only in C library or
// distribution, and throughput, speedup, futex share, p99 latency and
// memory overhead against thread count for every workload and file. Each
// file's configuration is folded away at the end. Figures whose inputs were
// too small, and bimodal cells, carry a note. The page needs no scripts,
// no network and no other files.
package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/analysis/compare"
	"github.com/allocbench/allocbench/internal/analysis/summary"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/usage"
)

// Input is what a report shows.
type Input struct {
	Title string
	// Generated is shown as the generation time; zero omits it.
	Generated time.Time
	// Files are the labelled result files, as results.ReadFiles
	// returns them.
	Files []*results.File
	// Warnings about the input (from results.ReadFiles) to show on
	// the page; Write adds its own.
	Warnings []results.Warning
	// Baseline is the column the summary compares with: "label/alloc"
	// or "alloc"; empty means glibc's malloc (see summary.Options).
	Baseline string
}

// DefaultTitle is the page title when Input.Title is empty.
const DefaultTitle = "allocbench report"

// Write writes the report page for in to w. It fails when no file has
// benchmark results.
func Write(w io.Writer, in Input) error {
	_, err := write(w, in)
	return err
}

// Options are what the report subcommand's flags ask for, parsed
// (cmd/allocbench parses them).
type Options struct {
	// Out is the file the page is written to.
	Out string
	// Title is the page's title; "" is DefaultTitle.
	Title string
	// Baseline is the column the summary compares with (Input.Baseline).
	Baseline string
}

// Run implements "allocbench report" with its flags parsed: it reads the
// files named in args ([label=]path, see results.ParseSources), writes the
// page to opts.Out and prints its path. Warnings about the input go to
// stderr and onto the page. A -baseline that names no column is a usage
// error (see package internal/usage).
func Run(args []string, opts Options, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usage.Errorf("report: no input files")
	}
	files, warns := results.ReadFiles(results.ParseSources(args))
	for _, w := range warns {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	var page strings.Builder
	more, err := write(&page, Input{Title: opts.Title, Generated: time.Now(), Files: files, Warnings: warns, Baseline: opts.Baseline})
	for _, w := range more {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	var be *summary.BaselineError
	var cbe *compare.BaselineError
	if errors.As(err, &be) || errors.As(err, &cbe) {
		return usage.Errorf("report: %w", err)
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := replaceFile(opts.Out, page.String()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintln(stdout, opts.Out)
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
	if err == nil {
		err = f.Sync()
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

// transform converts a cell's summary into a plotted point; ok is false
// when its median cannot be plotted.
func transform(st cells.Stat, threads int, m *metric) (p point, ok bool) {
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
	p = point{Threads: threads, N: st.N, Center: finite(st.Center), Lo: finite(st.Lo), Hi: finite(st.Hi)}
	if math.IsNaN(p.Center) {
		return p, false
	}
	if m.Decreasing {
		p.Lo, p.Hi = p.Hi, p.Lo
		// Values are ascending in the metric's unit: keep them
		// ascending in the plotted one.
		for i := len(st.Values) - 1; i >= 0; i-- {
			if r := f(st.Values[i]); !math.IsInf(r, 0) && !math.IsNaN(r) {
				p.Values = append(p.Values, r)
			}
		}
	} else {
		for _, v := range st.Values {
			if r := f(v); !math.IsInf(r, 0) && !math.IsNaN(r) {
				p.Values = append(p.Values, r)
			}
		}
	}
	return p, true
}

// Limits on what one page plots, so that any input gives a page of bounded
// size: workloads, allocators per plot, thread counts per line, and run
// dots per line.
const (
	maxWorkloads   = 48
	maxSeries      = 12
	maxThreadCount = 32
	// maxRunDots is the most run dots at one thread count of a line.
	maxRunDots = 12
)

type addResult int

const (
	added addResult = iota
	tooManySeries
	tooManyThreads
)

// leftOutCounts counts the workloads, and the cells of others, that the
// limits left out.
type leftOutCounts struct{ workloads, series, threads int }

func (l leftOutCounts) warnings() []results.Warning {
	var out []results.Warning
	if l.workloads > 0 {
		out = append(out, results.Warning{Msg: fmt.Sprintf("only the first %d workloads are shown; %d more are left out (narrow the input with compare -filter)", maxWorkloads, l.workloads)})
	}
	if l.series > 0 {
		out = append(out, results.Warning{Msg: fmt.Sprintf("a plot shows at most %d allocators; %d figures of others are left out", maxSeries, l.series)})
	}
	if l.threads > 0 {
		out = append(out, results.Warning{Msg: fmt.Sprintf("a line shows at most %d thread counts; %d figures at others are left out", maxThreadCount, l.threads)})
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
	{"C library and system", []string{results.LibcKey, results.LibcVersionKey, results.LibcPathKey, results.DistroKey, results.KernelKey, results.GoosKey, results.GoarchKey}},
	{"CPU", []string{results.CPUBrandKey, results.CPUKey, results.CPUKeyPrefix, results.NumCPUKey, results.GOMAXPROCSKey}},
	{"Limits", []string{results.CgroupKeyPrefix}},
	{"Allocators", []string{results.AllocKeyPrefix}},
	{"Measurement", []string{results.FutexMethodKey, results.FutexKeyPrefix, results.FreshProcessKey}},
}

func card(f *results.File) fileCard {
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

func row(c results.Config) configRow {
	return configRow{Key: c.Key, Value: c.Value, Skipped: strings.HasPrefix(c.Key, results.AllocKeyPrefix) && strings.HasPrefix(c.Value, "skipped")}
}
