package program

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Why a cell gets no more runs.
const (
	StopRuns    = "runs"    // made the fixed number of runs
	StopTarget  = "target"  // reached the precision target
	StopCap     = "cap"     // reached MaxRuns
	StopBudget  = "budget"  // the budget ran out
	StopFailing = "failing" // its first runs all failed
)

// CellResult is what the runs of one cell gave.
type CellResult struct {
	Cell Cell
	// Runs are the runs that count; Failed those that do not, with why
	// (Run.Failed).
	Runs   []Run
	Failed []Run
	// Verified says how the allocator was confirmed before the runs.
	Verified string
	// Stop says why the cell got no more runs; HalfWidth is the larger
	// side of the 95% interval of its median wall time, as a share of
	// the median (+Inf without one).
	Stop      string
	HalfWidth float64
	// Truncated is set when the program's output was cut at the cap.
	Truncated bool
	// Stdout and Stderr are the files the program's output went to.
	Stdout, Stderr string
}

// Result is what Measure did.
type Result struct {
	Plan  *Plan
	Cells []CellResult
	// FutexMethod is "tracepoint" (exact), "sampled" (an estimate) or
	// "off"; FutexReason says why it is not the exact one.
	FutexMethod string
	FutexReason string
	Rounds      int
	Elapsed     time.Duration
}

// Walls are the wall times of the cell's runs that count, in ns.
func (c CellResult) Walls() []float64 {
	out := make([]float64, len(c.Runs))
	for i, r := range c.Runs {
		out[i] = float64(r.Wall.Nanoseconds())
	}
	return out
}

// Progress receives a line about each step of Measure; nil says nothing.
type Progress func(format string, args ...any)

// mislabelledError is a check run's refusal: the allocator does not
// serve the program.
type mislabelledError struct{ msg string }

func (e *mislabelledError) Error() string { return e.msg }

func mislabelled(format string, args ...any) error {
	return &mislabelledError{msg: fmt.Sprintf(format, args...)}
}

// IsMislabelled reports whether err is a check run's refusal.
func IsMislabelled(err error) bool {
	var m *mislabelledError
	return errors.As(err, &m)
}

// firstFew joins the first n items for a message, and says how many more.
func firstFew(items []string, n int) string {
	if len(items) > n {
		return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
	}
	return strings.Join(items, ", ")
}
