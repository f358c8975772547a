// Package suggest finds what the user probably meant when a name they
// typed (a flag, a command, a workload, an allocator, a key) is unknown.
package suggest

import "strings"

// Closest returns the candidate nearest to s, or "" when s is one of them
// or none is near enough to be a likely typo: within one edit (an
// insertion, a deletion, a substitution or two neighbours swapped) of a
// name up to five letters long, within two of a longer one, ignoring case;
// or the one candidate that s, three letters or more, begins. Of equally
// near candidates the first wins.
func Closest(s string, candidates []string) string {
	if s == "" {
		return ""
	}
	for _, c := range candidates {
		if c == s {
			return ""
		}
	}
	ls := strings.ToLower(s)
	limit := 1
	if len([]rune(ls)) > 5 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := distance(ls, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" || len(ls) < 3 {
		return best
	}
	var prefixed []string
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), ls) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// DidYouMean is "; did you mean <candidate>?" for the nearest candidate
// (see Closest), or "" when there is none, for the end of an error message.
func DidYouMean(s string, candidates []string) string {
	if c := Closest(s, candidates); c != "" {
		return "; did you mean " + c + "?"
	}
	return ""
}

// distance is the optimal string alignment distance between a and b: the
// fewest insertions, deletions, substitutions and swaps of neighbours that
// turn one into the other.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows: two back (for swaps), the previous and the current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
