package compare

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Usage is the command line of the compare subcommand.
const Usage = "allocbench compare [-row proj] [-col proj] [-filter expr] [-format text|csv|markdown] [-metrics unit,...] [-alpha a] [-confidence c] [label=]file..."

// Run implements "allocbench compare": it reads the files named in args,
// writes one table per metric to stdout and warnings about the input to
// stderr. It fails only on bad flags or when nothing can be compared.
func Run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts Options
	fs.StringVar(&opts.Row, "row", "", "projection for table rows (default \""+DefaultRow+"\", plus /alloc when the columns are files)")
	fs.StringVar(&opts.Col, "col", "", "projection for table columns; the first column is the baseline (default \""+DefaultColFiles+"\" with two or more files, else \""+DefaultColAllocs+"\")")
	fs.StringVar(&opts.Filter, "filter", "", "keep only results matching this benchproc `filter`, e.g. /workload:churn")
	format := fs.String("format", string(Text), "output `format`: text, csv or markdown")
	metrics := fs.String("metrics", "", "comma-separated `units` to compare, or \"all\" (default "+strings.Join(DefaultMetrics, ",")+" where present)")
	fs.Float64Var(&opts.Alpha, "alpha", DefaultAlpha, "significance level of the Mann-Whitney U test")
	fs.Float64Var(&opts.Confidence, "confidence", DefaultConfidence, "confidence level of the median's interval")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\n", Usage)
		fmt.Fprintf(fs.Output(), "Compares Go benchmark results like benchstat. A file is labelled by its base name\nwithout extension, or by label= before it. Projections and filters use benchproc\nsyntax: .name, /workload, /alloc, /threads, %s, or config keys like libc.\n\n", LabelKey)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	f := Format(*format)
	switch f {
	case Text, CSV, Markdown:
	case "md":
		f = Markdown
	default:
		return fmt.Errorf("compare: unknown -format %q (want text, csv or markdown)", *format)
	}
	if *metrics != "" {
		opts.Metrics = strings.Split(*metrics, ",")
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("compare: no input files")
	}

	files, warns := ReadFiles(ParseSources(fs.Args()))
	printWarnings := func(more []Warning) {
		for _, w := range append(warns, more...) {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
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
		return fmt.Errorf("compare: %w", err)
	}
	return nil
}
