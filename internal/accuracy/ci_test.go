package accuracy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requiring returns, for every test function under root that calls
// accuracy.Require, its name and its package directory ("./bench").
func requiring(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || (strings.HasPrefix(d.Name(), ".") && p != root)) {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil || !strings.HasPrefix(fn.Name.Name, "Test") {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if ok && sel.Sel.Name == "Require" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "accuracy" {
						rel, _ := filepath.Rel(root, filepath.Dir(p))
						out[fn.Name.Name] = "./" + filepath.ToSlash(rel)
					}
				}
				return true
			})
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// Every test that only runs as an accuracy check is run by .ci/run's
// accuracy step: its name matches the step's -run pattern and its package
// is in the step's list.
func TestCIRunsEveryAccuracyCheck(t *testing.T) {
	ci, err := os.ReadFile("../../.ci/run")
	require.NoError(t, err)
	text := strings.ReplaceAll(string(ci), "\\\n", " ")
	var step string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), Env+"=1 go test") {
			step = line
		}
	}
	require.NotEmpty(t, step, ".ci/run has a step with %s=1 go test", Env)
	m := regexp.MustCompile(`-run '([^']+)'`).FindStringSubmatch(step)
	require.NotNil(t, m, "the accuracy step names its tests with -run '...': %s", step)
	pattern := regexp.MustCompile(m[1])
	packages := map[string]bool{}
	for _, f := range strings.Fields(step) {
		if strings.HasPrefix(f, "./") {
			packages[f] = true
		}
	}

	checks := requiring(t, "../..")
	require.NotEmpty(t, checks, "the accuracy checks are found")
	for name, pkg := range checks {
		assert.True(t, pattern.MatchString(name), "%s (%s) matches the accuracy step's -run %q", name, pkg, m[1])
		assert.True(t, packages[pkg], "%s: package %s is in the accuracy step", name, pkg)
	}
}
