package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/usage"
)

// compareTestdata is compare's sample result files.
const compareTestdata = "../../internal/analysis/compare/testdata/"

func compareArgs(args []string, judge bool) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	if judge {
		err = runCompare(args, &o, &e)
	} else {
		err = compareCommand(args, &o, &e, nil)
	}
	return o.String(), e.String(), err
}

func TestCompareBadFlags(t *testing.T) {
	glibc := compareTestdata + "glibc.txt"
	for _, args := range [][]string{
		{"-format", "html", glibc},
		{"-baseline", "tcmalloc", glibc},
		{"-claims", glibc},
		{"-filter", "(", glibc},
		{"-row", "@", glibc},
		{"-alpha", "2", glibc},
		{"-nope"},
		{},
	} {
		_, _, err := compareArgs(args, false)
		if assert.Error(t, err, "%q", args) {
			assert.True(t, usage.Is(err), "%q: a usage error", args)
		}
	}
	_, _, err := compareArgs([]string{"-format", "htm", glibc}, false)
	require.Error(t, err)
	assert.Equal(t, `compare: unknown -format "htm" (want text, csv, markdown or json)`, err.Error())
	_, _, err = compareArgs([]string{"-claims", glibc}, false)
	require.Error(t, err)
	assert.Equal(t, "compare: -claims is not available in this build", err.Error())
	_, _, err = compareArgs(nil, false)
	require.Error(t, err)
	assert.Equal(t, "compare: no input files (usage: "+compareUsage+")", err.Error())

	_, stderr, err := compareArgs([]string{"-h"}, false)
	assert.NoError(t, err)
	assert.Contains(t, stderr, "usage: allocbench compare")
}

// The flags reach the comparison: the format (md for markdown), the
// metrics, the row projection and -claims.
func TestCompareFlags(t *testing.T) {
	out, _, err := compareArgs([]string{"-format", "md", "-metrics", "p99-nsec", "-row", "/workload", compareTestdata + "glibc.txt"}, false)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "### p99-nsec\n"), out)
	assert.Contains(t, out, "p99-nsec")
	assert.NotContains(t, out, "ns/op")
	assert.NotContains(t, out, "threads=")

	out, _, err = compareArgs([]string{"-claims", compareTestdata + "glibc.txt", compareTestdata + "musl.txt"}, true)
	require.NoError(t, err)
	assert.Contains(t, out, "claim")
}

func TestReportFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.html")
	var stdout, stderr bytes.Buffer
	require.NoError(t, runReport([]string{"-o", out, "-title", "My <run>", "-baseline", "musl/libc", compareTestdata + "glibc.txt", "musl=" + compareTestdata + "musl.txt"}, &stdout, &stderr))
	assert.Equal(t, out+"\n", stdout.String())
	page, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(page), "<title>My &lt;run&gt;</title>")
	assert.Contains(t, string(page), "Summary: throughput relative to musl/libc")

	err = runReport(nil, &stdout, &stderr)
	require.Error(t, err)
	assert.True(t, usage.Is(err))
	assert.Equal(t, "report: no input files (usage: "+reportUsage+")", err.Error())
	err = runReport([]string{"-bogus"}, &stdout, &stderr)
	assert.True(t, usage.Is(err), "%v", err)
}
