package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "abc", 0},
		{"compre", "compare", 1},
		{"chrun", "churn", 1},
		{"workload", "workloads", 1},
		{"kitten", "sitting", 3},
		{"ab", "ba", 1},
	} {
		assert.Equal(t, tc.want, distance(tc.a, tc.b), "%q %q", tc.a, tc.b)
		assert.Equal(t, tc.want, distance(tc.b, tc.a), "%q %q", tc.b, tc.a)
	}
}

func TestClosest(t *testing.T) {
	commands := []string{"containers", "fidelity", "compare", "report", "help"}
	flags := []string{"-quick", "-count", "-workloads", "-allocs", "-threads", "-variants", "-o"}
	allocs := []string{"libc", "jemalloc", "mimalloc", "mimalloc3", "tcmalloc", "tbbmalloc", "floor"}
	for _, tc := range []struct {
		s          string
		candidates []string
		want       string
	}{
		{"compre", commands, "compare"},
		{"COMPARE", commands, "compare"},
		{"reprot", commands, "report"},
		{"-workload", flags, "-workloads"},
		{"-alloc", flags, "-allocs"},
		{"jemaloc", allocs, "jemalloc"},
		{"glibc", allocs, "libc"},
		{"jem", allocs, "jemalloc"},
		{"mim", allocs, ""}, // mimalloc and mimalloc3
		{"xyz", commands, ""},
		{"", commands, ""},
		{"compare", commands, ""}, // not unknown
		{"hepl", commands, "help"},
		{"alloc", []string{"/workload", "/alloc", "/threads", "libc"}, "/alloc"},
	} {
		assert.Equal(t, tc.want, Closest(tc.s, tc.candidates), "%q", tc.s)
	}
	assert.Equal(t, "; did you mean compare?", DidYouMean("compre", commands))
	assert.Empty(t, DidYouMean("zzz", commands))
}
