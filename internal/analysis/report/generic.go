package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/analysis/compare"
	"github.com/allocbench/allocbench/internal/results"
)

// genericTable is one metric's table of results that are not allocbench's
// cells, as compare prints it.
type genericTable struct {
	Caption, Text string
}

// isGeneric reports whether a page has no allocbench cells to show (plain
// go test -bench output: BenchmarkFoo-8, no workload, allocator or thread
// count in the names), so that it shows compare's tables instead.
func isGeneric(set *cells.Set) bool {
	return len(set.Workloads) == 0
}

// genericColumns picks what the tables' columns are: the files when there
// are two or more with results, else the first configuration key whose
// value varies between results, else the one file. It says which.
func genericColumns(files []*results.File) (col, says string) {
	var withResults []*results.File
	for _, f := range files {
		if len(f.Results) > 0 {
			withResults = append(withResults, f)
		}
	}
	if len(withResults) != 1 {
		return results.LabelKey, "one column per file"
	}
	f := withResults[0]
	values := map[string]map[string]bool{}
	seen := map[*results.Configuration]bool{}
	for _, r := range f.Results {
		if seen[r.Config] {
			continue
		}
		seen[r.Config] = true
		for _, c := range r.Config.Lines() {
			if values[c.Key] == nil {
				values[c.Key] = map[string]bool{}
			}
			values[c.Key][c.Value] = true
		}
	}
	var keys []string
	for _, c := range f.Config {
		vals := values[c.Key]
		// A key some results lack varies too.
		if len(vals) > 1 || (len(vals) == 1 && lacks(f, c.Key)) {
			keys = append(keys, c.Key)
		}
	}
	if len(keys) == 0 {
		return results.LabelKey, "one column: the file"
	}
	return keys[0], "one column per value of " + keys[0] + ", which varies between the results"
}

// lacks reports whether some result of f has no value for key.
func lacks(f *results.File, key string) bool {
	for _, r := range f.Results {
		if r.GetConfig(key) == "" {
			return true
		}
	}
	return false
}

// writeGeneric renders the page of results that are not allocbench's
// cells: compare's tables, rows by full benchmark name.
func writeGeneric(w io.Writer, in Input, p page) ([]results.Warning, error) {
	col, says := genericColumns(in.Files)
	opts := compare.Options{Row: ".fullname", Col: col, Metrics: []string{"all"}, Baseline: in.Baseline}
	tables, warns, err := compare.Tables(in.Files, opts)
	if err != nil {
		return warns, err
	}
	p.Generic, p.GenericCols = true, says
	p.Confidence = strconv.FormatFloat(100*compare.DefaultConfidence, 'g', -1, 64) + "%"
	p.Alpha = strconv.FormatFloat(compare.DefaultAlpha, 'g', -1, 64)
	for _, t := range tables {
		var b strings.Builder
		if err := t.WriteText(&b); err != nil {
			return warns, err
		}
		text := b.String()
		// The caption is the text's first line.
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			text = text[i+1:]
		}
		p.Tables = append(p.Tables, genericTable{Caption: t.Caption(), Text: text})
	}
	if len(p.Tables) == 0 {
		return warns, fmt.Errorf("nothing to show: no results")
	}
	for _, wn := range append(append([]results.Warning(nil), in.Warnings...), warns...) {
		p.Warnings = append(p.Warnings, wn.String())
	}
	return warns, pageTemplate.Execute(w, p)
}
