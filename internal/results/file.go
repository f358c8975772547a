package results

import (
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"
)

// A Config is one configuration line ("key: value").
type Config struct {
	Key   string
	Value string
}

// A File is an input that was read: its configuration and its benchmark
// results.
type File struct {
	Source
	// Config lists the configuration keys of the file's results in the
	// order they first appear. A key that takes several values lists
	// them, separated by " | " (the first few, then how many more).
	Config  []Config
	Results []*Result
	// Excluded is the number of results left out because their cell
	// failed (see FailedKey); FailedCells names those cells (the first
	// few).
	Excluded    int
	FailedCells []string
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

// A Result is one benchmark result line. Results are kept compactly: the
// values in the units as written (ns/op, not benchfmt's sec/op), and a
// Configuration shared by every result that follows the same configuration
// lines. Results are read-only.
type Result struct {
	Name   benchfmt.Name
	Iters  int
	Units  []string  // shared between results with the same units
	Values []float64 // Values[i] is in Units[i]
	Config *Configuration
	Line   int // line number in the file
}

// GetConfig returns the value of configuration key for r, or "".
func (r *Result) GetConfig(key string) string {
	return r.Config.Get(key)
}

// A Configuration is what the configuration lines before a result set, plus
// the keys ReadFile adds (LabelKey, FileKey).
type Configuration struct {
	entries []benchfmt.Config
	// result presents a Result to benchproc; see benchResult.
	result *benchfmt.Result
	merged bool // already part of the file's merged Config
}

func newConfiguration(cfg []benchfmt.Config) *Configuration {
	c := &Configuration{entries: make([]benchfmt.Config, len(cfg))}
	for i, e := range cfg {
		c.entries[i] = benchfmt.Config{Key: e.Key, Value: append([]byte(nil), e.Value...), File: e.File}
	}
	return c
}

// Get returns the value of key, or "".
func (c *Configuration) Get(key string) string {
	for _, e := range c.entries {
		if e.Key == key {
			return string(e.Value)
		}
	}
	return ""
}

// Lines returns the configuration set by the file's lines (not the keys
// ReadFile adds), in benchfmt's order.
func (c *Configuration) Lines() []Config {
	var out []Config
	for _, e := range c.entries {
		if e.File {
			out = append(out, Config{e.Key, string(e.Value)})
		}
	}
	return out
}

// same reports whether cfg holds exactly c's entries, in the same order.
func (c *Configuration) same(cfg []benchfmt.Config) bool {
	if len(cfg) != len(c.entries) {
		return false
	}
	for i, e := range cfg {
		x := c.entries[i]
		if e.Key != x.Key || e.File != x.File || string(e.Value) != string(x.Value) {
			return false
		}
	}
	return true
}

// configKey identifies a configuration by its content, whatever the order
// of its entries.
func configKey(cfg []benchfmt.Config) string {
	idx := make([]int, len(cfg))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return cfg[idx[a]].Key < cfg[idx[b]].Key })
	var b strings.Builder
	for _, i := range idx {
		e := cfg[i]
		b.WriteString(e.Key)
		if e.File {
			b.WriteByte(1)
		} else {
			b.WriteByte(2)
		}
		b.Write(e.Value)
		b.WriteByte(0)
	}
	return b.String()
}

// BenchResult presents r to benchproc as a benchfmt.Result, with benchfmt's
// tidied units. The value is shared by every result of r's Configuration and
// valid until the next call for one of them.
func (r *Result) BenchResult() *benchfmt.Result {
	c := r.Config
	if c.result == nil {
		c.result = &benchfmt.Result{Config: c.entries}
	}
	b := c.result
	b.Name, b.Iters = r.Name, r.Iters
	b.Values = b.Values[:0]
	for i, u := range r.Units {
		v := r.Values[i]
		// As benchfmt's reader does it.
		if tv, tu := benchunit.Tidy(v, u); tv != v {
			b.Values = append(b.Values, benchfmt.Value{Value: tv, Unit: tu, OrigValue: v, OrigUnit: u})
		} else {
			b.Values = append(b.Values, benchfmt.Value{Value: v, Unit: u})
		}
	}
	return b
}

// maxShownValues is how many values of one key File.Config lists.
const maxShownValues = 8

// mergedConfig is the configuration of a whole file: every key with the
// distinct values it takes, in order of appearance.
type mergedConfig struct {
	keys   []string
	values map[string][]string
	seen   map[string]map[string]bool
}

func newMergedConfig() *mergedConfig {
	return &mergedConfig{values: make(map[string][]string), seen: make(map[string]map[string]bool)}
}

func (m *mergedConfig) add(c *Configuration) {
	for _, e := range c.entries {
		if !e.File {
			continue
		}
		seen := m.seen[e.Key]
		if seen == nil {
			seen = make(map[string]bool)
			m.seen[e.Key] = seen
			m.keys = append(m.keys, e.Key)
		}
		v := string(e.Value)
		if !seen[v] {
			seen[v] = true
			m.values[e.Key] = append(m.values[e.Key], v)
		}
	}
}

func (m *mergedConfig) lines() []Config {
	out := make([]Config, 0, len(m.keys))
	for _, k := range m.keys {
		vals := m.values[k]
		v := strings.Join(vals[:min(len(vals), maxShownValues)], " | ")
		if n := len(vals) - maxShownValues; n > 0 {
			v += " | … and " + strconv.Itoa(n) + " more"
		}
		out = append(out, Config{k, v})
	}
	return out
}
