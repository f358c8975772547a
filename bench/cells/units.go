package cells

// The units the summaries, claims and report read, as the benchmarks
// write them.
const (
	NsPerOp        = "ns/op"
	FutexNsPerOp   = "futex-ns/op"
	FutexPct       = "futex-pct"
	P99Ns          = "p99-ns"
	RSSPerLiveByte = "rss-per-live-byte"
	PeakLiveBytes  = "peak-live-bytes"
	LatencySamples = "latency-samples"
)

// Units are the units Collect reads by default.
var Units = []string{NsPerOp, FutexNsPerOp, FutexPct, P99Ns, RSSPerLiveByte, PeakLiveBytes, LatencySamples}
