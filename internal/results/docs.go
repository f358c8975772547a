package results

import (
	"errors"
	"strings"
)

// MetricsDoc is the page whose table of metrics DocTable writes.
const MetricsDoc = "docs/workloads.md"

// metricTableHead opens the table of metrics in MetricsDoc; a blank line
// ends it.
const metricTableHead = "| metric | meaning |\n"

// WithDocTable returns page (the text of MetricsDoc) with its table of
// metrics replaced by DocTable's, for go generate and for the test that
// the page is current.
func WithDocTable(page string) (string, error) {
	start := strings.Index(page, metricTableHead)
	if start == -1 {
		return "", errors.New(MetricsDoc + " has no table of metrics (a line \"" + strings.TrimSpace(metricTableHead) + "\")")
	}
	end := strings.Index(page[start:], "\n\n")
	if end == -1 {
		return "", errors.New(MetricsDoc + "'s table of metrics has no blank line after it")
	}
	return page[:start] + DocTable() + page[start+end+1:], nil
}
