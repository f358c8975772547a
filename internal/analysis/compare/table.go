// Package compare turns Go benchmark result files into benchstat-style
// tables: one table per metric, a row per benchmark (workload and thread
// count by default) and a column per input file or allocator. Each cell is
// the median with its confidence interval; every column after the first
// shows its change against the first, with the p-value of a Mann-Whitney U
// test. The statistics come from golang.org/x/perf/benchmath.
package compare

import (
	"fmt"
	"math"
	"strings"

	"github.com/allocbench/allocbench/internal/results"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"

	"github.com/allocbench/allocbench/internal/stats"
)

// A Table compares one metric across rows and columns.
type Table struct {
	Metric string // unit as written in the input, e.g. "ns/op"
	// RowHeader names the fields that tell rows apart, e.g.
	// "workload/threads"; Common shows the fields that all rows
	// share, e.g. "Workloads".
	RowHeader string
	Common    string
	Cols      []string // column labels; Cols[0] is the baseline
	// ColFields holds each column's projected fields by name (e.g.
	// "alloc", "label").
	ColFields []map[string]string
	Rows      []Row
	// Geomean is the geometric mean of the medians over the rows that
	// have data in every column, or nil when it is not meaningful
	// (fewer than two such rows, or a median that is not positive).
	Geomean *Row
	// GeomeanRows is the number of rows that Geomean covers.
	GeomeanRows int
	Alpha       float64
	Confidence  float64
	// Notes are the statistical caveats that apply to some cells, such
	// as too few samples for a confidence interval.
	Notes []string
}

// A Row is one line of a Table.
type Row struct {
	Label string
	// Fields holds the row's projected fields by name (e.g.
	// "workload", "threads"); nil in the geomean row.
	Fields map[string]string
	Cells  []Cell // one per column
}

// A Cell is the summary of one sample, and for all but the first column
// its comparison with the first column's sample in the same row.
type Cell struct {
	N              int // number of samples; 0 means no data
	Center, Lo, Hi float64
	Values         []float64 // the samples, ascending

	// HasDelta reports whether the fields below are set: the column is
	// not the baseline and both cells have data.
	HasDelta bool
	// Delta is the relative change of Center against the baseline
	// (-0.25 is 25% less).
	Delta float64
	// P is the p-value of the Mann-Whitney U test (always 1 in the
	// geomean row, which has no test).
	P           float64
	Significant bool
	// DeltaLo and DeltaHi bound Delta at the table's confidence: the
	// Hodges–Lehmann interval of the ratio of the two samples (see
	// stats.Ratio), less one; NaN when the runs are too few for one or
	// a value is not positive.
	DeltaLo, DeltaHi float64
	// DeltaText is the change as benchstat shows it, with its interval:
	// "-42.10% [-44%, -40%] (p=0.000 n=6)", or "~ [-3%, +2%] (p=0.310
	// n=6)" when the difference is not significant at Alpha.
	DeltaText string
	// Modes are the groups the samples form, when more than one (see
	// stats.Modes): their median is a figure between groups.
	Modes []stats.Mode
}

// Tables compares files according to opts and returns one Table per
// metric. Warnings describe input that was ignored or looks suspicious;
// the error is non-nil only when there is nothing at all to compare.
func Tables(files []*results.File, opts Options) ([]*Table, []results.Warning, error) {
	var tables []*Table
	warns, err := eachTable(files, opts, func([]results.Warning) {}, func(t *Table) error {
		tables = append(tables, t)
		return nil
	})
	return tables, warns, err
}

// eachTable makes the tables one at a time, so that only one is in memory:
// it calls warn with the warnings about the input first, then fn with each
// table. It returns the warnings and the first error.
func eachTable(files []*results.File, opts Options, warn func([]results.Warning), fn func(*Table) error) ([]results.Warning, error) {
	g, warns, err := group(files, opts)
	warn(warns)
	if err != nil {
		return warns, err
	}
	for _, unit := range g.metrics {
		if err := fn(g.table(unit)); err != nil {
			return warns, err
		}
	}
	return warns, nil
}

func (g *grouping) sample(c *cell, unit string) *benchmath.Sample {
	vals := g.values(c, unit)
	return benchmath.NewSample(vals, &benchmath.Thresholds{CompareAlpha: g.opts.Alpha})
}

func (g *grouping) summary(s *benchmath.Sample) benchmath.Summary {
	return benchmath.AssumeNothing.Summary(s, g.opts.Confidence)
}

func (g *grouping) table(unit string) *Table {
	t := &Table{
		Metric:     unit,
		RowHeader:  g.rowHeader,
		Common:     g.common,
		Alpha:      g.opts.Alpha,
		Confidence: g.opts.Confidence,
	}
	for _, ck := range g.cols {
		t.Cols = append(t.Cols, g.colLabels[ck])
		t.ColFields = append(t.ColFields, keyFields(g.colProj.FlattenedFields(), ck))
	}
	notes := make(map[string]bool)
	note := func(errs []error) {
		for _, e := range errs {
			if !notes[e.Error()] {
				notes[e.Error()] = true
				t.Notes = append(t.Notes, e.Error())
			}
		}
	}
	var groups []string
	for _, rk := range g.rows {
		row := Row{Label: g.rowLabels[rk], Fields: keyFields(g.rowProj.FlattenedFields(), rk), Cells: make([]Cell, len(g.cols))}
		var base *benchmath.Sample
		var baseSum benchmath.Summary
		any := false
		for i, ck := range g.cols {
			c := g.cell(rk, ck)
			if c == nil || !g.has(c, unit) {
				continue
			}
			any = true
			s := g.sample(c, unit)
			sum := g.summary(s)
			note(sum.Warnings)
			cl := Cell{N: len(s.Values), Center: sum.Center, Lo: sum.Lo, Hi: sum.Hi, Values: s.Values, Modes: stats.Modes(s.Values)}
			if cl.Modes != nil {
				groups = append(groups, fmt.Sprintf("%s, %s: %s", row.Label, t.Cols[i], stats.Describe(cl.Modes, cl.N)))
			}
			if i == 0 {
				base, baseSum = s, sum
			} else if base != nil {
				cmp := benchmath.AssumeNothing.Compare(base, s)
				note(cmp.Warnings)
				cl.HasDelta = true
				cl.Delta = relDelta(baseSum.Center, sum.Center)
				cl.P = cmp.P
				cl.Significant = cmp.P <= cmp.Alpha
				cl.DeltaLo, cl.DeltaHi = math.NaN(), math.NaN()
				iv := ""
				if r, ok := stats.Ratio(s.Values, base.Values, g.opts.Confidence); ok && r.Bounded() {
					cl.DeltaLo, cl.DeltaHi = r.Lo-1, r.Hi-1
					iv = fmt.Sprintf(" [%+.0f%%, %+.0f%%]", 100*cl.DeltaLo, 100*cl.DeltaHi)
				}
				cl.DeltaText = fmt.Sprintf("%s%s (%s)", cmp.FormatDelta(baseSum.Center, sum.Center), iv, cmp)
			}
			row.Cells[i] = cl
		}
		if any {
			t.Rows = append(t.Rows, row)
		}
	}
	if len(groups) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%d cells' runs form groups (marked ᵍ), so their median lies between the groups: %s",
			len(groups), strings.Join(capList(groups, maxGroupNotes), "; ")))
	}
	t.Geomean, t.GeomeanRows = geomean(t.Rows, len(t.Cols))
	return t
}

// maxGroupNotes is how many cells with groups of runs a table's note
// names.
const maxGroupNotes = 20

func capList(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(list[:n:n], fmt.Sprintf("and %d more", len(list)-n))
}

// keyFields returns the values of a key's fields by name.
func keyFields(fields []*benchproc.Field, k benchproc.Key) map[string]string {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		m[fieldName(f.Name)] = k.Get(f)
	}
	return m
}

func relDelta(old, new float64) float64 {
	if old == 0 {
		if new == 0 {
			return 0
		}
		return math.Inf(int(math.Copysign(1, new)))
	}
	return new/old - 1
}

// geomean summarizes the rows that have data in every column.
func geomean(rows []Row, ncols int) (*Row, int) {
	logSum := make([]float64, ncols)
	n := 0
	for _, r := range rows {
		complete := true
		for _, c := range r.Cells {
			if c.N == 0 {
				complete = false
			}
		}
		if !complete {
			continue
		}
		for i, c := range r.Cells {
			if c.Center <= 0 || math.IsInf(c.Center, 0) || math.IsNaN(c.Center) {
				return nil, 0
			}
			logSum[i] += math.Log(c.Center)
		}
		n++
	}
	if n < 2 {
		return nil, 0
	}
	g := &Row{Label: "geomean", Cells: make([]Cell, ncols)}
	if n < len(rows) {
		g.Label = fmt.Sprintf("geomean (%d of %d rows)", n, len(rows))
	}
	for i := range g.Cells {
		c := Cell{N: n, Center: math.Exp(logSum[i] / float64(n))}
		c.Lo, c.Hi = c.Center, c.Center
		if i > 0 {
			c.HasDelta = true
			c.Delta = relDelta(g.Cells[0].Center, c.Center)
			c.P = 1
			c.DeltaText = fmt.Sprintf("%+.2f%%", 100*c.Delta)
		}
		g.Cells[i] = c
	}
	return g, n
}
