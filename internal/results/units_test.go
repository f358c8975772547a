package results

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"
)

// every lists each unit: those of the metrics' table, and the other
// constants (a new one belongs here too).
var every = append(metricUnits(),
	MaxRSSBytes,
	BareNsecPerOp, HarnessPerBare, UnsampledNsecPerOp, SampledPerUnsampled,
	FloorNsecPerOp, FloorPerAlloc, UnmeasuredNsecPerOp, MeasuredPerUnmeasured, PeakRSSMiB,
	UserNsecPerOp, MajfltPerOp, // allocbench exec's
)

func metricUnits() []string {
	var out []string
	for _, m := range Metrics {
		out = append(out, m.Unit)
	}
	return out
}

// TestTidyKeepsUnits checks that benchfmt's tidying leaves every unit but
// the testing package's ns/op as it is, for zero and non-zero values alike:
// a unit it rewrote only for some values would split into two metrics.
func TestTidyKeepsUnits(t *testing.T) {
	for _, u := range every {
		if u == NsPerOp {
			continue
		}
		for _, v := range []float64{0, 1, 1234.5} {
			tv, tu := benchunit.Tidy(v, u)
			assert.Equal(t, u, tu, "%v %s", v, u)
			assert.Equal(t, v, tv, "%v %s", v, u)
		}
	}
}

// readUnits returns the unit of each value benchfmt's reader reads from
// the result lines, as benchstat sees them.
func readUnits(t *testing.T, lines string) []string {
	t.Helper()
	r := benchfmt.NewReader(strings.NewReader(lines), "test")
	var out []string
	for r.Scan() {
		if res, ok := r.Result().(*benchfmt.Result); ok {
			for _, v := range res.Values {
				out = append(out, v.Unit)
			}
		}
	}
	return out
}

// The reader tidies a unit with an ns token only where that changes the
// value: the old names split on a zero value, the new ones never change.
func TestReaderKeepsOneUnit(t *testing.T) {
	assert.Equal(t, []string{"sys-ns/op", "sys-sec/op"},
		readUnits(t, "BenchmarkX 1 0 sys-ns/op\nBenchmarkX 1 5 sys-ns/op\n"), "the reason for the rename")
	for _, u := range every {
		if u == NsPerOp {
			continue
		}
		assert.Equal(t, []string{u, u}, readUnits(t, "BenchmarkX 1 0 "+u+"\nBenchmarkX 1 5 "+u+"\n"), u)
	}
}

func TestNoNsToken(t *testing.T) {
	for _, u := range every {
		if u == NsPerOp {
			continue
		}
		for _, tok := range strings.FieldsFunc(u, func(r rune) bool { return r == '-' || r == '/' }) {
			assert.NotEqual(t, "ns", tok, "%s holds the token ns", u)
		}
	}
}

func TestCurrent(t *testing.T) {
	assert.Equal(t, CPUNsecPerOp, Current("cpu-ns/op"))
	assert.Equal(t, P99Nsec, Current("p99-ns"))
	assert.Equal(t, FutexNsecPerOp, Current("futex-ns/op"))
	for _, u := range every {
		assert.Equal(t, u, Current(u), "a current name stays")
	}
	assert.Equal(t, "ns/op", Current("ns/op"))
	assert.Equal(t, "other-ns", Current("other-ns"), "units of other projects stay")
	for old, cur := range Renamed() {
		assert.Contains(t, every, cur, old)
		assert.Equal(t, strings.Replace(old, "-ns", "-nsec", 1), cur, "only the time token changes")
	}
}
