package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// fidelityRow is one allocator and thread count of the fidelity table,
// from the pairs where both runs succeeded.
type fidelityRow struct {
	alloc   string
	threads int
	pairs   int
	// original and allocbench are the medians of each side's ops/s.
	original, allocbench float64
	// ratio is the median of the pairs' allocbench/original; min and max
	// their range.
	ratio, min, max float64
}

// fidelityRows sums the pairs up per allocator and thread count, in the
// order given.
func fidelityRows(allocs []string, threads []int, pairs []fidelityPair) []fidelityRow {
	var rows []fidelityRow
	for _, a := range allocs {
		for _, n := range threads {
			row := fidelityRow{alloc: a, threads: n}
			var orig, ab, ratios []float64
			for _, p := range pairs {
				if p.alloc != a || p.threads != n || p.original <= 0 || p.allocbench <= 0 {
					continue
				}
				orig = append(orig, p.original)
				ab = append(ab, p.allocbench)
				ratios = append(ratios, p.allocbench/p.original)
			}
			row.pairs = len(ratios)
			if row.pairs > 0 {
				row.original, row.allocbench, row.ratio = median(orig), median(ab), median(ratios)
				sort.Float64s(ratios)
				row.min, row.max = ratios[0], ratios[len(ratios)-1]
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// median of values (not empty): the middle one, or the mean of the middle
// two.
func median(values []float64) float64 {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// writeFidelityTable prints the rows, the allocator left-aligned and the
// figures right-aligned; a row without a complete pair shows dashes.
func writeFidelityTable(w io.Writer, rows []fidelityRow) {
	table := [][]string{{"allocator", "threads", "original ops/s", "allocbench ops/s", "allocbench/original", "range", "pairs"}}
	for _, r := range rows {
		if r.pairs == 0 {
			table = append(table, []string{r.alloc, strconv.Itoa(r.threads), "-", "-", "-", "-", "0"})
			continue
		}
		table = append(table, []string{
			r.alloc, strconv.Itoa(r.threads), megaOps(r.original), megaOps(r.allocbench),
			fmt.Sprintf("%.3f", r.ratio), fmt.Sprintf("%.3f..%.3f", r.min, r.max), strconv.Itoa(r.pairs),
		})
	}
	widths := make([]int, len(table[0]))
	for _, row := range table {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	for _, row := range table {
		var b strings.Builder
		for i, cell := range row {
			if i == 0 {
				fmt.Fprintf(&b, "%-*s", widths[i], cell)
				continue
			}
			fmt.Fprintf(&b, "  %*s", widths[i], cell)
		}
		fmt.Fprintln(w, b.String())
	}
}

// megaOps writes ops/s in millions: "51.2M".
func megaOps(v float64) string {
	return fmt.Sprintf("%.1fM", v/1e6)
}
