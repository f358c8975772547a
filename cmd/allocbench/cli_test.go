package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/docs"
)

// Every command's usage errors exit with 2, before any work; failures of
// the work itself with 1.
func TestExitStatus(t *testing.T) {
	root := filepath.Join(t.TempDir(), "results")
	usageErrors := [][]string{
		{"-bogus"},
		{"-o", root, "extra"},
		{"containers", "-bogus"},
		{"containers", "-o", root, "-images", "debian99"},
		{"fidelity", "-o", root, "-count", "0"},
		{"exec", "-o", root},
		{"exec", "-o", root, "-runs", "-1", "/bin/true"},
		{"exec", "-o", root, "-futex", "bogus", "/bin/true"},
		{"exec", "-o", root, "-allocs", "nosuch", "/bin/true"},
		{"exec", "-o", root, "-binary", "nolabel", "/bin/true"},
		{"exec", "-o", root, "-baseline", "nosuch", "-allocs", "libc", "/bin/true"},
		{"exec", "-o", root, filepath.Join(root, "missing-program")},
		{"compare", "-bogus"},
		{"compare"},
		{"compare", "-format", "yaml", "testdata/none.txt"},
		{"compare", "-alpha", "2", "testdata/none.txt"},
		{"compare", "-filter", "/workload:(", "testdata/none.txt"},
		{"compare", "-row", "/alloc@nosuchsort", "testdata/none.txt"},
		{"report", "-bogus"},
		{"report", "-o", filepath.Join(root, "r.html")},
		{"help", "nosuchcommand"},
		{"help", "compare", "report"},
	}
	for _, args := range usageErrors {
		var stdout, stderr bytes.Buffer
		err := run(args, &stdout, &stderr)
		if assert.Error(t, err, "%v", args) {
			assert.Equal(t, 2, exitCode(err), "%v: %v", args, err)
		}
		assert.Empty(t, stdout.String(), "%v", args)
	}
	assert.NoDirExists(t, root, "nothing was done")

	// Failures, not usage errors.
	var stdout, stderr bytes.Buffer
	missing := filepath.Join(t.TempDir(), "missing.txt")
	err := run([]string{"compare", missing}, &stdout, &stderr)
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), "nothing to compare")
		assert.Equal(t, 1, exitCode(err))
	}
	err = run([]string{"report", "-o", filepath.Join(t.TempDir(), "no", "dir", "r.html"), "../../internal/analysis/compare/testdata/glibc.txt"}, &stdout, &stderr)
	if assert.Error(t, err) {
		assert.Equal(t, 1, exitCode(err))
	}
}

// helpOf returns what `allocbench help <cmd>` prints (the main job's help
// for ""), and checks that -h prints the same on stderr.
func helpOf(t *testing.T, cmd string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := []string{"help"}
	if cmd != "" {
		args = append(args, cmd)
	}
	require.NoError(t, run(args, &stdout, &stderr))
	assert.Empty(t, stderr.String())

	var hout, herr bytes.Buffer
	hargs := []string{"-h"}
	if cmd != "" {
		hargs = []string{cmd, "-h"}
	}
	require.NoError(t, run(hargs, &hout, &herr), "-h is no error")
	assert.Empty(t, hout.String())
	assert.Equal(t, stdout.String(), herr.String(), "help %s and -h", cmd)
	return stdout.String()
}

func TestHelp(t *testing.T) {
	summaries := map[string]string{
		"":           mainSummary,
		"containers": containersSummary,
		"fidelity":   fidelitySummary,
		"exec":       execSummary,
		"compare":    compareDescription,
		"report":     reportDescription,
	}
	for cmd, summary := range summaries {
		h := helpOf(t, cmd)
		first, _, _ := strings.Cut(h, "\n")
		assert.Equal(t, summary, first, "%q: -h begins with its one-line description", cmd)
		assert.True(t, strings.HasPrefix(first, "allocbench"), first)
		assert.True(t, strings.HasSuffix(first, "."), first)
		assert.Contains(t, h, "usage: allocbench", cmd)
		assert.NotEmpty(t, helpFlags(h), "%q lists its flags", cmd)
	}
	for _, c := range commands {
		_, ok := summaries[c.name]
		assert.True(t, ok || c.name == "help" || c.name == "version", "%s has a test", c.name)
	}

	main := helpOf(t, "")
	for _, c := range commands {
		assert.Regexp(t, `(?m)^  `+c.name+` +`+regexp.QuoteMeta(c.summary)+`$`, main, "help lists %s", c.name)
	}
	assert.Contains(t, main, "which needs root", "the main job says it installs packages as root")
	assert.Contains(t, main, "with\n-no-install it installs nothing")
	assert.Contains(t, helpOf(t, "containers"), "as root, unless -no-install is given")

	for _, args := range [][]string{{"help", "help"}, {"help", "-h"}} {
		var stdout, stderr bytes.Buffer
		require.NoError(t, run(args, &stdout, &stderr))
		assert.True(t, strings.HasPrefix(stdout.String(), helpSummary+"\n"), "%v", args)
	}
}

var flagLine = regexp.MustCompile(`(?m)^  -([a-z][a-z0-9.-]*)`)

// helpFlags returns the flags a help text lists (flag.PrintDefaults).
func helpFlags(help string) []string {
	var out []string
	for _, m := range flagLine.FindAllStringSubmatch(help, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

var (
	flagsMarker = regexp.MustCompile(`^<!-- flags: ([a-z]+) -->$`)
	tableFlag   = regexp.MustCompile("`-([a-z][a-z0-9.-]*)`")
)

// docsFlags returns, for each "<!-- flags: name -->" marker of the README
// and the pages under docs/, the flags named in the first column of the
// table below it.
func docsFlags(t *testing.T) map[string][]string {
	t.Helper()
	data, err := docs.Read("../..")
	require.NoError(t, err)
	tables := map[string][]string{}
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		m := flagsMarker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		name := m[1]
		_, dup := tables[name]
		require.False(t, dup, "two tables for %s", name)
		tables[name] = []string{}
		// The header and the separator, then the rows.
		j := i + 3
		require.Less(t, j, len(lines))
		require.True(t, strings.HasPrefix(lines[i+1], "| flag |"), "a table follows the marker for %s", name)
		for ; j < len(lines) && strings.HasPrefix(lines[j], "|"); j++ {
			first := strings.SplitN(lines[j], "|", 3)[1]
			for _, f := range tableFlag.FindAllStringSubmatch(first, -1) {
				tables[name] = append(tables[name], f[1])
			}
		}
	}
	return tables
}

// The docs document every flag of every command, and no flag that is not
// there: the main job's in docs/main-job.md, the others' in the page of
// their command.
func TestDocsDocumentEveryFlag(t *testing.T) {
	tables := docsFlags(t)
	for _, cmd := range []string{"main", "containers", "fidelity", "exec", "compare", "report"} {
		documented := map[string]bool{}
		for _, f := range tables[cmd] {
			documented[f] = true
		}
		if cmd == "containers" {
			// Its table lists its own flags; the main job's come too.
			for _, f := range tables["main"] {
				documented[f] = true
			}
		}
		require.NotEmpty(t, documented, "the docs have a flag table for %s (<!-- flags: %s -->)", cmd, cmd)
		name := cmd
		if cmd == "main" {
			name = ""
		}
		real := map[string]bool{}
		for _, f := range helpFlags(helpOf(t, name)) {
			real[f] = true
			assert.True(t, documented[f], "the docs do not document -%s of %s", f, cmd)
		}
		for f := range documented {
			assert.True(t, real[f], "the docs document -%s for %s, which has no such flag", f, cmd)
		}
	}
}

// A run that ends before its first cell leaves no empty <timestamp>/.
func TestNoEmptyResultsDirectory(t *testing.T) {
	root := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stopped before the first cell
	_, stderr, err := runCLI(t, ctx, fakeArgs(root, "-workloads", "churn", "-allocs", "libc", "-variants", "glibc")...)
	require.Error(t, err)
	entries, rerr := os.ReadDir(root)
	require.NoError(t, rerr)
	assert.Empty(t, entries, "no directory left behind")
	assert.Contains(t, stderr, "the run ended before its first cell")

	// A run whose cells ended keeps its directory, even when it fails.
	t.Setenv(fakeEnv, "crash:churn/libc")
	_, _, err = runCLI(t, context.Background(), fakeArgs(root, "-workloads", "churn", "-allocs", "libc", "-variants", "glibc")...)
	require.Error(t, err)
	assert.Equal(t, 3, exitCode(err))
	assert.FileExists(t, filepath.Join(resultDir(t, root), "glibc.txt"))
}

// A mistyped flag, command, workload, allocator or key gets the nearest
// right name and a short usage line, not the whole help, and nothing runs.
func TestMistakesMetKindly(t *testing.T) {
	root := filepath.Join(t.TempDir(), "results")
	glibc := "../../internal/analysis/compare/testdata/glibc.txt"
	for want, args := range map[string][]string{
		"unknown flag -workload; did you mean -workloads?\nusage: allocbench [flags]":      {"-workload", "churn"},
		"unknown flag -zzz\nusage: allocbench [flags]":                                     {"-zzz"},
		`unknown command "compre"; did you mean compare?` + "\nusage: allocbench [flags]":  {"compre", glibc},
		`unknown command "reprot"; did you mean report?`:                                   {"-o", root, "reprot"},
		`help: unknown command "compre"; did you mean compare?`:                            {"help", "compre"},
		`-workloads: unknown workload "chrun"; did you mean churn? (valid: `:               {"-o", root, "-workloads", "chrun"},
		`-allocs: unknown allocator "jemaloc"; did you mean jemalloc? (valid: `:            {"-o", root, "-allocs", "libc,jemaloc"},
		`-variants: unknown variant "muls"; did you mean musl? (valid: glibc, musl)`:       {"-o", root, "-variants", "muls"},
		`-futex: unknown futex method "sampeld"; did you mean sampled? (valid: `:           {"-o", root, "-futex", "sampeld"},
		"unknown flag -image; did you mean -images?\nusage: allocbench containers [flags]": {"containers", "-image", "debian12"},
		"unknown flag -alocs; did you mean -allocs?\nusage: allocbench fidelity [flags]":   {"fidelity", "-alocs", "libc"},
		"unknown flag -formt; did you mean -format?\nusage: allocbench compare [flags]":    {"compare", "-formt", "json", glibc},
		"unknown flag -titel; did you mean -title?\nusage: allocbench report [flags]":      {"report", "-titel", "x", glibc},
		`compare: -col: no file has the key "alloc"; did you mean /alloc?`:                 {"compare", "-col", "alloc", glibc},
		`compare: -row: no file has the key "thread"; did you mean /threads?`:              {"compare", "-row", "thread", glibc},
		`compare: -col: no file has the key "cpu-cors"; did you mean cpu-cores?`:           {"compare", "-col", "cpu-cors", glibc},
		"invalid value \"many\" for flag -count: parse error\nusage: allocbench [flags]":   {"-count", "many"},
		`-images: unknown distribution "debain12"; did you mean debian12? (valid: `:        {"containers", "-o", root, "-images", "debain12"},
		`compare: unknown -format "jsn"; did you mean json? (want `:                        {"compare", "-format", "jsn", glibc},
	} {
		var stdout, stderr bytes.Buffer
		err := run(args, &stdout, &stderr)
		if assert.Error(t, err, "%v", args) {
			assert.Contains(t, err.Error(), want, "%v", args)
			assert.Equal(t, 2, exitCode(err), "%v", args)
			assert.LessOrEqual(t, strings.Count(err.Error(), "\n"), 1, "%v: at most the message and a usage line", args)
		}
		assert.Empty(t, stdout.String(), "%v", args)
		assert.Empty(t, stderr.String(), "%v: no help printed", args)
	}
	assert.NoDirExists(t, root, "nothing was done")
}
