package compare

import (
	"errors"
	"fmt"
	"io"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/usage"
)

// Claims is what compare -claims adds after the tables: the published
// claims judged on the files (package claims provides it).
type Claims interface {
	// Write writes the claims in a text, CSV or Markdown format.
	Write(w io.Writer, f Format) error
}

// ClaimsFunc judges the claims on files, for compare -claims; in JSON the
// Claims value goes in as "claims".
type ClaimsFunc func(files []*results.File) (Claims, []results.Warning, error)

// RunOptions are what the compare subcommand's flags ask for, parsed
// (cmd/allocbench parses them): the tables' Options, the output format and
// the claims.
type RunOptions struct {
	Options
	// Format is the output format; "" is Text.
	Format Format
	// Claims, when not nil, judges the published claims on the files
	// after the tables (-claims).
	Claims ClaimsFunc
}

// Run implements "allocbench compare" with its flags parsed: it reads the
// files named in args ([label=]path, see results.ParseSources), writes one
// table per metric to stdout (and with opts.Claims, the claims) and
// warnings about the input to stderr. It fails on a -row or -col key no
// file has or a -baseline that names no column (usage errors, see package
// internal/usage), or when nothing can be compared.
func Run(args []string, opts RunOptions, stdout, stderr io.Writer) error {
	f := opts.Format
	switch f {
	case "":
		f = Text
	case Text, CSV, Markdown, JSON:
	default:
		return usage.Errorf("compare: unknown format %q (want text, csv, markdown or json)", f)
	}
	if err := opts.Check(); err != nil {
		return usage.Errorf("compare: %w", err)
	}
	if len(args) == 0 {
		return usage.Errorf("compare: no input files")
	}
	files, warns := results.ReadFiles(results.ParseSources(args))
	if err := CheckKeys(files, opts.Options); err != nil {
		return usage.Errorf("compare: %w", err)
	}
	printWarnings := func(more []results.Warning) {
		for _, w := range append(warns, more...) {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
	}
	if f == JSON {
		tables, more, err := Tables(files, opts.Options)
		printWarnings(more)
		if err != nil {
			return failed(err)
		}
		all := append(append([]results.Warning(nil), warns...), more...)
		var extra any
		if opts.Claims != nil {
			cl, cw, err := opts.Claims(files)
			if err != nil {
				return fmt.Errorf("compare: claims: %w", err)
			}
			all = append(all, cw...)
			extra = cl
		}
		return WriteJSON(stdout, files, all, tables, opts.Options, extra)
	}
	first := true
	_, err := eachTable(files, opts.Options, printWarnings, func(t *Table) error {
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
	if opts.Claims != nil {
		cl, cw, err := opts.Claims(files)
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
