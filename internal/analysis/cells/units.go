package cells

import "github.com/allocbench/allocbench/bench/units"

// The units the summaries, claims and report read.
const (
	NsPerOp        = units.NsPerOp
	FutexNsPerOp   = units.FutexNsecPerOp
	FutexPct       = units.FutexPct
	P99Ns          = units.P99Nsec
	RSSPerLiveByte = units.RSSPerLiveByte
	PeakLiveBytes  = units.PeakLiveBytes
	LatencySamples = units.LatencySamples
)

// Units are the units Collect reads by default.
var Units = []string{NsPerOp, FutexNsPerOp, FutexPct, P99Ns, RSSPerLiveByte, PeakLiveBytes, LatencySamples}
