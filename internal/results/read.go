package results

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// A Source names one input: a file of Go benchmark results and the label
// its results are shown under.
type Source struct {
	Label string
	Path  string
}

// ParseSource parses a command-line argument of the form [label=]path.
// Without a label, the label is the file's base name without its
// extension. An "=" that comes after a path separator is part of the path.
func ParseSource(arg string) Source {
	src, _ := parseSource(arg)
	return src
}

func parseSource(arg string) (src Source, labelled bool) {
	if i := strings.IndexByte(arg, '='); i > 0 && !strings.ContainsAny(arg[:i], "/"+string(filepath.Separator)) {
		return Source{Label: arg[:i], Path: arg[i+1:]}, true
	}
	return Source{Label: defaultLabel(arg), Path: arg}, false
}

// ParseSources parses each argument with ParseSource. Labels derived from
// file names that would collide with another input's label are replaced by
// the path, so that two files called glibc.txt in different directories
// stay apart; explicit labels that are equal merge their files on purpose.
func ParseSources(args []string) []Source {
	srcs := make([]Source, len(args))
	explicit := make([]bool, len(args))
	count := make(map[string]int)
	for i, a := range args {
		srcs[i], explicit[i] = parseSource(a)
		count[srcs[i].Label]++
	}
	for i := range srcs {
		if !explicit[i] && count[srcs[i].Label] > 1 {
			srcs[i].Label = srcs[i].Path
		}
	}
	return srcs
}

func defaultLabel(path string) string {
	base := filepath.Base(path)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// A Warning is a problem with the input that did not stop the comparison.
type Warning struct {
	File string // path of the input, or "" when not about one file
	Line int    // line number, or 0 when not about one line
	Msg  string
}

func (w Warning) String() string {
	switch {
	case w.File != "" && w.Line > 0:
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg)
	case w.File != "":
		return w.File + ": " + w.Msg
	}
	return w.Msg
}

// ReadFiles reads every source. A file that cannot be opened, a malformed,
// over-long or cut-off line, an impossible value, the results of a failed
// cell, a read error or a file without results becomes a Warning and the
// rest is still read. Files that could be opened are returned even when they
// hold no results. When the files differ in the environment variables that
// change allocators, or in how futex time was measured, a warning says how.
func ReadFiles(srcs []Source) ([]*File, []Warning) {
	var files []*File
	var warns []Warning
	for _, src := range srcs {
		f, w := ReadFile(src)
		warns = append(warns, w...)
		if f != nil {
			files = append(files, f)
		}
	}
	warns = append(warns, EnvWarnings(files)...)
	return files, append(warns, FutexMethodWarnings(files)...)
}

// Limits that keep reading a hostile file in bounded memory: distinct
// configurations and benchmark names per file, and how many failed cells a
// warning names.
const (
	maxConfigurations = 10000
	maxNames          = 100000
	maxUnitLists      = 1000
	maxNamedCells     = 10
	// maxConfigKeys is the most distinct configuration keys, and maxUnits
	// the most distinct units, a file may have.
	maxConfigKeys = 100000
	maxUnits      = 100000
	// maxConfigWork bounds the configuration entries a file's results
	// make the reader look at: those of each result whose configuration
	// lines changed. A file that adds a key before every result would
	// otherwise cost the square of its length.
	maxConfigWork = 1 << 20
)

// ReadFile reads one source; see ReadFiles. It returns nil if the file
// cannot be opened.
func ReadFile(src Source) (*File, []Warning) {
	fh, err := os.Open(src.Path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, []Warning{{File: src.Path, Msg: "cannot read: " + err.Error()}}
	}
	defer fh.Close()
	return Read(src, fh)
}

// Read reads the results of src from r, which the caller opened; see
// ReadFiles.
func Read(src Source, r io.Reader) (*File, []Warning) {
	rd := newFileReader(src)
	lim := newLineLimiter(r)
	rd.utf16 = lim.utf16()
	br := benchfmt.NewReader(lim, src.Path)
	br.Reset(lim, src.Path, LabelKey, src.Label, FileKey, src.Label)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.Result:
			_, line := rec.Pos()
			rd.add(rec, lim.cutOff, lim.otherLineBefore(line))
		case *benchfmt.SyntaxError:
			if rec.Line == lim.cutOff {
				rd.warn(rec.Line, cutOffMsg)
			} else {
				rd.warn(rec.Line, "skipped malformed line: "+rec.Msg)
			}
		}
	}
	for _, l := range lim.long {
		rd.warn(l.line, fmt.Sprintf("skipped a line of %d bytes: longer than readers accept (%d)", l.length, MaxLineBytes))
	}
	if err := br.Err(); err != nil {
		rd.warn(0, "stopped reading: "+err.Error())
	}
	return rd.finish()
}

const cutOffMsg = "skipped a line cut off at the end of the file (no newline after it)"

// fileReader collects one file's results.
type fileReader struct {
	f     *File
	warns []Warning
	// Warnings about single lines, and the lines skipped without one.
	lineWarnings, unwarned int
	// Results left out for a new name or list of units past the limits,
	// and the line of the first.
	leftOut, leftOutLine int
	// Configurations, shared by the results that follow the same lines.
	last    *Configuration
	configs map[string]*Configuration
	capped  bool
	// The configuration entries looked at (see maxConfigWork), and the
	// keys of the configurations.
	configWork int
	configKeys map[string]bool
	unitSet    map[string]bool
	merged     *mergedConfig
	utf16      bool // the file looks like UTF-16 text
	failed     map[string]*failedCell
	failures   []string  // failed cells in order of appearance
	results    []Result  // the block new results go in
	values     []float64 // the block new values go in
	units      map[string][]string
	lastUnits  []string
	names      map[string]benchfmt.Name
}

type failedCell struct {
	line, results int
}

func newFileReader(src Source) *fileReader {
	return &fileReader{
		f:          &File{Source: src},
		configs:    make(map[string]*Configuration),
		configKeys: make(map[string]bool),
		unitSet:    make(map[string]bool),
		merged:     newMergedConfig(),
		failed:     make(map[string]*failedCell),
		units:      make(map[string][]string),
		names:      make(map[string]benchfmt.Name),
	}
}

// maxLineWarnings is how many warnings about single lines one file gets;
// the rest are counted.
const maxLineWarnings = 100

func (rd *fileReader) warn(line int, msg string) {
	if line > 0 && rd.lineWarnings == maxLineWarnings {
		rd.unwarned++
		return
	}
	if line > 0 {
		rd.lineWarnings++
	}
	rd.warns = append(rd.warns, Warning{File: rd.f.Path, Line: line, Msg: msg})
}

// add keeps a result unless it is cut off, holds an impossible value or
// comes from a failed cell.
func (rd *fileReader) add(rec *benchfmt.Result, cutOff int, configLines bool) {
	_, line := rec.Pos()
	if line == cutOff {
		rd.warn(line, cutOffMsg)
		return
	}
	for _, v := range rec.Values {
		unit, val := OrigUnit(v)
		if why := ValueProblem(unit, val); why != "" {
			rd.warn(line, fmt.Sprintf("skipped result: %s %s", why, unit))
			return
		}
	}
	conf := rd.configuration(rec, line, configLines)
	if cell := conf.Get(FailedKey); cell != "" {
		fc := rd.failed[cell]
		if fc == nil {
			fc = &failedCell{line: line}
			rd.failed[cell] = fc
			rd.failures = append(rd.failures, cell)
		}
		fc.results++
		rd.f.Excluded++
		return
	}
	if !conf.merged {
		conf.merged = true
		rd.merged.add(conf)
	}
	name, ok := rd.name(rec.Name)
	var units []string
	if ok {
		units, ok = rd.unitList(rec.Values)
	}
	if !ok {
		if rd.leftOut == 0 {
			rd.leftOutLine = line
		}
		rd.leftOut++
		return
	}
	res := rd.newResult()
	*res = Result{Name: name, Iters: rec.Iters, Config: conf, Line: line, Units: units}
	res.Values = rd.newValues(len(rec.Values))
	for i, v := range rec.Values {
		_, res.Values[i] = OrigUnit(v)
	}
	rd.f.Results = append(rd.f.Results, res)
}

// Results and their values are allocated in blocks: a million small
// allocations cost the garbage collector more than a few hundred large ones.
const (
	resultBlock = 4096
	valueBlock  = 64 << 10
)

func (rd *fileReader) newResult() *Result {
	if len(rd.results) == cap(rd.results) {
		rd.results = make([]Result, 0, resultBlock)
	}
	rd.results = rd.results[:len(rd.results)+1]
	return &rd.results[len(rd.results)-1]
}

func (rd *fileReader) newValues(n int) []float64 {
	if n > valueBlock/8 {
		return make([]float64, n)
	}
	if len(rd.values)+n > cap(rd.values) {
		rd.values = make([]float64, 0, valueBlock)
	}
	i := len(rd.values)
	rd.values = rd.values[:i+n]
	return rd.values[i : i+n : i+n]
}

// unitList returns the units of vals as written, shared with earlier
// results that have the same units; ok is false for a new list of units
// past maxUnitLists.
func (rd *fileReader) unitList(vals []benchfmt.Value) (units []string, ok bool) {
	same := len(rd.lastUnits) == len(vals)
	for i := 0; same && i < len(vals); i++ {
		u, _ := OrigUnit(vals[i])
		same = u == rd.lastUnits[i]
	}
	if same && rd.lastUnits != nil {
		return rd.lastUnits, true
	}
	var key strings.Builder
	for _, v := range vals {
		u, _ := OrigUnit(v)
		key.WriteString(u)
		key.WriteByte(0)
	}
	units, ok = rd.units[key.String()]
	if !ok {
		if len(rd.units) == maxUnitLists {
			return nil, false
		}
		units = make([]string, len(vals))
		added := 0
		for i, v := range vals {
			units[i], _ = OrigUnit(v)
			if !rd.unitSet[units[i]] {
				added++
			}
		}
		if len(rd.unitSet)+added > maxUnits {
			return nil, false
		}
		for _, u := range units {
			rd.unitSet[u] = true
		}
		rd.units[key.String()] = units
	}
	rd.lastUnits = units
	return units, true
}

// name returns name, shared with earlier results of the same name; ok is
// false for a new name past maxNames.
func (rd *fileReader) name(name benchfmt.Name) (n benchfmt.Name, ok bool) {
	if n, ok := rd.names[string(name)]; ok {
		return n, true
	}
	if len(rd.names) == maxNames {
		return nil, false
	}
	n = append(benchfmt.Name(nil), name...)
	rd.names[string(n)] = n
	return n, true
}

// configuration returns the Configuration of rec, shared with every
// earlier result whose configuration is the same. changed says whether a
// line other than a result line came since the previous result: if not,
// its configuration is the previous one's.
func (rd *fileReader) configuration(rec *benchfmt.Result, line int, changed bool) *Configuration {
	if rd.capped || (!changed && rd.last != nil) {
		return rd.last
	}
	rd.configWork += len(rec.Config)
	if rd.configWork > maxConfigWork {
		return rd.capConfig(rec, line, fmt.Sprintf("configurations too large or changing too often: more than %d configuration entries to read", maxConfigWork))
	}
	if rd.last != nil && rd.last.same(rec.Config) {
		return rd.last
	}
	key := configKey(rec.Config)
	if c, ok := rd.configs[key]; ok {
		rd.last = c
		return c
	}
	if len(rd.configs) == maxConfigurations {
		return rd.capConfig(rec, line, fmt.Sprintf("more than %d distinct configurations", maxConfigurations))
	}
	for _, e := range rec.Config {
		if !rd.configKeys[e.Key] {
			if len(rd.configKeys) == maxConfigKeys {
				return rd.capConfig(rec, line, fmt.Sprintf("more than %d distinct configuration keys", maxConfigKeys))
			}
			rd.configKeys[e.Key] = true
		}
	}
	c := newConfiguration(rec.Config)
	rd.configs[key] = c
	rd.last = c
	return c
}

// capConfig stops reading configuration lines, saying why: the results from
// line on keep the configuration before it.
func (rd *fileReader) capConfig(rec *benchfmt.Result, line int, why string) *Configuration {
	rd.capped = true
	rd.warn(line, why+": configuration lines from here on are ignored")
	if rd.last == nil {
		// The keys ReadFile adds, without the file's.
		var added []benchfmt.Config
		for _, e := range rec.Config {
			if !e.File {
				added = append(added, e)
			}
		}
		rd.last = newConfiguration(added)
	}
	return rd.last
}

func (rd *fileReader) finish() (*File, []Warning) {
	f := rd.f
	f.Config = rd.merged.lines()
	if rd.leftOut > 0 {
		rd.warns = append(rd.warns, Warning{File: f.Path, Line: rd.leftOutLine,
			Msg: fmt.Sprintf("more than %d distinct benchmarks, %d distinct sets of units or %d distinct units: %d results with new ones from here on are left out", maxNames, maxUnitLists, maxUnits, rd.leftOut)})
	}
	if rd.unwarned > 0 {
		rd.warn(0, fmt.Sprintf("%d more lines were skipped or ignored; only the first %d are named", rd.unwarned, maxLineWarnings))
	}
	if len(rd.failures) > 0 {
		var named []string
		for i, cell := range rd.failures {
			if i == maxNamedCells {
				named = append(named, fmt.Sprintf("and %d more", len(rd.failures)-i))
				break
			}
			fc := rd.failed[cell]
			named = append(named, fmt.Sprintf("%s (%d from line %d)", cell, fc.results, fc.line))
			f.FailedCells = append(f.FailedCells, cell)
		}
		rd.warn(0, fmt.Sprintf("left out %d results of %d failed cell(s): %s", f.Excluded, len(rd.failures), strings.Join(named, "; ")))
	}
	if len(f.Results) == 0 {
		if rd.utf16 {
			rd.warn(0, "no benchmark results: the file is UTF-16 text (as Windows PowerShell's > writes it), and readers take UTF-8; convert it, e.g. iconv -f UTF-16 -t UTF-8")
		} else {
			rd.warn(0, "no benchmark results")
		}
	}
	// Line by line, then what concerns the whole file.
	order := func(w Warning) int {
		if w.Line == 0 {
			return math.MaxInt
		}
		return w.Line
	}
	sort.SliceStable(rd.warns, func(i, j int) bool { return order(rd.warns[i]) < order(rd.warns[j]) })
	return f, rd.warns
}

// EnvWarnings says how files differ in the environment variables that
// change allocators (configuration keys EnvKeyPrefix...), when
// they do. ReadFiles adds it to its warnings.
func EnvWarnings(files []*File) []Warning {
	var withResults []*File
	for _, f := range files {
		if len(f.Results) > 0 {
			withResults = append(withResults, f)
		}
	}
	if len(withResults) < 2 {
		return nil
	}
	descs := make([]string, len(withResults))
	differ := false
	for i, f := range withResults {
		var vars []string
		for _, c := range f.Config {
			if name := EnvName(c.Key); name != "" {
				vars = append(vars, name+"="+c.Value)
			}
		}
		descs[i] = "none"
		if len(vars) > 0 {
			descs[i] = strings.Join(vars, " ")
		}
		differ = differ || descs[i] != descs[0]
	}
	if !differ {
		return nil
	}
	var parts []string
	for i, f := range withResults {
		parts = append(parts, f.Path+": "+descs[i])
	}
	return []Warning{{Msg: "the files were measured with different allocator environment variables, which change what allocators do: " + strings.Join(parts, "; ")}}
}
