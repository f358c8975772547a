package results

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The table of metrics in docs/workloads.md is the one DocTable renders
// from Metrics: a metric is documented where it is defined, and go
// generate writes the page.
func TestDocTableIsTheDocs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(MetricsDoc)))
	require.NoError(t, err)
	want, err := WithDocTable(string(data))
	require.NoError(t, err)
	assert.True(t, want == string(data), "%s's table of metrics differs from results.Metrics: run go generate ./internal/results", MetricsDoc)
}

func TestWithDocTable(t *testing.T) {
	page := "# Workloads\n\n| metric | meaning |\n|---|---|\n| old | row |\n\nAfter.\n"
	got, err := WithDocTable(page)
	require.NoError(t, err)
	assert.Equal(t, "# Workloads\n\n"+DocTable()+"\nAfter.\n", got)
	_, err = WithDocTable("# Workloads\n\nno table\n")
	assert.ErrorContains(t, err, "has no table of metrics")
	_, err = WithDocTable("| metric | meaning |\n|---|---|")
	assert.ErrorContains(t, err, "no blank line after it")
}

func TestMetricsTable(t *testing.T) {
	require.NotEmpty(t, Metrics[0].Doc, "the first metric opens a row of the docs")
	seen := map[string]bool{}
	for _, m := range Metrics {
		assert.False(t, seen[m.Unit], "%s is in the table twice", m.Unit)
		seen[m.Unit] = true
		assert.Equal(t, m.Unit, Current(m.Unit), "%s is today's name", m.Unit)
		got, ok := MetricOf(m.Unit)
		assert.True(t, ok, m.Unit)
		assert.Equal(t, m.Unit, got.Unit)
		if m.Qualifier != "" {
			_, ok := MetricOf(m.Qualifier)
			assert.True(t, ok, "%s's qualifier %s is a metric", m.Unit, m.Qualifier)
		}
	}
	_, ok := MetricOf("p99-ns")
	assert.True(t, ok, "a unit of earlier versions finds its metric")
	_, ok = MetricOf("widgets/op")
	assert.False(t, ok)
}

// A headline metric says how it is shown: flipping Headline is all it
// takes once these are there, and a missing one fails here rather than
// showing an empty label.
func TestHeadlineMetricsSayHowTheyAreShown(t *testing.T) {
	hs := Headlines()
	require.NotEmpty(t, hs)
	assert.Equal(t, NsPerOp, hs[0].Unit, "ns/op comes first: the others are shown against its baseline")
	assert.Equal(t, HeadlineUnits()[1:], func() []string {
		var us []string
		for _, m := range Medians() {
			us = append(us, m.Unit)
		}
		return us
	}())
	ids := map[string]bool{}
	for _, m := range hs {
		for what, v := range map[string]string{"ID": m.ID, "Name": m.Name, "Title": m.Title, "Label": m.Label, "PlotTitle": m.PlotTitle, "Axis": m.Axis} {
			assert.NotEmpty(t, v, "%s has no %s", m.Unit, what)
		}
		assert.NotEqual(t, Neither, m.Better, "%s: a headline metric is better one way", m.Unit)
		assert.False(t, ids[m.ID], "ID %s twice", m.ID)
		ids[m.ID] = true
	}
	for _, m := range Medians() {
		assert.Contains(t, m.Format, "%", "%s has no format", m.Unit)
	}
	p99, _ := MetricOf(P99Nsec)
	assert.Equal(t, "p99 latency, ns (lower is better)", p99.YLabel(p99.Better))
	assert.Equal(t, HigherIsBetter, LowerIsBetter.Reversed())
}
