package compare

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/results"
)

// withOldUnits writes a copy of the result file at path with every unit
// under the name earlier versions wrote ("p99-ns" for "p99-nsec"), and
// returns the copy's path.
func withOldUnits(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	s := string(data)
	for old, cur := range results.Renamed() {
		s = strings.ReplaceAll(s, " "+cur+"\t", " "+old+"\t")
		s = strings.ReplaceAll(s, " "+cur+"\n", " "+old+"\n")
	}
	require.NotEqual(t, string(data), s, "the sample uses renamed units")
	require.NotContains(t, s, results.P99Nsec)
	require.Contains(t, s, "p99-ns")
	old := filepath.Join(t.TempDir(), filepath.Base(path))
	require.NoError(t, os.WriteFile(old, []byte(s), 0o644))
	return old
}

// Files written before the "nsec" units read as today's: the same tables,
// under today's names, and the metrics can be asked for by either name.
func TestOldUnitNamesReadAsCurrent(t *testing.T) {
	cur := "testdata/futex.txt"
	old := withOldUnits(t, cur)
	for _, metrics := range []string{"all", "ns/op,futex-nsec/op,p99-nsec", "ns/op,futex-ns/op,p99-ns"} {
		var want, got, stderr bytes.Buffer
		opts := RunOptions{Options: Options{Metrics: strings.Split(metrics, ",")}}
		require.NoError(t, Run([]string{"futex=" + cur}, opts, &want, &stderr), stderr.String())
		require.NoError(t, Run([]string{"futex=" + old}, opts, &got, &stderr), stderr.String())
		assert.Equal(t, want.String(), got.String(), "-metrics %s", metrics)
		assert.Contains(t, got.String(), results.P99Nsec)
		assert.NotContains(t, got.String(), "p99-ns ")
	}

	// An old file and a new one side by side compare metric by metric.
	var out, stderr bytes.Buffer
	require.NoError(t, Run([]string{"before=" + old, "after=" + cur}, RunOptions{Options: Options{Metrics: []string{"futex-nsec/op"}}}, &out, &stderr))
	assert.NotContains(t, stderr.String(), "lacks", "both files have the metric")
	assert.Equal(t, 1, strings.Count(out.String(), results.FutexNsecPerOp), "one table:\n%s", out.String())
}

// docs/comparing.md names the default metrics as DefaultMetrics has them.
func TestDocsNameTheDefaultMetrics(t *testing.T) {
	data, err := os.ReadFile("../../../docs/comparing.md")
	require.NoError(t, err)
	assert.Contains(t, string(data), "| `-metrics` | "+strings.Join(DefaultMetrics, ", ")+" where present |")
}
