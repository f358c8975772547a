package compare

import (
	"encoding/json"
	"io"
	"math"
	"strconv"

	"github.com/allocbench/allocbench/internal/results"
)

// JSONSchema names the layout WriteJSON writes; it changes when a field
// changes meaning or goes away (adding one does not).
const JSONSchema = "allocbench-compare/1"

// jsonDoc is the document WriteJSON writes; docs/comparing.md documents it.
type jsonDoc struct {
	Schema     string        `json:"schema"`
	Alpha      float64       `json:"alpha"`
	Confidence float64       `json:"confidence"`
	Files      []jsonFile    `json:"files"`
	Warnings   []jsonWarning `json:"warnings"`
	Tables     []jsonTable   `json:"tables"`
	Claims     any           `json:"claims,omitempty"`
}

type jsonFile struct {
	Label    string            `json:"label"`
	Path     string            `json:"path"`
	Results  int               `json:"results"`
	Excluded int               `json:"excluded"`
	Config   map[string]string `json:"config"`
}

type jsonWarning struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

type jsonTable struct {
	Metric    string       `json:"metric"`
	Caption   string       `json:"caption"`
	RowHeader string       `json:"row_header"`
	Common    string       `json:"common"`
	Baseline  string       `json:"baseline"`
	Columns   []jsonColumn `json:"columns"`
	Rows      []jsonRow    `json:"rows"`
	Geomean   *jsonRow     `json:"geomean"`
	Notes     []string     `json:"notes"`
}

type jsonColumn struct {
	Label  string            `json:"label"`
	Fields map[string]string `json:"fields"`
}

type jsonRow struct {
	Label  string            `json:"label"`
	Fields map[string]string `json:"fields,omitempty"`
	Cells  []jsonCell        `json:"cells"`
}

type jsonCell struct {
	N           int        `json:"n"`
	Median      *jsonNum   `json:"median"`
	Lo          *jsonNum   `json:"lo"`
	Hi          *jsonNum   `json:"hi"`
	Values      []jsonNum  `json:"values,omitempty"`
	DeltaPct    *jsonNum   `json:"delta_pct"`
	DeltaLoPct  *jsonNum   `json:"delta_lo_pct,omitempty"`
	DeltaHiPct  *jsonNum   `json:"delta_hi_pct,omitempty"`
	Groups      []jsonMode `json:"groups,omitempty"`
	P           *jsonNum   `json:"p"`
	Significant *bool      `json:"significant"`
}

// jsonMode is one group of a cell's runs.
type jsonMode struct {
	N      int     `json:"n"`
	Median jsonNum `json:"median"`
}

// jsonNum is a number written with ten significant digits, as the CSV
// form writes it: no float noise such as 16.950000000000003.
type jsonNum float64

func (n jsonNum) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(n), 'g', 10, 64)), nil
}

// finite returns v as a number, or nil for NaN and ±Inf, which JSON
// cannot hold.
func finite(v float64) *jsonNum {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	n := jsonNum(v)
	return &n
}

func jsonCellOf(c Cell, geomean bool) jsonCell {
	j := jsonCell{N: c.N}
	if c.N == 0 {
		return j
	}
	j.Median = finite(c.Center)
	if !geomean {
		j.Lo, j.Hi = finite(c.Lo), finite(c.Hi)
		for _, v := range c.Values {
			j.Values = append(j.Values, jsonNum(v))
		}
		for _, m := range c.Modes {
			j.Groups = append(j.Groups, jsonMode{N: m.N(), Median: jsonNum(m.Median)})
		}
	}
	if c.HasDelta {
		j.DeltaPct = finite(100 * c.Delta)
		if !geomean {
			j.P = finite(c.P)
			j.DeltaLoPct, j.DeltaHiPct = finite(100*c.DeltaLo), finite(100*c.DeltaHi)
			sig := c.Significant
			j.Significant = &sig
		}
	}
	return j
}

func jsonRowOf(r *Row, geomean bool) jsonRow {
	j := jsonRow{Label: r.Label, Fields: r.Fields, Cells: make([]jsonCell, len(r.Cells))}
	for i, c := range r.Cells {
		j.Cells[i] = jsonCellOf(c, geomean)
	}
	return j
}

func jsonTableOf(t *Table) jsonTable {
	j := jsonTable{Metric: t.Metric, Caption: t.Caption(), RowHeader: t.RowHeader, Common: t.Common,
		Rows: make([]jsonRow, len(t.Rows)), Notes: t.Notes}
	if j.Notes == nil {
		j.Notes = []string{}
	}
	if len(t.Cols) > 0 {
		j.Baseline = t.Cols[0]
	}
	for i, c := range t.Cols {
		col := jsonColumn{Label: c}
		if i < len(t.ColFields) {
			col.Fields = t.ColFields[i]
		}
		j.Columns = append(j.Columns, col)
	}
	for i := range t.Rows {
		j.Rows[i] = jsonRowOf(&t.Rows[i], false)
	}
	if t.Geomean != nil {
		g := jsonRowOf(t.Geomean, true)
		j.Geomean = &g
	}
	return j
}

// WriteJSON writes files, warnings and tables as one JSON document of
// layout JSONSchema; claims, when not nil, goes in as "claims".
func WriteJSON(w io.Writer, files []*results.File, warns []results.Warning, tables []*Table, opts Options, claims any) error {
	opts, _ = opts.resolve(files)
	doc := jsonDoc{Schema: JSONSchema, Alpha: opts.Alpha, Confidence: opts.Confidence,
		Files: []jsonFile{}, Warnings: []jsonWarning{}, Tables: []jsonTable{}, Claims: claims}
	for _, f := range files {
		cfg := make(map[string]string, len(f.Config))
		for _, c := range f.Config {
			cfg[c.Key] = c.Value
		}
		doc.Files = append(doc.Files, jsonFile{Label: f.Label, Path: f.Path, Results: len(f.Results), Excluded: f.Excluded, Config: cfg})
	}
	for _, wn := range warns {
		doc.Warnings = append(doc.Warnings, jsonWarning{File: wn.File, Line: wn.Line, Message: wn.Msg})
	}
	for _, t := range tables {
		doc.Tables = append(doc.Tables, jsonTableOf(t))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
