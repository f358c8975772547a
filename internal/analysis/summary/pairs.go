package summary

import (
	"fmt"
	"sort"
	"strings"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/results"
)

// A Pair is two files that differ only in their C library or their
// distribution, so that the ratio of their figures measures that
// difference alone.
type Pair struct {
	Ref, Other string
	// Differ says how they differ, e.g. "libc: glibc → musl".
	Differ []string
}

// subjectKeys are what a direct comparison compares; at least one must
// differ.
var subjectKeys = []string{results.LibcKey, results.DistroKey}

// followKeys change along with the C library or the distribution and do
// not stop a direct comparison.
func followKey(k string) bool {
	switch k {
	case results.LibcVersionKey, results.LibcPathKey, results.PkgKey:
		return true
	}
	return strings.HasPrefix(k, results.AllocKeyPrefix) || strings.HasPrefix(k, results.FutexKeyPrefix) || strings.HasPrefix(k, results.HarnessKeyPrefix)
}

// Pairs returns the files that differ from ref only in their C library or
// distribution (every other configuration key both have is equal), and,
// for each other file, why it is not one when it is not.
func Pairs(s *cells.Set, ref string) (pairs []Pair, not []string) {
	refCfg := configOf(s, ref)
	for _, l := range s.Labels {
		if l == ref {
			continue
		}
		cfg := configOf(s, l)
		var differ, block []string
		for _, k := range sortedKeys(refCfg) {
			v, ok := cfg[k]
			if !ok || v == refCfg[k] {
				continue
			}
			switch {
			case k == subjectKeys[0] || k == subjectKeys[1]:
				differ = append(differ, fmt.Sprintf("%s: %s → %s", k, refCfg[k], v))
			case followKey(k):
			default:
				block = append(block, fmt.Sprintf("%s (%s vs %s)", k, refCfg[k], v))
			}
		}
		switch {
		case len(block) > 0:
			not = append(not, fmt.Sprintf("%s differs from %s in %s too", l, ref, strings.Join(block, ", ")))
		case len(differ) == 0:
			not = append(not, fmt.Sprintf("%s and %s have the same C library and distribution", l, ref))
		default:
			pairs = append(pairs, Pair{Ref: ref, Other: l, Differ: differ})
		}
	}
	return pairs, not
}

func configOf(s *cells.Set, label string) map[string]string {
	m := make(map[string]string)
	for _, f := range s.Files(label) {
		for _, c := range f.Config {
			if _, ok := m[c.Key]; !ok {
				m[c.Key] = c.Value
			}
		}
	}
	return m
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// A Ratio is the throughput of the other file's cell over the reference
// file's, for one allocator at one thread count.
type Ratio struct {
	Alloc   string
	Threads int
	N       int
	// Value is the ratio (the Hodges–Lehmann estimate, see
	// cells.Ratio), Lo and Hi its interval; NaN when there are too few
	// runs for one.
	Value, Lo, Hi float64
	// Matched says the ratio compares the two cells' lowest groups of
	// runs.
	Matched string
	// Runs are each run of the other cell over the reference's median.
	Runs []float64
}

// Ratios returns the throughput ratios of p's files for workload, by
// allocator and thread count.
func Ratios(s *cells.Set, p Pair, workload string) []Ratio {
	var out []Ratio
	for _, a := range s.Allocs {
		for _, n := range s.Threads {
			refCell := cells.Cell{Label: p.Ref, Workload: workload, Alloc: a, Threads: n}
			othCell := cells.Cell{Label: p.Other, Workload: workload, Alloc: a, Threads: n}
			ref, rok := s.Get(refCell, cells.NsPerOp)
			oth, ook := s.Get(othCell, cells.NsPerOp)
			if !rok || !ook || ref.Center <= 0 || oth.Center <= 0 {
				continue
			}
			iv, ok := s.Ratio(refCell, othCell, cells.NsPerOp)
			if !ok {
				continue
			}
			r := Ratio{Alloc: a, Threads: n, N: oth.N, Value: iv.Est, Lo: nan, Hi: nan, Matched: iv.Matched}
			if iv.Bounded() {
				r.Lo, r.Hi = iv.Lo, iv.Hi
			}
			for _, v := range oth.Values {
				if v > 0 {
					r.Runs = append(r.Runs, ref.Center/v)
				}
			}
			out = append(out, r)
		}
	}
	return out
}
