package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/allocbench/allocbench/internal/analysis/claims"
	"github.com/allocbench/allocbench/internal/analysis/compare"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/suggest"
	"github.com/allocbench/allocbench/internal/usage"
)

// compareDescription says in one line what the compare subcommand does.
const compareDescription = "allocbench compare compares Go benchmark result files, benchstat-style, one table per metric."

// compareUsage is the command line of the compare subcommand.
const compareUsage = "allocbench compare [-row proj] [-col proj] [-filter expr] [-baseline column] [-format text|csv|markdown|json] [-metrics unit,...] [-alpha a] [-confidence c] [-claims] [label=]file..."

func runCompare(args []string, stdout, stderr io.Writer) error {
	limitMemory()
	return compareCommand(args, stdout, stderr, claims.Judge)
}

// compareCommand implements "allocbench compare": it parses the flags in
// args, then compare.Run compares the files they leave. It fails on bad
// flags (a usage error, see package internal/usage) before reading a file;
// judge is nil where -claims is not available.
func compareCommand(args []string, stdout, stderr io.Writer, judge compare.ClaimsFunc) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts compare.RunOptions
	fs.StringVar(&opts.Row, "row", "", "projection for table rows (default \""+compare.DefaultRow+"\", plus /alloc when the columns are files)")
	fs.StringVar(&opts.Col, "col", "", "projection for table columns; the first column is the baseline (default \""+compare.DefaultColFiles+"\" with two or more files, else \""+compare.DefaultColAllocs+"\")")
	fs.StringVar(&opts.Filter, "filter", "", "keep only results matching this benchproc `filter`, e.g. /workload:churn")
	fs.StringVar(&opts.Baseline, "baseline", "", "the `column` the others are compared with, by its label (e.g. musl, or jemalloc); default: the first")
	format := fs.String("format", string(compare.Text), "output `format`: text, csv, markdown or json (schema "+compare.JSONSchema+", see docs/comparing.md)")
	metrics := fs.String("metrics", "", "comma-separated `units` to compare, or \"all\" (default "+strings.Join(compare.DefaultMetrics, ",")+" where present)")
	fs.Float64Var(&opts.Alpha, "alpha", compare.DefaultAlpha, "significance level of the Mann-Whitney U test")
	fs.Float64Var(&opts.Confidence, "confidence", compare.DefaultConfidence, "confidence level of the median's interval")
	withClaims := fs.Bool("claims", false, "after the tables, judge the published claims on the files (all of them, whatever -filter keeps)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nusage: %s\n\n", compareDescription, compareUsage)
		fmt.Fprintf(fs.Output(), "A file is labelled by its base name without extension, or by label= before it.\nProjections and filters use benchproc syntax: .name, /workload, /alloc, /threads,\n%s, or config keys like libc. Units of earlier versions (p99-ns) read as\ntoday's (p99-nsec).\n\nflags:\n", results.LabelKey)
		fs.PrintDefaults()
	}
	if err := usage.Parse(fs, args, `usage: allocbench compare [flags] [label=]file...; "allocbench help compare" lists the flags`); err != nil {
		return usage.Wrap(err)
	}
	opts.Format = compare.Format(*format)
	switch opts.Format {
	case compare.Text, compare.CSV, compare.Markdown, compare.JSON:
	case "md":
		opts.Format = compare.Markdown
	default:
		return usage.Errorf("compare: unknown -format %q%s (want text, csv, markdown or json)", *format, suggest.DidYouMean(*format, []string{"text", "csv", "markdown", "json"}))
	}
	if *withClaims {
		if judge == nil {
			return usage.Errorf("compare: -claims is not available in this build")
		}
		opts.Claims = judge
	}
	if *metrics != "" {
		opts.Metrics = strings.Split(*metrics, ",")
	}
	if err := opts.Check(); err != nil {
		return usage.Errorf("compare: %w", err)
	}
	if fs.NArg() == 0 {
		return usage.Errorf("compare: no input files (usage: %s)", compareUsage)
	}
	return compare.Run(fs.Args(), opts, stdout, stderr)
}
