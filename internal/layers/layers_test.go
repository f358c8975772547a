package layers

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/allocbench/allocbench"

// A room is a folder (with everything under it) and its layer. Rooms of
// one layer with different names may not import each other.
type room struct {
	dir   string
	layer int
	name  string
}

// rooms, most specific folder first where folders nest.
var rooms = []room{
	{"internal/analysis", 5, "analysis"},
	{"internal/infra", 5, "infra"},
	{"internal/results", 0, "foundations"},
	{"internal/stats", 0, "foundations"},
	{"internal/suggest", 0, "foundations"},
	{"internal/elfinfo", 0, "foundations"},
	{"internal/procfs", 0, "foundations"},
	{"internal/procgroup", 0, "foundations"},
	{"internal/usage", 0, "foundations"},
	{"internal/accuracy", 0, "foundations"},
	{"internal/docs", 0, "foundations"},
	{"internal/layers", 0, "foundations"},
	{"alloc", 1, "alloc"},
	{"cgoalloc", 2, "probes"},
	{"internal/sysinfo", 2, "probes"},
	{"internal/futex", 2, "probes"},
	{"workloads", 3, "workloads"},
	{"bench", 4, "harness"},
	{"cmd", 6, "command"},
	{"internal/programs", 6, "command"},     // the real programs the command's tests measure
	{"internal/freshmachine", 6, "command"}, // tests of the command as a user runs it
	{"examples", 6, "command"},
}

func roomOf(dir string) (room, bool) {
	for _, r := range rooms {
		if dir == r.dir || strings.HasPrefix(dir, r.dir+"/") {
			return r, true
		}
	}
	return room{}, false
}

// packageImports maps each package folder of the module (relative to its
// root) to the module's packages its non-test files import.
func packageImports(t *testing.T, root string) map[string][]string {
	imports := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			base := d.Name()
			if rel != "." && (strings.HasPrefix(base, ".") || base == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		if _, ok := imports[dir]; !ok {
			imports[dir] = nil
		}
		for _, spec := range f.Imports {
			p := strings.Trim(spec.Path.Value, `"`)
			if strings.HasPrefix(p, module+"/") {
				imports[dir] = append(imports[dir], strings.TrimPrefix(p, module+"/"))
			}
		}
		return nil
	})
	require.NoError(t, err)
	return imports
}

func TestNoUpwardImports(t *testing.T) {
	imports := packageImports(t, filepath.Join("..", ".."))
	require.Contains(t, imports, "workloads", "the walk should find the module's packages")
	for dir, deps := range imports {
		from, ok := roomOf(dir)
		if !assert.True(t, ok, "package %s is in no room of this test's table: add it where it belongs", dir) {
			continue
		}
		for _, dep := range deps {
			to, ok := roomOf(dep)
			if !ok {
				continue // reported as its own package above
			}
			assert.LessOrEqual(t, to.layer, from.layer,
				"%s (%s, layer %d) imports %s (%s, layer %d): a lower layer may not import a higher one",
				dir, from.name, from.layer, dep, to.name, to.layer)
			if to.layer == from.layer && to.name != from.name {
				assert.Fail(t, "rooms side by side import each other",
					"%s (%s) imports %s (%s)", dir, from.name, dep, to.name)
			}
		}
	}
}

// The table must not hide a package by a folder that matches nothing.
func TestEveryRoomExists(t *testing.T) {
	imports := packageImports(t, filepath.Join("..", ".."))
	for _, r := range rooms {
		found := false
		for dir := range imports {
			if dir == r.dir || strings.HasPrefix(dir, r.dir+"/") {
				found = true
				break
			}
		}
		assert.True(t, found, "room %s lists folder %s, which holds no package", r.name, r.dir)
	}
}
