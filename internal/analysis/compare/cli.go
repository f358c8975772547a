package compare

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/allocbench/allocbench/internal/results"

	"github.com/allocbench/allocbench/internal/suggest"
	"github.com/allocbench/allocbench/internal/usage"
)

// Description says in one line what the compare subcommand does.
const Description = "allocbench compare compares Go benchmark result files, benchstat-style, one table per metric."

// Usage is the command line of the compare subcommand.
const Usage = "allocbench compare [-row proj] [-col proj] [-filter expr] [-baseline column] [-format text|csv|markdown|json] [-metrics unit,...] [-alpha a] [-confidence c] [-claims] [label=]file..."

// Claims is what compare -claims adds after the tables: the published
// claims judged on the files (package claims provides it).
type Claims interface {
	// Write writes the claims in a text, CSV or Markdown format.
	Write(w io.Writer, f Format) error
}

// ClaimsFunc judges the claims on files, for compare -claims; in JSON the
// Claims value goes in as "claims".
type ClaimsFunc func(files []*results.File) (Claims, []results.Warning, error)

// Run implements "allocbench compare" without -claims; see RunWith.
func Run(args []string, stdout, stderr io.Writer) error {
	return RunWith(args, stdout, stderr, nil)
}

// RunWith implements "allocbench compare": it reads the files named in
// args, writes one table per metric to stdout (and with -claims, the claims
// that claims judges) and warnings about the input to stderr. It fails only
// on bad flags (a usage error, see package internal/usage) or when nothing
// can be compared.
func RunWith(args []string, stdout, stderr io.Writer, claims ClaimsFunc) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts Options
	fs.StringVar(&opts.Row, "row", "", "projection for table rows (default \""+DefaultRow+"\", plus /alloc when the columns are files)")
	fs.StringVar(&opts.Col, "col", "", "projection for table columns; the first column is the baseline (default \""+DefaultColFiles+"\" with two or more files, else \""+DefaultColAllocs+"\")")
	fs.StringVar(&opts.Filter, "filter", "", "keep only results matching this benchproc `filter`, e.g. /workload:churn")
	fs.StringVar(&opts.Baseline, "baseline", "", "the `column` the others are compared with, by its label (e.g. musl, or jemalloc); default: the first")
	format := fs.String("format", string(Text), "output `format`: text, csv, markdown or json (schema "+JSONSchema+", see docs/comparing.md)")
	metrics := fs.String("metrics", "", "comma-separated `units` to compare, or \"all\" (default "+strings.Join(DefaultMetrics, ",")+" where present)")
	fs.Float64Var(&opts.Alpha, "alpha", DefaultAlpha, "significance level of the Mann-Whitney U test")
	fs.Float64Var(&opts.Confidence, "confidence", DefaultConfidence, "confidence level of the median's interval")
	withClaims := fs.Bool("claims", false, "after the tables, judge the published claims on the files (all of them, whatever -filter keeps)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nusage: %s\n\n", Description, Usage)
		fmt.Fprintf(fs.Output(), "A file is labelled by its base name without extension, or by label= before it.\nProjections and filters use benchproc syntax: .name, /workload, /alloc, /threads,\n%s, or config keys like libc. Units of earlier versions (p99-ns) read as\ntoday's (p99-nsec).\n\nflags:\n", results.LabelKey)
		fs.PrintDefaults()
	}
	if err := usage.Parse(fs, args, `usage: allocbench compare [flags] [label=]file...; "allocbench help compare" lists the flags`); err != nil {
		return usage.Wrap(err)
	}
	f := Format(*format)
	switch f {
	case Text, CSV, Markdown, JSON:
	case "md":
		f = Markdown
	default:
		return usage.Errorf("compare: unknown -format %q%s (want text, csv, markdown or json)", *format, suggest.DidYouMean(*format, []string{"text", "csv", "markdown", "json"}))
	}
	if *withClaims && claims == nil {
		return usage.Errorf("compare: -claims is not available in this build")
	}
	if *metrics != "" {
		opts.Metrics = strings.Split(*metrics, ",")
	}
	if err := opts.Check(); err != nil {
		return usage.Errorf("compare: %w", err)
	}
	if fs.NArg() == 0 {
		return usage.Errorf("compare: no input files (usage: %s)", Usage)
	}

	files, warns := results.ReadFiles(results.ParseSources(fs.Args()))
	if err := CheckKeys(files, opts); err != nil {
		return usage.Errorf("compare: %w", err)
	}
	printWarnings := func(more []results.Warning) {
		for _, w := range append(warns, more...) {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
	}
	if f == JSON {
		tables, more, err := Tables(files, opts)
		printWarnings(more)
		if err != nil {
			return failed(err)
		}
		all := append(append([]results.Warning(nil), warns...), more...)
		var extra any
		if *withClaims {
			cl, cw, err := claims(files)
			if err != nil {
				return fmt.Errorf("compare: claims: %w", err)
			}
			all = append(all, cw...)
			extra = cl
		}
		return WriteJSON(stdout, files, all, tables, opts, extra)
	}
	first := true
	_, err := eachTable(files, opts, printWarnings, func(t *Table) error {
		if !first {
			if _, err := io.WriteString(stdout, "\n"); err != nil {
				return err
			}
		}
		first = false
		return WriteTables(stdout, []*Table{t}, f)
	})
	if err != nil {
		return failed(err)
	}
	if *withClaims {
		cl, cw, err := claims(files)
		for _, w := range cw {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
		if err != nil {
			return fmt.Errorf("compare: claims: %w", err)
		}
		if _, err := io.WriteString(stdout, "\n"); err != nil {
			return err
		}
		return cl.Write(stdout, f)
	}
	return nil
}

// failed reports why nothing could be compared: a -baseline that names no
// column is bad input (a usage error), anything else a failure.
func failed(err error) error {
	var be *BaselineError
	if errors.As(err, &be) {
		return usage.Errorf("compare: %w", err)
	}
	return fmt.Errorf("compare: %w", err)
}
