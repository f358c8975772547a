package results

import (
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// benchstatTables runs the benchstat that go.mod pins (go tool benchstat)
// on the files, in CSV, one table per unit, and returns the unit of each
// table in order.
func benchstatTables(t *testing.T, files ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "benchstat", "-format", "csv", "-table", ""}, files...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go tool benchstat: %s", stderr.String())
	r := csv.NewReader(strings.NewReader(string(out)))
	r.FieldsPerRecord = -1
	var tables []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		// A table's second header row is ",<unit>,CI,...".
		if len(rec) >= 3 && rec[0] == "" && rec[2] == "CI" {
			tables = append(tables, rec[1])
		}
	}
	require.NotEmpty(t, tables, "benchstat printed no table:\n%s", out)
	return tables
}

// sample is a result file of the benchmarks from the development machine:
// sys-nsec/op reads 0 in some runs of a cell and more in others.
const sample = "../analysis/compare/testdata/glibc.txt"

// TestBenchstatOneTablePerMetric runs the pinned benchstat on a real result
// file in which some runs read 0 for a metric: each metric must come out
// as one table. The same file under the old "ns" names shows why: benchfmt
// tidies sys-ns/op into sys-sec/op only where the value changes, so the
// runs that read 0 keep sys-ns/op and make a second table.
func TestBenchstatOneTablePerMetric(t *testing.T) {
	if testing.Short() {
		t.Skip("builds benchstat")
	}
	data, err := os.ReadFile(sample)
	require.NoError(t, err)
	require.Contains(t, string(data), " 0 "+SysNsecPerOp, "the sample has a run that reads 0")

	tables := benchstatTables(t, sample)
	seen := map[string]int{}
	for _, u := range tables {
		seen[u]++
	}
	for u, n := range seen {
		assert.Equal(t, 1, n, "%s: one table", u)
	}
	for _, u := range []string{"sec/op", CPUNsecPerOp, SysNsecPerOp, OffCPUNsecPerOp, RunqNsecPerOp, P50Nsec, P99Nsec, P999Nsec, PeakRSSBytes, RSSPerLiveByte} {
		assert.Contains(t, seen, u)
	}
	for u := range seen {
		assert.NotContains(t, u, "-sec", "%s: a unit benchfmt rewrote", u)
	}

	// The old names split.
	s := string(data)
	for old, cur := range Renamed() {
		s = strings.ReplaceAll(s, " "+cur, " "+old)
	}
	old := filepath.Join(t.TempDir(), "old.txt")
	require.NoError(t, os.WriteFile(old, []byte(s), 0o644))
	oldTables := benchstatTables(t, old)
	assert.Contains(t, oldTables, "sys-sec/op")
	assert.Contains(t, oldTables, "sys-ns/op", "the runs that read 0 under their own unit")
}
