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
	// field zero, and Uses lists the Params fields the workload reads
	// (setting another one is an error). Both come from the table of
	// parameters (params.go) when the workload is registered.
	Defaults Params
	Uses     []string

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

// MaxThreads is the most worker threads a run may have.
const MaxThreads = 4096

var catalogue []Workload

func register(w Workload) Workload {
	w.Defaults, w.Uses = paramDefaults(w.Name)
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
