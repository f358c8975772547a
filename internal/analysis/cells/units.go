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

// Units are the units Collect reads by default.
var Units = []string{NsPerOp, FutexNsPerOp, FutexPct, P99Ns, RSSPerLiveByte, PeakLiveBytes, LatencySamples}
