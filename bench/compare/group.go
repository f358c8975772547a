package compare

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"
)

// DefaultMetrics are the units compared when Options.Metrics is empty:
// the first always, the others when some result has them.
var DefaultMetrics = []string{"ns/op", "futex-pct", "p99-ns", "rss-per-live-byte"}

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
	DefaultColFiles     = LabelKey
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
}

// resolve fills in the defaults that depend on the input.
func (o Options) resolve(files []*File) (Options, error) {
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
func Summaries(files []*File, opts Options) ([]Summary, []Warning, error) {
	g, warns, err := group(files, opts)
	if err != nil {
		return nil, warns, err
	}
	var out []Summary
	for _, unit := range g.metrics {
		for _, rk := range g.rows {
			for _, ck := range g.cols {
				c := g.cells[cellKey{rk, ck}]
				if c == nil || len(c.values[unit]) == 0 {
					continue
				}
				s := g.sample(c, unit)
				sum := g.summary(s)
				fields := make(map[string]string)
				for _, f := range g.rowProj.FlattenedFields() {
					fields[f.Name] = rk.Get(f)
				}
				for _, f := range g.colProj.FlattenedFields() {
					fields[f.Name] = ck.Get(f)
				}
				out = append(out, Summary{
					Row: g.rowLabels[rk], Col: g.colLabels[ck],
					Fields: fields, Unit: unit, N: len(s.Values),
					Center: sum.Center, Lo: sum.Lo, Hi: sum.Hi,
					Values: s.Values, Confidence: sum.Confidence,
					File: c.results[0].file, Line: c.results[0].line,
					Notes: errStrings(sum.Warnings),
				})
			}
		}
	}
	return out, warns, nil
}

type cellKey struct{ row, col benchproc.Key }

type resultInfo struct {
	file  string
	line  int
	units []string // units kept by the filter, in input order
}

type cell struct {
	values   map[string][]float64 // by unit as written in the input
	results  []resultInfo
	residues []benchproc.Key
}

type grouping struct {
	opts              Options
	rowProj, colProj  *benchproc.Projection
	rows, cols        []benchproc.Key
	rowLabels         map[benchproc.Key]string
	colLabels         map[benchproc.Key]string
	rowHeader, common string
	cells             map[cellKey]*cell
	metrics           []string
}

// group reads the results into cells and picks the metrics.
func group(files []*File, opts Options) (*grouping, []Warning, error) {
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
		rowProj:   rowProj,
		colProj:   colProj,
		cells:     make(map[cellKey]*cell),
		rowLabels: make(map[benchproc.Key]string),
		colLabels: make(map[benchproc.Key]string),
	}
	var warns []Warning
	var units []string // every unit seen, in order
	seenUnit := make(map[string]bool)
	seenRow := make(map[benchproc.Key]bool)
	seenCol := make(map[benchproc.Key]bool)
	for _, f := range files {
		for _, res := range f.Results {
			m, _ := filter.Match(res)
			if !m.Any() {
				continue
			}
			rk, ck := rowProj.Project(res), colProj.Project(res)
			k := cellKey{rk, ck}
			c := g.cells[k]
			if c == nil {
				c = &cell{values: make(map[string][]float64)}
				g.cells[k] = c
			}
			if !seenRow[rk] {
				seenRow[rk] = true
				g.rows = append(g.rows, rk)
			}
			if !seenCol[ck] {
				seenCol[ck] = true
				g.cols = append(g.cols, ck)
			}
			file, line := res.Pos()
			info := resultInfo{file: file, line: line}
			for i, v := range res.Values {
				if !m.Test(i) {
					continue
				}
				unit, val := origUnit(v)
				c.values[unit] = append(c.values[unit], val)
				info.units = append(info.units, unit)
				if !seenUnit[unit] {
					seenUnit[unit] = true
					units = append(units, unit)
				}
			}
			c.results = append(c.results, info)
			rsd := residue.Project(res)
			if !containsKey(c.residues, rsd) {
				c.residues = append(c.residues, rsd)
			}
		}
	}
	if len(g.cells) == 0 {
		if opts.Filter != "" {
			return nil, warns, fmt.Errorf("nothing to compare: no benchmark results match filter %q", opts.Filter)
		}
		return nil, warns, fmt.Errorf("nothing to compare: no benchmark results")
	}
	benchproc.SortKeys(g.rows)
	benchproc.SortKeys(g.cols)
	g.rowHeader, g.common = labelKeys(g.rows, g.rowLabels, true)
	labelKeys(g.cols, g.colLabels, false)

	// Metrics.
	switch {
	case len(opts.Metrics) == 1 && opts.Metrics[0] == "all":
		g.metrics = units
	case len(opts.Metrics) == 0:
		for i, m := range DefaultMetrics {
			if u, ok := findUnit(units, m); ok {
				g.metrics = append(g.metrics, u)
			} else if i == 0 {
				warns = append(warns, Warning{Msg: fmt.Sprintf("no result has metric %s", m)})
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
			} else {
				warns = append(warns, Warning{Msg: fmt.Sprintf("no result has metric %s", m)})
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

// origUnit returns a value in the unit it was written in, undoing
// benchfmt's tidying ("ns/op" rather than "sec/op").
func origUnit(v benchfmt.Value) (string, float64) {
	if v.OrigUnit != "" {
		return v.OrigUnit, v.OrigValue
	}
	return v.Unit, v.Value
}

// findUnit finds metric m among units, accepting the tidied spelling.
func findUnit(units []string, m string) (string, bool) {
	for _, u := range units {
		if u == m {
			return u, true
		}
	}
	for _, u := range units {
		if _, tidy := benchunit.Tidy(1, u); tidy == m {
			return u, true
		}
	}
	return "", false
}

func containsKey(keys []benchproc.Key, k benchproc.Key) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
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
	case ".name", ".fullname", LabelKey, FileKey:
		return val
	}
	return fieldName(name) + "=" + val
}

// pooledWarnings reports cells that pool results differing in something
// neither the rows nor the columns show.
func (g *grouping) pooledWarnings() []Warning {
	var warns []Warning
	for _, rk := range g.rows {
		for _, ck := range g.cols {
			c := g.cells[cellKey{rk, ck}]
			if c == nil || len(c.residues) < 2 {
				continue
			}
			var names []string
			for _, f := range benchproc.NonSingularFields(c.residues) {
				names = append(names, f.Name)
			}
			if len(names) == 0 {
				continue
			}
			warns = append(warns, Warning{
				File: c.results[0].file, Line: c.results[0].line,
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
func (g *grouping) mixedUnitWarnings() []Warning {
	type group struct {
		file    string
		missing string
	}
	type report struct {
		results []resultInfo // lacking the metrics, in input order
		example resultInfo   // a result that has them
	}
	reports := make(map[group]*report)
	var order []group
	for _, rk := range g.rows {
		// Which metrics does some result of this row have, and where?
		have := make(map[string]resultInfo)
		for _, ck := range g.cols {
			c := g.cells[cellKey{rk, ck}]
			if c == nil {
				continue
			}
			for _, ri := range c.results {
				for _, u := range ri.units {
					if _, ok := have[u]; !ok {
						have[u] = ri
					}
				}
			}
		}
		for _, ck := range g.cols {
			c := g.cells[cellKey{rk, ck}]
			if c == nil {
				continue
			}
			for _, ri := range c.results {
				var missing []string
				var example resultInfo
				for _, u := range g.metrics {
					ex, ok := have[u]
					if ok && !containsString(ri.units, u) {
						missing = append(missing, u)
						example = ex
					}
				}
				if len(missing) == 0 {
					continue
				}
				k := group{ri.file, strings.Join(missing, ", ")}
				r := reports[k]
				if r == nil {
					r = &report{example: example}
					reports[k] = r
					order = append(order, k)
				}
				r.results = append(r.results, ri)
			}
		}
	}
	var warns []Warning
	for _, k := range order {
		r := reports[k]
		sort.Slice(r.results, func(i, j int) bool { return r.results[i].line < r.results[j].line })
		also := ""
		if n := len(r.results) - 1; n > 0 {
			var lines []string
			for i, ri := range r.results[1:] {
				if i == 5 {
					lines = append(lines, "…")
					break
				}
				lines = append(lines, strconv.Itoa(ri.line))
			}
			if n == 1 {
				also = ", and so does the result on line " + lines[0]
			} else {
				also = fmt.Sprintf(", and so do %d more results (lines %s)", n, strings.Join(lines, ", "))
			}
		}
		first := r.results[0]
		warns = append(warns, Warning{
			File: first.file, Line: first.line,
			Msg: fmt.Sprintf("result lacks %s, which other results of the same benchmark have (e.g. %s:%d)%s; compared without it",
				k.missing, r.example.file, r.example.line, also),
		})
	}
	sort.SliceStable(warns, func(i, j int) bool { return warns[i].File < warns[j].File })
	return warns
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
