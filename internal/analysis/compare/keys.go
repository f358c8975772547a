package compare

import (
	"fmt"
	"sort"
	"strings"

	"github.com/allocbench/allocbench/internal/results"

	"golang.org/x/perf/benchproc"

	"github.com/allocbench/allocbench/internal/suggest"
)

// A KeyError says that -row or -col projects a key that no file has: a
// benchmark name key without its slash (alloc for /alloc), or a
// misspelling. Without the check the key reads as a configuration key
// every result lacks, and the table has one "(none)" column.
type KeyError struct {
	Flag string // -row or -col
	Key  string
	// Suggest is the nearest key the files have, or "".
	Suggest string
	// NameKeys are the benchmark name keys the files have (/workload, ...).
	NameKeys []string
}

func (e *KeyError) Error() string {
	msg := fmt.Sprintf("%s: no file has the key %q", e.Flag, e.Key)
	if e.Suggest != "" {
		msg += "; did you mean " + e.Suggest + "?"
	}
	return msg + fmt.Sprintf(" (name keys: %s; configuration keys like libc; %s, .name, .fullname, .config)",
		strings.Join(e.NameKeys, ", "), results.LabelKey)
}

// CheckKeys checks that every key opts.Row and opts.Col project is one the
// files have: a benchmark name key (/workload), a configuration key (libc,
// LabelKey, FileKey) or one of benchproc's own (.name, .fullname, .config,
// /gomaxprocs). Files without results check nothing: there is nothing to
// compare in them anyway.
func CheckKeys(files []*results.File, opts Options) error {
	nameKeys := map[string]bool{}
	configKeys := map[string]bool{results.LabelKey: true, results.FileKey: true}
	seen := map[string]bool{}
	any := false
	for _, f := range files {
		for _, c := range f.Config {
			configKeys[c.Key] = true
		}
		for _, r := range f.Results {
			any = true
			full := string(r.Name)
			if seen[full] {
				continue
			}
			seen[full] = true
			_, parts := r.Name.Parts()
			for _, p := range parts {
				if k, _, ok := strings.Cut(string(p), "="); ok && strings.HasPrefix(k, "/") {
					nameKeys[k] = true
				}
			}
		}
	}
	if !any {
		return nil
	}
	names := sortedKeys(nameKeys)
	candidates := append(append([]string(nil), names...), sortedKeys(configKeys)...)
	var pp benchproc.ProjectionParser
	for _, p := range []struct{ flag, proj string }{{"-row", opts.Row}, {"-col", opts.Col}} {
		if strings.TrimSpace(p.proj) == "" {
			continue
		}
		proj, err := pp.Parse(p.proj, new(benchproc.Filter))
		if err != nil {
			return fmt.Errorf("parsing %s: %w", p.flag, err)
		}
		for _, field := range proj.Fields() {
			k := field.Name
			switch {
			case field.IsTuple, k == ".name", k == ".fullname", k == "/gomaxprocs", nameKeys[k], configKeys[k]:
				continue
			}
			return &KeyError{Flag: p.flag, Key: k, Suggest: suggest.Closest(k, candidates), NameKeys: names}
		}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
