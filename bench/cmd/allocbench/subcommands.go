package main

import (
	"io"

	"github.com/allocbench/allocbench/bench/compare"
	"github.com/allocbench/allocbench/bench/report"
)

func runCompare(args []string, stdout, stderr io.Writer) error {
	return compare.Run(args, stdout, stderr)
}

func runReport(args []string, stdout, stderr io.Writer) error {
	return report.Run(args, stdout, stderr)
}
