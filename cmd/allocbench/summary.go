package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/analysis/claims"
	"github.com/allocbench/allocbench/internal/analysis/summary"
	"github.com/allocbench/allocbench/internal/results"
)

// summaryFile is where the end of a run goes whole, detail included.
const summaryFile = "summary.txt"

// ending is what a run knows at its end besides its result files.
type ending struct {
	// notes say what the plan left out and why, skipped which cells
	// skipped themselves.
	notes   []string
	skipped []outcome
	prec    precision
}

// summarize writes the end of a run from the variants' result files, read
// as compare and report read them. The answer comes first: a line per
// published claim (its verdict and deciding figure with its interval) and
// a line per workload (its fastest allocator, musl's malloc and the best
// allocator on musl); then a table per workload and file; then the
// precision the cells reached. That goes to term; details gets it too,
// followed by the detail: the claims with every cell they used, the
// scaling, the precision of the widest cells, the notes and the skipped
// cells.
func summarize(term, details io.Writer, files []*results.File, warnings []results.Warning, end ending) error {
	var head, detail strings.Builder
	for _, wn := range warnings {
		fmt.Fprintln(&head, "warning:", wn)
	}
	set, warns, err := cells.Collect(files, cells.Options{})
	for _, wn := range warns {
		fmt.Fprintln(&head, "warning:", wn)
	}
	if err != nil {
		io.WriteString(term, head.String())
		io.WriteString(details, head.String())
		return err
	}
	sum, err := summary.Make(set, summary.Options{})
	if err != nil {
		io.WriteString(term, head.String())
		io.WriteString(details, head.String())
		return err
	}
	roles := claims.FindRoles(set)
	verdicts := claims.Evaluate(set, roles)
	fmt.Fprintln(&head)
	claims.WriteLines(&head, roles, verdicts)
	fmt.Fprintln(&head)
	sum.WriteHeadlines(&head, roles.Musl)
	fmt.Fprintln(&head)
	sum.WriteTables(&head)
	fmt.Fprintln(&head)
	end.prec.writeCounts(&head)

	fmt.Fprintln(&detail)
	claims.WriteText(&detail, roles, verdicts)
	if len(sum.Scaling) > 0 {
		fmt.Fprintln(&detail)
		sum.WriteScaling(&detail)
	}
	fmt.Fprintln(&detail)
	end.prec.writeWidest(&detail)
	if len(end.notes) > 0 || len(end.skipped) > 0 {
		fmt.Fprintln(&detail)
	}
	for _, n := range end.notes {
		fmt.Fprintf(&detail, "note: %s\n", n)
	}
	for _, s := range end.skipped {
		fmt.Fprintf(&detail, "skipped %s: %s\n", s.cell, s.skipped)
	}
	if _, err := io.WriteString(term, head.String()); err != nil {
		return err
	}
	_, err = io.WriteString(details, head.String()+detail.String())
	return err
}
