// Package accuracy says whether tests check how close a measurement comes
// to a known value or to another tool's: the futex time of waits of known
// length, perf trace's figure, RSS run to run, CPU time against wall time.
// On a shared machine those flake, so the default `go test ./...` checks
// only that the mechanisms work (a wait is seen, a figure is positive) and
// the accuracy checks run where Env is set: .ci/run sets it in a step of
// their own, after the suite.
package accuracy

import (
	"os"
	"testing"
)

// Env turns the accuracy checks on.
const Env = "ALLOCBENCH_ACCURACY"

// On reports whether the accuracy checks are on.
func On() bool { return os.Getenv(Env) != "" }

// Require skips t unless the accuracy checks are on.
func Require(t testing.TB) {
	t.Helper()
	if !On() {
		t.Skipf("an accuracy check: it measures against a known value or another tool, which a loaded machine disturbs; %s=1 runs it", Env)
	}
}
