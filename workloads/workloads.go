// Package workloads is the catalogue of allocator contention workloads. Each
// workload is a C kernel that a worker thread enters once per run (one cgo
// call runs the whole loop), driven from Go by Run, which measures
// throughput, CPU and off-CPU time, context switches, page faults, resident
// memory and sampled latency of the worker threads inside the measured
// window.
//
// Every kernel writes a pattern into each block it gets and checks it before
// freeing the block; a broken pattern or a NULL from malloc ends the run with
// an error that names the workload, the allocator and the thread.
//
// One op is one allocation together with its free, summed over all threads.
package workloads

import (
	"fmt"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/suggest"
)

// Workload is one entry of the catalogue.
type Workload struct {
	// Name is what users type and what benchmark names carry.
	Name string
	// Doc is a one-line description.
	Doc string
	// CrossThread is true when blocks are freed by threads other than the
	// ones that allocated them; allocators that cannot take that (floor)
	// skip the workload.
	CrossThread bool
	// Calibration marks a workload with a known answer that checks the
	// measurements rather than the allocators; "all" leaves it out.
	Calibration bool
	// Generations is true when a worker's share is run by a chain of
	// threads, each starting the next one inside the window; futex time
	// then needs a method that follows new threads.
	Generations bool
	// Original names the published benchmark the workload reproduces and
	// the invocation its defaults equal; empty for workloads of this
	// project's own.
	Original string
	// Defaults are the parameters a run uses where Config.Params leaves a
	// field zero.
	Defaults Params
	// Uses lists the Params fields the workload reads; setting another one
	// is an error.
	Uses []string

	dist sizeDist
	// seed is the seed the original uses; 0 takes the harness's own.
	seed uint64
	// minBlock is the smallest block the kernel can write into.
	minBlock uint64
	// fixedSize: every block has one size, MinSize = MaxSize.
	fixedSize bool
	// everyThread: an op is one iteration of every thread (each thread
	// runs all the ops), so the work per op does not depend on the thread
	// count.
	everyThread bool
}

// MinGenerations is how many thread generations a run of a Generations
// workload must span to show its protocol: the first generation's threads
// exit and their successors free what they allocated.
const MinGenerations = 3

// MinOps is the fewest ops a run of the workload with its default
// parameters needs to show its protocol at the given thread count:
// MinGenerations generations per worker for a Generations workload, 0 for
// the others, which any run shows.
func (w Workload) MinOps(threads int) uint64 {
	if !w.Generations || threads < 1 {
		return 0
	}
	return MinGenerations * uint64(threads) * uint64(w.Defaults.Rounds) * uint64(w.Defaults.Slots)
}

type sizeDist int

const (
	distUniform sizeDist = iota
	distInverseSquare
	distLog
)

// Params tune a workload. Zero fields take the workload's defaults.
type Params struct {
	// MinSize and MaxSize bound the block sizes in bytes.
	MinSize, MaxSize uint64
	// Slots is the number of live blocks a thread keeps (churn, large,
	// larson's arrays) or the number of buffers it grows (realloc).
	Slots uint32
	// Batch is the number of blocks allocated before they are freed
	// (threadtest) or passed on together (xmalloc).
	Batch uint32
	// Writes is how many times each object is written over, in total
	// across the threads (cache workloads: each of T threads writes its
	// object Writes/T times, as the originals divide their repetitions).
	Writes uint32
	// HandOff is the number of ops between hand-offs of a slot array
	// (larson), or one medium-lived block in HandOff is freed by another
	// thread (mixed).
	HandOff uint32
	// Rounds sets how long a thread generation lives: rounds × Slots ops
	// (larson).
	Rounds uint32
	// Backlog is the most full batches that may wait at once (xmalloc).
	Backlog uint32
	// Hold and Gap are the times a calibration thread holds the lock and
	// works outside it.
	Hold, Gap time.Duration
}

// Limits on parameters, so a typo cannot ask for terabytes.
const (
	MaxThreads  = 4096
	maxSize     = 1 << 30
	maxSlots    = 1 << 24
	maxBatch    = 1 << 20
	maxWrites   = 1 << 24
	maxHandOff  = 1 << 30
	maxRounds   = 1 << 20
	maxBacklog  = 1 << 16
	maxHoldTime = time.Second
)

var catalogue []Workload

func register(w Workload) Workload {
	catalogue = append(catalogue, w)
	return w
}

// All returns the workloads that compare allocators, in catalogue order
// (calibration workloads are left out).
func All() []Workload {
	var out []Workload
	for _, w := range catalogue {
		if !w.Calibration {
			out = append(out, w)
		}
	}
	return out
}

// Names returns the names of every workload, calibration ones included.
func Names() []string {
	names := make([]string, len(catalogue))
	for i, w := range catalogue {
		names[i] = w.Name
	}
	return names
}

// Lookup returns the workload called name.
func Lookup(name string) (Workload, error) {
	for _, w := range catalogue {
		if w.Name == name {
			return w, nil
		}
	}
	return Workload{}, fmt.Errorf("unknown workload %q%s (valid: %s)", name, suggest.DidYouMean(name, Names()), strings.Join(Names(), ", "))
}

// ParseList parses a comma-separated list of workload names, or "all".
func ParseList(s string) ([]Workload, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty workload list (valid: all, or a comma-separated list of %s)", strings.Join(Names(), ", "))
	}
	if s == "all" {
		return All(), nil
	}
	seen := map[string]bool{}
	var out []Workload
	for _, f := range strings.Split(s, ",") {
		w, err := Lookup(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		if !seen[w.Name] {
			seen[w.Name] = true
			out = append(out, w)
		}
	}
	return out, nil
}

// Resolve fills p's zero fields from the workload's defaults and checks the
// result, naming any bad value and what is valid.
func (w Workload) Resolve(p Params) (Params, error) {
	uses := map[string]bool{}
	for _, u := range w.Uses {
		uses[u] = true
	}
	set := map[string]bool{
		"MinSize": p.MinSize != 0, "MaxSize": p.MaxSize != 0, "Slots": p.Slots != 0,
		"Batch": p.Batch != 0, "Writes": p.Writes != 0, "HandOff": p.HandOff != 0,
		"Rounds": p.Rounds != 0, "Backlog": p.Backlog != 0, "Hold": p.Hold != 0, "Gap": p.Gap != 0,
	}
	for _, name := range []string{"MinSize", "MaxSize", "Slots", "Batch", "Writes", "HandOff", "Rounds", "Backlog", "Hold", "Gap"} {
		if set[name] && !uses[name] {
			return p, fmt.Errorf("workload %s does not take %s (it takes: %s)", w.Name, name, usesList(w.Uses))
		}
	}
	r := w.Defaults
	if p.MinSize != 0 {
		r.MinSize = p.MinSize
	}
	if p.MaxSize != 0 {
		r.MaxSize = p.MaxSize
	}
	if p.Slots != 0 {
		r.Slots = p.Slots
	}
	if p.Batch != 0 {
		r.Batch = p.Batch
	}
	if p.Writes != 0 {
		r.Writes = p.Writes
	}
	if p.HandOff != 0 {
		r.HandOff = p.HandOff
	}
	if p.Rounds != 0 {
		r.Rounds = p.Rounds
	}
	if p.Backlog != 0 {
		r.Backlog = p.Backlog
	}
	if p.Hold != 0 {
		r.Hold = p.Hold
	}
	if p.Gap != 0 {
		r.Gap = p.Gap
	}
	if p.Hold < 0 || p.Gap < 0 {
		return r, fmt.Errorf("workload %s: hold %v and gap %v must not be negative", w.Name, p.Hold, p.Gap)
	}
	if uses["MinSize"] {
		switch {
		case r.MinSize == 0 || r.MaxSize == 0:
			return r, fmt.Errorf("workload %s: sizes must be at least 1 byte (min %d, max %d)", w.Name, r.MinSize, r.MaxSize)
		case r.MinSize > r.MaxSize:
			return r, fmt.Errorf("workload %s: min size %d is above max size %d", w.Name, r.MinSize, r.MaxSize)
		case r.MaxSize > maxSize:
			return r, fmt.Errorf("workload %s: max size %d is above the limit of %d bytes", w.Name, r.MaxSize, maxSize)
		case w.fixedSize && r.MinSize != r.MaxSize:
			return r, fmt.Errorf("workload %s: min size %d and max size %d differ; it takes one object size (set both)", w.Name, r.MinSize, r.MaxSize)
		case r.MinSize < w.minBlock:
			return r, fmt.Errorf("workload %s: min size %d is below %d, the bytes it writes into each block", w.Name, r.MinSize, w.minBlock)
		}
	}
	checks := []struct {
		name     string
		v, limit uint64
	}{
		{"Slots", uint64(r.Slots), maxSlots},
		{"Batch", uint64(r.Batch), maxBatch},
		{"Writes", uint64(r.Writes), maxWrites},
		{"HandOff", uint64(r.HandOff), maxHandOff},
		{"Rounds", uint64(r.Rounds), maxRounds},
		{"Backlog", uint64(r.Backlog), maxBacklog},
	}
	for _, c := range checks {
		if uses[c.name] && (c.v == 0 || c.v > c.limit) {
			return r, fmt.Errorf("workload %s: %s %d is out of range (valid: 1..%d)", w.Name, c.name, c.v, c.limit)
		}
	}
	if uses["Hold"] && (r.Hold > maxHoldTime || r.Gap > maxHoldTime) {
		return r, fmt.Errorf("workload %s: hold %v and gap %v must each be at most %v", w.Name, r.Hold, r.Gap, maxHoldTime)
	}
	return r, nil
}

func usesList(uses []string) string {
	if len(uses) == 0 {
		return "no parameters"
	}
	return strings.Join(uses, ", ")
}
