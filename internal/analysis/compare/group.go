package compare

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"

	"github.com/allocbench/allocbench/internal/results"
)

// DefaultMetrics are the units compared when Options.Metrics is empty,
// the headline metrics (results.Headlines): the first always, the others
// when some result has them.
var DefaultMetrics = results.HeadlineUnits()

// The most rows and columns a table has; an input with more gets a warning
// and the first ones, in sorted order.
const (
	MaxRows = 10000
	MaxCols = 64
)

// Defaults for Options.Alpha and Options.Confidence.
const (
	DefaultAlpha      = 0.05
	DefaultConfidence = 0.95
)

// Projections used when Options.Row or Options.Col is empty. Rows are
// workload and thread count; columns are the input files when there are
// at least two labels, otherwise the allocators. When the columns do not
// separate allocators, the rows do.
const (
	DefaultRow          = ".name /workload /threads@num"
	DefaultRowWithAlloc = ".name /workload /alloc /threads@num"
	DefaultColFiles     = results.LabelKey
	DefaultColAllocs    = "/alloc"
)

// Options select and arrange what is compared. The zero value uses the
// defaults described on each field.
type Options struct {
	// Row and Col are benchproc projections (see "go doc
	// golang.org/x/perf/benchproc/syntax"), e.g. "/workload /threads",
	// "/alloc", LabelKey or a configuration key such as "libc".
	// Empty means DefaultCol* and DefaultRow*.
	Row, Col string
	// Filter is a benchproc filter, e.g. "/workload:churn". Empty keeps
	// everything.
	Filter string
	// Metrics are the units to compare, as written in the input (such as
	// "ns/op"); benchstat's tidied names ("sec/op") are accepted too.
	// "all" selects every unit. Empty means DefaultMetrics.
	Metrics []string
	// Alpha is the significance level of the Mann-Whitney U test
	// (DefaultAlpha if 0).
	Alpha float64
	// Confidence is the confidence level of the median's interval
	// (DefaultConfidence if 0).
	Confidence float64
	// Optional leaves out the Metrics that no result has without a
	// warning, for callers that ask for every metric they can use.
	Optional bool
	// Baseline is the label of the column the others are compared with;
	// it becomes the first column. Empty keeps the first in sorted order.
	Baseline string
}

// Check reports the first option that cannot be used whatever the input:
// a level out of range, a projection or a filter that does not parse.
// Commands call it before reading anything, so that bad input stops them
// at once.
func (o Options) Check() error {
	if o.Alpha != 0 && (o.Alpha <= 0 || o.Alpha >= 1) {
		return fmt.Errorf("alpha %v is not between 0 and 1", o.Alpha)
	}
	if o.Confidence != 0 && (o.Confidence <= 0 || o.Confidence >= 1) {
		return fmt.Errorf("confidence %v is not between 0 and 1", o.Confidence)
	}
	filter := new(benchproc.Filter)
	if strings.TrimSpace(o.Filter) != "" {
		f, err := benchproc.NewFilter(o.Filter)
		if err != nil {
			return fmt.Errorf("parsing -filter: %w", err)
		}
		filter = f
	}
	var pp benchproc.ProjectionParser
	for _, p := range []struct{ name, proj string }{{"-row", o.Row}, {"-col", o.Col}} {
		if p.proj == "" {
			continue
		}
		if _, err := pp.Parse(p.proj, filter); err != nil {
			return fmt.Errorf("parsing %s: %w", p.name, err)
		}
	}
	return nil
}

// resolve fills in the defaults that depend on the input.
func (o Options) resolve(files []*results.File) (Options, error) {
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if o.Confidence == 0 {
		o.Confidence = DefaultConfidence
	}
	if o.Alpha <= 0 || o.Alpha >= 1 {
		return o, fmt.Errorf("alpha %v is not between 0 and 1", o.Alpha)
	}
	if o.Confidence <= 0 || o.Confidence >= 1 {
		return o, fmt.Errorf("confidence %v is not between 0 and 1", o.Confidence)
	}
	if o.Col == "" {
		labels := make(map[string]bool)
		for _, f := range files {
			if len(f.Results) > 0 {
				labels[f.Label] = true
			}
		}
		o.Col = DefaultColAllocs
		if len(labels) >= 2 {
			o.Col = DefaultColFiles
		}
	}
	if o.Row == "" {
		o.Row = DefaultRowWithAlloc
		var pp benchproc.ProjectionParser
		proj, err := pp.Parse(o.Col, new(benchproc.Filter))
		if err != nil {
			return o, fmt.Errorf("parsing -col: %w", err)
		}
		for _, f := range proj.FlattenedFields() {
			if f.Name == "/alloc" {
				o.Row = DefaultRow
			}
		}
	}
	return o, nil
}

// A Summary is the median of one metric in one table cell with its
// confidence interval. Lo and Hi are ±Inf when there are too few
// samples for an interval at the requested confidence.
type Summary struct {
	Row, Col string // labels, as the tables show them
	// Fields holds the value of every projected field of the row and
	// column, keyed by the field name as written in the projection
	// (e.g. "/threads", LabelKey).
	Fields         map[string]string
	Unit           string
	N              int
	Center, Lo, Hi float64
	Values         []float64 // all samples, ascending
	Confidence     float64   // achieved confidence level of Lo, Hi
	File           string    // input of the first result in the cell
	Line           int
	Notes          []string // statistical caveats, e.g. too few samples for an interval
}

// Summaries returns the median and confidence interval for every
// (row, column, metric) that has data, ordered by metric, row and column.
func Summaries(files []*results.File, opts Options) ([]Summary, []results.Warning, error) {
	var out []Summary
	warns, err := EachSummary(files, opts, func(s Summary) error {
		out = append(out, s)
		return nil
	})
	return out, warns, err
}

// EachSummary calls fn with each summary that Summaries returns, in the
// same order, without keeping them; an error from fn stops it.
func EachSummary(files []*results.File, opts Options, fn func(Summary) error) ([]results.Warning, error) {
	g, warns, err := group(files, opts)
	if err != nil {
		return warns, err
	}
	for _, unit := range g.metrics {
		for _, rk := range g.rows {
			for _, ck := range g.cols {
				c := g.cell(rk, ck)
				if c == nil || !g.has(c, unit) {
					continue
				}
				s := g.sample(c, unit)
				sum := g.summary(s)
				first := g.result(c.refs[0])
				fields := make(map[string]string)
				for _, f := range g.rowProj.FlattenedFields() {
					fields[f.Name] = rk.Get(f)
				}
				for _, f := range g.colProj.FlattenedFields() {
					fields[f.Name] = ck.Get(f)
				}
				err := fn(Summary{
					Row: g.rowLabels[rk], Col: g.colLabels[ck],
					Fields: fields, Unit: unit, N: len(s.Values),
					Center: sum.Center, Lo: sum.Lo, Hi: sum.Hi,
					Values: s.Values, Confidence: sum.Confidence,
					File: g.files[c.refs[0].file].Path, Line: first.Line,
					Notes: errStrings(sum.Warnings),
				})
				if err != nil {
					return warns, err
				}
			}
		}
	}
	return warns, nil
}

type cellKey struct{ row, col benchproc.Key }

// A ref is one result of one file, and which of its values the filter
// keeps.
type ref struct {
	file, index int32
	match       int32 // in grouping.matches, or allValues
}

// pendingRef is a result of a cell, before the cells are laid out.
type pendingRef struct {
	ref  ref
	cell int32
}

// allValues is the match of a result whose values the filter keeps all.
const allValues = -1

// A cell holds the results of one row and column, by reference: a table
// reads the values of one unit at a time (see grouping.values), so that
// no copy of every value is kept.
type cell struct {
	refs []ref // a part of grouping.refs
	// The residues of its results: the first, and a set when there are
	// more (rarely), so that a million cells of one result each stay small.
	residue benchproc.Key
	more    *smallSet[benchproc.Key]
}

func (c *cell) addResidue(k benchproc.Key) {
	switch {
	case k == c.residue:
	case c.more != nil:
		c.more.add(k)
	default:
		c.more = &smallSet[benchproc.Key]{}
		c.more.add(c.residue)
		c.more.add(k)
	}
}

func (c *cell) residues() []benchproc.Key {
	if c.more == nil {
		return []benchproc.Key{c.residue}
	}
	return c.more.list
}

// cell returns the cell of a row and column, or nil.
func (g *grouping) cell(row, col benchproc.Key) *cell {
	i, ok := g.cellIndex[cellKey{row, col}]
	if !ok {
		return nil
	}
	return &g.cellList[i]
}

// has reports whether some result of c has a value of unit that the filter
// keeps.
func (g *grouping) has(c *cell, unit string) bool {
	if idx := g.cellUnits(c); idx != nil {
		return len(idx[unit]) > 0
	}
	var last []string
	for i, r := range c.refs {
		if i > 0 && r.match == c.refs[i-1].match && sameList(g.result(r).Units, last) {
			continue
		}
		last = g.result(r).Units
		if _, ok := g.keeps(r, unit); ok {
			return true
		}
	}
	return false
}

// cellUnits returns, for a cell whose results have many lists of units
// (more than shortUnitList), where each kept unit is: the positions of its
// results in c.refs, and of the unit in each. A table per unit then costs
// such a cell the results that have the unit, not all its results. It
// returns nil for the other cells, which are searched.
func (g *grouping) cellUnits(c *cell) map[string][]unitRef {
	if idx, ok := g.unitRefs[c]; ok {
		return idx
	}
	lists := 0
	var last []string
	for i, r := range c.refs {
		if i == 0 || r.match != c.refs[i-1].match || !sameList(g.result(r).Units, last) {
			last = g.result(r).Units
			lists++
		}
	}
	var idx map[string][]unitRef
	if lists > shortUnitList {
		idx = make(map[string][]unitRef)
		for i, r := range c.refs {
			seen := make(map[string]bool)
			for j, u := range g.result(r).Units {
				if seen[u] || (r.match != allValues && !g.matches[r.match].Test(j)) {
					continue
				}
				seen[u] = true
				idx[u] = append(idx[u], unitRef{int32(i), int32(j)})
			}
		}
	}
	if g.unitRefs == nil {
		g.unitRefs = make(map[*cell]map[string][]unitRef)
	}
	g.unitRefs[c] = idx
	return idx
}

// unitRef is a value of a cell: its result's position in the cell's refs,
// and the value's in the result.
type unitRef struct{ ref, value int32 }

// projected is what the projections and the filter make of a result. It
// depends only on its name, configuration and units, which most results
// share with many others.
type projected struct {
	row, col, residue benchproc.Key
	match             int32
	any               bool
}

const projectionCacheSize = 1 << 16

type projectionKey struct {
	config *results.Configuration
	name   *byte
	units  *string
}

type grouping struct {
	opts              Options
	files             []*results.File
	matches           []benchproc.Match
	rowProj, colProj  *benchproc.Projection
	rows, cols        []benchproc.Key
	rowLabels         map[benchproc.Key]string
	colLabels         map[benchproc.Key]string
	rowHeader, common string
	cellIndex         map[cellKey]int32
	cellList          []cell
	refs              []ref // every cell's, cell after cell
	metrics           []string
	// unitIndex indexes the long lists of units (see unitPos) by their
	// first element: lists are shared between results.
	unitIndex map[*string]map[string]int
	// unitRefs indexes the units of the cells that have many lists of
	// them (see cellUnits).
	unitRefs map[*cell]map[string][]unitRef
}

func (g *grouping) result(r ref) *results.Result {
	return g.files[r.file].Results[r.index]
}

// keptUnits returns the units of r's result that the filter keeps.
func (g *grouping) keptUnits(r ref) []string {
	res := g.result(r)
	if r.match == allValues {
		return res.Units
	}
	m := &g.matches[r.match]
	var out []string
	for i, u := range res.Units {
		if m.Test(i) {
			out = append(out, u)
		}
	}
	return out
}

// values returns the values of unit in c, in input order, in a new slice.
func (g *grouping) values(c *cell, unit string) []float64 {
	var out []float64
	if idx := g.cellUnits(c); idx != nil {
		for _, u := range idx[unit] {
			out = append(out, g.result(c.refs[u.ref]).Values[u.value])
		}
		return out
	}
	for _, r := range c.refs {
		if i, ok := g.keeps(r, unit); ok {
			out = append(out, g.result(r).Values[i])
		}
	}
	return out
}

// keeps returns where r's result has its (first) value of unit, if the
// filter keeps it.
func (g *grouping) keeps(r ref, unit string) (int, bool) {
	i := g.unitPos(g.result(r).Units, unit)
	if i < 0 || (r.match != allValues && !g.matches[r.match].Test(i)) {
		return -1, false
	}
	return i, true
}

// shortUnitList is the longest list of units searched one by one; a longer
// one gets an index, so that a table per unit of a result with thousands of
// units costs each table a look-up, not a search.
const shortUnitList = 16

// unitPos returns the position of the first unit in units, or -1.
func (g *grouping) unitPos(units []string, unit string) int {
	if len(units) <= shortUnitList {
		for i, u := range units {
			if u == unit {
				return i
			}
		}
		return -1
	}
	idx, ok := g.unitIndex[&units[0]]
	if !ok {
		idx = make(map[string]int, len(units))
		for i, u := range units {
			if _, dup := idx[u]; !dup {
				idx[u] = i
			}
		}
		if g.unitIndex == nil {
			g.unitIndex = make(map[*string]map[string]int)
		}
		g.unitIndex[&units[0]] = idx
	}
	if i, ok := idx[unit]; ok {
		return i
	}
	return -1
}

// group reads the results into cells and picks the metrics.
func group(files []*results.File, opts Options) (*grouping, []results.Warning, error) {
	opts, err := opts.resolve(files)
	if err != nil {
		return nil, nil, err
	}
	filterExpr := opts.Filter
	if strings.TrimSpace(filterExpr) == "" {
		filterExpr = "*"
	}
	filter, err := benchproc.NewFilter(filterExpr)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing -filter: %w", err)
	}
	var pp benchproc.ProjectionParser
	rowProj, err := pp.Parse(opts.Row, filter)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing -row: %w", err)
	}
	colProj, err := pp.Parse(opts.Col, filter)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing -col: %w", err)
	}
	residue := pp.Residue()

	g := &grouping{
		opts:      opts,
		files:     files,
		rowProj:   rowProj,
		colProj:   colProj,
		cellIndex: make(map[cellKey]int32),
		rowLabels: make(map[benchproc.Key]string),
		colLabels: make(map[benchproc.Key]string),
	}
	var warns []results.Warning
	var units []string // every unit seen, in order
	seenUnit := make(map[string]bool)
	cache := make(map[projectionKey]projected)
	var pending []pendingRef
	var counts []int32 // results per cell
	var lastUnits []string
	lastMatch := int32(-2)
	for fi, f := range files {
		for ri, r := range f.Results {
			pk := projectionKey{config: r.Config}
			if len(r.Name) > 0 {
				pk.name = &r.Name[0]
			}
			if len(r.Units) > 0 {
				pk.units = &r.Units[0]
			}
			p, ok := cache[pk]
			if !ok {
				res := r.BenchResult()
				m, _ := filter.Match(res)
				p = projected{any: m.Any()}
				if p.any {
					p.match = allValues
					if !m.All() {
						p.match = int32(len(g.matches))
						g.matches = append(g.matches, m)
					}
					p.row, p.col, p.residue = rowProj.Project(res), colProj.Project(res), residue.Project(res)
				}
				// The cache pays when results share names; with a
				// million distinct benchmarks it would only hold memory.
				if len(cache) >= projectionCacheSize {
					clear(cache)
				}
				cache[pk] = p
			}
			if !p.any {
				continue
			}
			k := cellKey{p.row, p.col}
			ci, ok := g.cellIndex[k]
			if !ok {
				ci = int32(len(g.cellList))
				g.cellIndex[k] = ci
				g.cellList = append(g.cellList, cell{residue: p.residue})
				counts = append(counts, 0)
			}
			c := &g.cellList[ci]
			rf := ref{file: int32(fi), index: int32(ri), match: p.match}
			pending = append(pending, pendingRef{rf, ci})
			counts[ci]++
			if p.match != lastMatch || !sameList(r.Units, lastUnits) {
				lastUnits, lastMatch = r.Units, p.match
				for _, unit := range g.keptUnits(rf) {
					if !seenUnit[unit] {
						seenUnit[unit] = true
						units = append(units, unit)
					}
				}
			}
			c.addResidue(p.residue)
		}
	}
	// Lay every cell's results out in one array, cell after cell, in
	// input order within a cell.
	g.refs = make([]ref, len(pending))
	next := 0
	for i := range g.cellList {
		c := &g.cellList[i]
		n := int(counts[i])
		c.refs = g.refs[next : next : next+n]
		next += n
	}
	for _, p := range pending {
		c := &g.cellList[p.cell]
		c.refs = append(c.refs, p.ref)
	}
	pending = nil
	if len(g.cellList) == 0 {
		if opts.Filter != "" {
			return nil, warns, fmt.Errorf("nothing to compare: no benchmark results match filter %q", opts.Filter)
		}
		return nil, warns, fmt.Errorf("nothing to compare: no benchmark results")
	}
	// The rows and columns are those of the cells, sorted; finding them
	// from the cells takes less memory than a set of each as they come.
	g.rows = make([]benchproc.Key, 0, len(g.cellIndex))
	g.cols = make([]benchproc.Key, 0, len(g.cellIndex))
	for k := range g.cellIndex {
		g.rows = append(g.rows, k.row)
		g.cols = append(g.cols, k.col)
	}
	g.rows, g.cols = sortedUnique(g.rows), sortedUnique(g.cols)
	if n := len(g.rows); n > MaxRows {
		warns = append(warns, results.Warning{Msg: fmt.Sprintf("%d rows: only the first %d, in sorted order, are used; narrow the input (compare -filter)", n, MaxRows)})
		g.rows = g.rows[:MaxRows]
	}
	if n := len(g.cols); n > MaxCols {
		warns = append(warns, results.Warning{Msg: fmt.Sprintf("%d columns: only the first %d, in sorted order, are used; narrow the input (compare -filter, -col)", n, MaxCols)})
		g.cols = g.cols[:MaxCols]
	}
	g.rowHeader, g.common = labelKeys(g.rows, g.rowLabels, true)
	labelKeys(g.cols, g.colLabels, false)
	if opts.Baseline != "" {
		if err := g.baselineFirst(opts.Baseline); err != nil {
			return nil, warns, err
		}
	}

	// Metrics.
	switch {
	case len(opts.Metrics) == 1 && opts.Metrics[0] == "all":
		g.metrics = units
	case len(opts.Metrics) == 0:
		for i, m := range DefaultMetrics {
			if u, ok := findUnit(units, m); ok {
				g.metrics = append(g.metrics, u)
			} else if i == 0 {
				warns = append(warns, results.Warning{Msg: fmt.Sprintf("no result has metric %s", m)})
			}
		}
	default:
		for _, m := range opts.Metrics {
			m = strings.TrimSpace(m)
			if m == "" {
				continue
			}
			if u, ok := findUnit(units, m); ok {
				if !containsString(g.metrics, u) {
					g.metrics = append(g.metrics, u)
				}
			} else if !opts.Optional {
				warns = append(warns, results.Warning{Msg: fmt.Sprintf("no result has metric %s", m)})
			}
		}
	}
	if len(g.metrics) == 0 {
		return nil, warns, fmt.Errorf("nothing to compare: none of the requested metrics is present")
	}

	warns = append(warns, g.pooledWarnings()...)
	warns = append(warns, g.mixedUnitWarnings()...)
	return g, warns, nil
}

// baselineFirst moves the column labelled base to the front.
func (g *grouping) baselineFirst(base string) error {
	var labels []string
	for i, ck := range g.cols {
		if g.colLabels[ck] == base {
			g.cols = append([]benchproc.Key{ck}, append(g.cols[:i:i], g.cols[i+1:]...)...)
			return nil
		}
		labels = append(labels, g.colLabels[ck])
	}
	return &BaselineError{Baseline: base, Columns: labels}
}

// A BaselineError says that Options.Baseline names no column.
type BaselineError struct {
	Baseline string
	Columns  []string
}

func (e *BaselineError) Error() string {
	return fmt.Sprintf("baseline %q is not a column (columns: %s)", e.Baseline, strings.Join(e.Columns, ", "))
}

// findUnit finds metric m among have, accepting the tidied spelling and
// the names of earlier versions.
func findUnit(have []string, m string) (string, bool) {
	m = results.Current(m)
	for _, u := range have {
		if u == m {
			return u, true
		}
	}
	for _, u := range have {
		if _, tidy := benchunit.Tidy(1, u); tidy == m {
			return u, true
		}
	}
	return "", false
}

// labelKeys stores a label for each key in labels: the fields whose values
// differ between keys, as name=value joined by "/". It returns a header
// naming those fields and the fields common to all keys.
func labelKeys(keys []benchproc.Key, labels map[benchproc.Key]string, isRow bool) (header, common string) {
	if len(keys) == 0 {
		return "", ""
	}
	fields := keys[0].Projection().FlattenedFields()
	varying := make(map[*benchproc.Field]bool)
	for _, f := range benchproc.NonSingularFields(keys) {
		varying[f] = true
	}
	if len(varying) == 0 {
		// A single row or column: show what it is.
		for _, f := range fields {
			if keys[0].Get(f) != "" {
				varying[f] = true
			}
		}
	}
	var hdr, com []string
	for _, f := range fields {
		if varying[f] {
			hdr = append(hdr, fieldName(f.Name))
		} else if v := keys[0].Get(f); v != "" {
			com = append(com, fieldText(f.Name, v))
		}
	}
	bare := !isRow && len(hdr) == 1
	for _, k := range keys {
		var parts []string
		for _, f := range fields {
			v := k.Get(f)
			if !varying[f] || v == "" {
				continue
			}
			if bare {
				parts = append(parts, v)
			} else {
				parts = append(parts, fieldText(f.Name, v))
			}
		}
		labels[k] = strings.Join(parts, "/")
		if labels[k] == "" {
			labels[k] = "(none)"
		}
	}
	return strings.Join(hdr, "/"), strings.Join(com, "/")
}

func fieldName(name string) string {
	return strings.TrimLeft(name, "/.")
}

// fieldText shows a projected value: bare for the benchmark name and file
// label, key=value (as in benchmark names) otherwise.
func fieldText(name, val string) string {
	switch name {
	case ".name", ".fullname", results.LabelKey, results.FileKey:
		return val
	}
	return fieldName(name) + "=" + val
}

// maxNamedFields is how many fields a warning names.
const maxNamedFields = 10

// pooledWarnings reports cells that pool results differing in something
// neither the rows nor the columns show.
func (g *grouping) pooledWarnings() []results.Warning {
	var warns []results.Warning
	for _, rk := range g.rows {
		for _, ck := range g.cols {
			c := g.cell(rk, ck)
			if c == nil || c.more == nil {
				continue
			}
			var names []string
			fields := benchproc.NonSingularFields(c.residues())
			for i, f := range fields {
				if i == maxNamedFields {
					names = append(names, fmt.Sprintf("and %d more", len(fields)-i))
					break
				}
				names = append(names, f.Name)
			}
			if len(names) == 0 {
				continue
			}
			first := g.result(c.refs[0])
			warns = append(warns, results.Warning{
				File: g.files[c.refs[0].file].Path, Line: first.Line,
				Msg: fmt.Sprintf("row %s, column %s pools results that differ in %s; add it to -row or -col",
					g.rowLabels[rk], g.colLabels[ck], strings.Join(names, ", ")),
			})
		}
	}
	return warns
}

// mixedUnitWarnings reports results that lack a compared metric that other
// results of the same row have, one warning per file and set of missing
// metrics.
func (g *grouping) mixedUnitWarnings() []results.Warning {
	type group struct {
		file    int32
		missing string
	}
	type report struct {
		count   int
		lines   []int // the first few lines lacking the metrics, ascending
		example ref   // a result that has them
	}
	const shownLines = 6
	reports := make(map[group]*report)
	var order []group
	for _, rk := range g.rows {
		// Which metrics does some result of this row have, and where?
		have := make(map[string]ref)
		for _, ck := range g.cols {
			c := g.cell(rk, ck)
			if c == nil {
				continue
			}
			var last []string
			for i, r := range c.refs {
				units := g.keptUnits(r)
				if i > 0 && sameList(units, last) {
					continue
				}
				last = units
				for _, u := range units {
					if _, ok := have[u]; !ok {
						have[u] = r
					}
				}
			}
		}
		// The compared metrics that some result of the row has.
		rowMetrics := make(map[string]bool)
		for _, u := range g.metrics {
			if _, ok := have[u]; ok {
				rowMetrics[u] = true
			}
		}
		for _, ck := range g.cols {
			c := g.cell(rk, ck)
			if c == nil {
				continue
			}
			var lastUnits []string
			var missing []string
			var example ref
			for i, r := range c.refs {
				units := g.result(r).Units
				if i == 0 || r.match != c.refs[i-1].match || !sameList(units, lastUnits) {
					lastUnits, missing = units, nil
					// How many compared metrics of the row it lacks,
					// from its own units; then the first few by name.
					n := len(rowMetrics)
					seen := make(map[string]bool)
					for j, u := range units {
						if rowMetrics[u] && !seen[u] && (r.match == allValues || g.matches[r.match].Test(j)) {
							seen[u] = true
							n--
						}
					}
					for _, u := range g.metrics {
						if len(missing) == min(n, maxNamedFields) {
							break
						}
						if ex, ok := have[u]; ok && !seen[u] {
							missing = append(missing, u)
							example = ex
						}
					}
					if n > maxNamedFields {
						missing = append(missing, fmt.Sprintf("and %d more", n-maxNamedFields))
					}
				}
				if len(missing) == 0 {
					continue
				}
				k := group{r.file, strings.Join(missing, ", ")}
				rep := reports[k]
				if rep == nil {
					rep = &report{example: example}
					reports[k] = rep
					order = append(order, k)
				}
				rep.count++
				line := g.result(r).Line
				i := sort.SearchInts(rep.lines, line)
				if i < shownLines {
					rep.lines = append(rep.lines, 0)
					copy(rep.lines[i+1:], rep.lines[i:])
					rep.lines[i] = line
					if len(rep.lines) > shownLines {
						rep.lines = rep.lines[:shownLines]
					}
				}
			}
		}
	}
	var warns []results.Warning
	for _, k := range order {
		rep := reports[k]
		also := ""
		if n := rep.count - 1; n > 0 {
			var lines []string
			for _, l := range rep.lines[1:] {
				lines = append(lines, strconv.Itoa(l))
			}
			if n > len(rep.lines)-1 {
				lines = append(lines, "…")
			}
			if n == 1 {
				also = ", and so does the result on line " + lines[0]
			} else {
				also = fmt.Sprintf(", and so do %d more results (lines %s)", n, strings.Join(lines, ", "))
			}
		}
		ex := g.result(rep.example)
		warns = append(warns, results.Warning{
			File: g.files[k.file].Path, Line: rep.lines[0],
			Msg: fmt.Sprintf("result lacks %s, which other results of the same benchmark have (e.g. %s:%d)%s; compared without it",
				k.missing, g.files[rep.example.file].Path, ex.Line, also),
		})
	}
	sort.SliceStable(warns, func(i, j int) bool { return warns[i].File < warns[j].File })
	return warns
}

// sortedUnique sorts keys of one projection and drops repeats.
func sortedUnique(keys []benchproc.Key) []benchproc.Key {
	benchproc.SortKeys(keys)
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || k != keys[i-1] {
			out = append(out, k)
		}
	}
	return out[:len(out):len(out)]
}

// sameList reports whether a and b are the same list: the same shared
// slice, or equal element by element.
func sameList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func errStrings(errs []error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}
