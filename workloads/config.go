package workloads

import (
	"errors"
	"fmt"
	"math/bits"
)

// Observer watches the worker threads of a run. Begin is called once every
// worker has started, with their Linux thread IDs, just before the window
// opens; End just after the last worker has left the window. Between the
// two, the workers are alive and parked at a barrier when not running the
// kernel.
type Observer interface {
	Begin(tids []int) error
	End() error
}

// DefaultSamples is the default cap on latency samples per thread.
const DefaultSamples = 1 << 14

// minSampleEvery is the sparsest sampling: one op in 256 is timed, so the
// two clock reads cost well under 1% of the fastest op.
const minSampleEvery = 256

// Config says what to run.
type Config struct {
	Workload string
	Alloc    string
	// Threads is the number of worker threads, 1..MaxThreads.
	Threads int
	// Ops is the number of ops to run in total; each thread runs an equal
	// share, rounded up.
	Ops uint64
	// Params tune the workload; zero fields take its defaults.
	Params Params
	// Seed makes the random sequences repeatable; 0 picks a fixed seed.
	Seed uint64
	// Samples caps the latency samples per thread; 0 means DefaultSamples
	// and a negative value turns sampling off.
	Samples int
	// Observer, if not nil, watches the workers around the window.
	Observer Observer
	// Futex selects how the worker threads' futex time is measured (see
	// FutexMethod); empty or FutexOff measures none.
	Futex FutexMethod
}

// SkipError says that the allocator cannot run the workload (floor and a
// workload that frees across threads). It is not a failure.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return e.Reason }

// IsSkip reports whether err says the combination cannot run.
func IsSkip(err error) bool {
	var s *SkipError
	return errors.As(err, &s)
}

// Validate checks a Config without running it and returns the workload and
// resolved parameters.
func (cfg Config) Validate() (Workload, Params, error) {
	w, err := Lookup(cfg.Workload)
	if err != nil {
		return w, Params{}, err
	}
	if err := CheckThreads(cfg.Threads); err != nil {
		return w, Params{}, err
	}
	if cfg.Ops == 0 {
		return w, Params{}, fmt.Errorf("ops must be at least 1")
	}
	if err := cfg.Futex.Check(); err != nil {
		return w, Params{}, err
	}
	if cfg.Samples > 1<<24 {
		return w, Params{}, fmt.Errorf("samples %d per thread is above the limit of %d", cfg.Samples, 1<<24)
	}
	p, err := w.Resolve(cfg.Params)
	return w, p, err
}

// CheckThreads checks a thread count.
func CheckThreads(n int) error {
	if n < 1 || n > MaxThreads {
		return fmt.Errorf("thread count %d is out of range (valid: 1..%d)", n, MaxThreads)
	}
	return nil
}

// sampling picks the sample cap and mask: the sparsest power-of-two spacing,
// at least minSampleEvery, whose samples fit the cap.
func sampling(samples int, perThread uint64) (capacity uint32, mask uint64) {
	if samples < 0 {
		return 0, ^uint64(0)
	}
	if samples == 0 {
		samples = DefaultSamples
	}
	every := uint64(minSampleEvery)
	if need := (perThread + uint64(samples) - 1) / uint64(samples); need > every {
		every = 1 << bits.Len64(need-1)
	}
	return uint32(samples), every - 1
}
