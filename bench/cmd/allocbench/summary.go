package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/allocbench/allocbench/bench/cells"
	"github.com/allocbench/allocbench/bench/claims"
	"github.com/allocbench/allocbench/bench/compare"
	"github.com/allocbench/allocbench/bench/summary"
)

// summarize prints the end of a run from the variants' result files, read
// as compare and report read them: for each workload and thread count,
// each allocator's throughput relative to glibc's malloc, its futex share,
// p99 latency and memory per live byte, for every variant; the scaling
// fits; then the published claims with the cells each comes from.
func summarize(w io.Writer, files []*compare.File, warnings []compare.Warning, prec precision) error {
	for _, wn := range warnings {
		fmt.Fprintln(w, "warning:", wn)
	}
	set, warns, err := cells.Collect(files, cells.Options{})
	for _, wn := range warns {
		fmt.Fprintln(w, "warning:", wn)
	}
	if err != nil {
		return err
	}
	sum, err := summary.Make(set, summary.Options{})
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := sum.WriteText(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	var b strings.Builder
	prec.write(&b)
	if b.Len() > 0 {
		fmt.Fprintln(w, b.String())
	}
	r := claims.FindRoles(set)
	return claims.WriteText(w, r, claims.Evaluate(set, r))
}
