package cells

import "github.com/allocbench/allocbench/internal/results"

// The units the summaries, claims and report read.
const (
	NsPerOp        = results.NsPerOp
	FutexNsPerOp   = results.FutexNsecPerOp
	FutexPct       = results.FutexPct
	P99Ns          = results.P99Nsec
	RSSPerLiveByte = results.RSSPerLiveByte
	PeakLiveBytes  = results.PeakLiveBytes
	LatencySamples = results.LatencySamples
)

// Units are the units Collect reads by default: the headline metrics
// (results.Headlines) with the units that qualify them (see Caveats), and
// futex-nsec/op, which the claims read. The order of the units listed is
// the order in which warnings name the units a result lacks; a headline
// metric or qualifier not listed comes after them.
var Units = withHeadlines(NsPerOp, FutexNsPerOp, FutexPct, P99Ns, RSSPerLiveByte, PeakLiveBytes, LatencySamples)

func withHeadlines(units ...string) []string {
	have := map[string]bool{}
	for _, u := range units {
		have[u] = true
	}
	add := func(u string) {
		if u != "" && !have[u] {
			have[u] = true
			units = append(units, u)
		}
	}
	for _, m := range results.Headlines() {
		add(m.Unit)
		add(m.Qualifier)
	}
	return units
}
