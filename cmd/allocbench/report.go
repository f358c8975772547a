package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/allocbench/allocbench/internal/analysis/report"
	"github.com/allocbench/allocbench/internal/usage"
)

// reportDescription says in one line what the report subcommand does.
const reportDescription = "allocbench report writes a self-contained HTML report of Go benchmark result files: summary tables, scaling, claims and plots."

// reportUsage is the command line of the report subcommand.
const reportUsage = "allocbench report [-o report.html] [-title text] [-baseline [label/]alloc] [label=]file..."

// runReport implements "allocbench report": it parses the flags in args,
// then report.Run writes the page of the files they leave. It fails on
// bad flags (a usage error, see package internal/usage) before reading a
// file.
func runReport(args []string, stdout, stderr io.Writer) error {
	limitMemory()
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts report.Options
	fs.StringVar(&opts.Out, "o", "report.html", "write the report to `file`")
	fs.StringVar(&opts.Title, "title", report.DefaultTitle, "page `title`")
	fs.StringVar(&opts.Baseline, "baseline", "", "the `column` the summary compares with: label/alloc, or an allocator of the default file (default: libc of the first file measured with glibc); for results that are not allocbench's cells (plain go test -bench output), a column of the tables")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nusage: %s\n\nThe page needs no network: a summary table per workload (throughput relative to a\nbaseline, futex share, p99 latency, memory), scaling fits, the published claims\nchecked against the files, direct comparisons of files that differ only in C\nlibrary or distribution, plots, and each file's configuration. A file is\nlabelled by its base name without extension, or by label= before it.\n\nflags:\n", reportDescription, reportUsage)
		fs.PrintDefaults()
	}
	if err := usage.Parse(fs, args, `usage: allocbench report [flags] [label=]file...; "allocbench help report" lists the flags`); err != nil {
		return usage.Wrap(err)
	}
	if fs.NArg() == 0 {
		return usage.Errorf("report: no input files (usage: %s)", reportUsage)
	}
	return report.Run(fs.Args(), opts, stdout, stderr)
}
