package bench

import (
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/allocbench/allocbench/workloads"
)

// ThreadsEnv names the environment variable that sets the thread counts the
// benchmarks run, as a comma-separated list.
const ThreadsEnv = "ALLOCBENCH_THREADS"

// DefaultThreads returns 1, 2, NumCPU and 2×NumCPU, without duplicates, in
// increasing order.
func DefaultThreads() []int {
	n := runtime.NumCPU()
	return dedupe([]int{1, 2, n, 2 * n})
}

// ParseThreads parses a comma-separated list of thread counts, each
// 1..workloads.MaxThreads.
func ParseThreads(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty thread list (want a comma-separated list of counts 1..%d, e.g. 1,2,4)", workloads.MaxThreads)
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("thread count %q is not a whole number (want a comma-separated list of counts 1..%d, e.g. 1,2,4)", f, workloads.MaxThreads)
		}
		if err := workloads.CheckThreads(n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return dedupe(out), nil
}

func dedupe(ns []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}
