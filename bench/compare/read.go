package compare

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Config keys that ReadFiles sets on every result, so that projections
// (-row, -col, -filter) can refer to the input a result came from.
const (
	// LabelKey is the label of the input file ("glibc" for
	// glibc=results/glibc.txt, or the base name without extension).
	LabelKey = ".label"
	// FileKey is the same label under the key benchstat users know.
	FileKey = ".file"
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

// A Config is one file configuration line ("key: value").
type Config struct {
	Key   string
	Value string
}

// A File is an input that was read: its file configuration and its
// benchmark results. Each result carries LabelKey and FileKey.
type File struct {
	Source
	// Config lists the file configuration keys in the order they first
	// appear. A key that takes several values in one file lists them
	// all, separated by " | ".
	Config  []Config
	Results []*benchfmt.Result
}

// Get returns the value of configuration key, or "".
func (f *File) Get(key string) string {
	for _, c := range f.Config {
		if c.Key == key {
			return c.Value
		}
	}
	return ""
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

// ReadFiles reads every source. A file that cannot be opened, a malformed
// or truncated line, a read error or a file without results becomes a
// Warning and the rest is still read. Files that could be opened are
// returned even when they hold no results.
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
	return files, warns
}

// ReadFile reads one source; see ReadFiles. It returns nil if the file
// cannot be opened.
func ReadFile(src Source) (*File, []Warning) {
	var warns []Warning
	fh, err := os.Open(src.Path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, []Warning{{File: src.Path, Msg: "cannot read: " + err.Error()}}
	}
	defer fh.Close()

	f := &File{Source: src}
	index := make(map[string]int)
	r := benchfmt.NewReader(fh, src.Path)
	r.Reset(fh, src.Path, LabelKey, src.Label, FileKey, src.Label)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			res := rec.Clone()
			f.Results = append(f.Results, res)
			for _, c := range res.Config {
				if !c.File {
					continue
				}
				v := string(c.Value)
				i, ok := index[c.Key]
				if !ok {
					index[c.Key] = len(f.Config)
					f.Config = append(f.Config, Config{c.Key, v})
					continue
				}
				if !containsValue(f.Config[i].Value, v) {
					f.Config[i].Value += " | " + v
				}
			}
		case *benchfmt.SyntaxError:
			warns = append(warns, Warning{File: rec.FileName, Line: rec.Line, Msg: "skipped malformed line: " + rec.Msg})
		}
	}
	if err := r.Err(); err != nil {
		warns = append(warns, Warning{File: src.Path, Msg: "stopped reading: " + err.Error()})
	}
	if len(f.Results) == 0 {
		warns = append(warns, Warning{File: src.Path, Msg: "no benchmark results"})
	}
	return f, warns
}

func containsValue(joined, v string) bool {
	for _, s := range strings.Split(joined, " | ") {
		if s == v {
			return true
		}
	}
	return false
}
