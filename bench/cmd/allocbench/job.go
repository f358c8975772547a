package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/workloads"
)

// cell is one (variant, workload, allocator, threads) combination; each runs
// in its own process.
type cell struct {
	variant, workload, alloc string
	threads                  int
}

func (c cell) String() string {
	return fmt.Sprintf("%s workload=%s alloc=%s threads=%d", c.variant, c.workload, c.alloc, c.threads)
}

// benchPattern selects exactly this cell's sub-benchmark.
func (c cell) benchPattern() string {
	return fmt.Sprintf("^BenchmarkWorkloads$/^workload=%s$/^alloc=%s$/^threads=%d$", c.workload, c.alloc, c.threads)
}

// variantAllocs are the allocators each variant can have: the musl build
// links jemalloc and mimalloc in from source; tcmalloc is not built for it.
var variantAllocs = map[string][]string{
	"glibc": {alloc.Libc, alloc.Jemalloc, alloc.Mimalloc, alloc.Tcmalloc, alloc.Floor},
	"musl":  {alloc.Libc, alloc.Jemalloc, alloc.Mimalloc, alloc.Floor},
}

// variant is one build of the benchmarks and where it runs: a test binary
// run directly, or inside a container through a command prefix.
type variant struct {
	name string
	// libc is "glibc" or "musl": which C library the variant measures.
	libc   string
	allocs []string
	// argv runs the variant's test binary; cell arguments follow it.
	argv []string
}

// plan lists the cells to run, and the combinations left out with why.
func plan(o options, variants []variant) (cells []cell, notes []string) {
	for _, v := range variants {
		for _, a := range o.allocs {
			if !contains(v.allocs, a) {
				notes = append(notes, fmt.Sprintf("%s/%s: not built for the %s variant", v.name, a, v.name))
			}
		}
		for _, wname := range o.workloads {
			w, _ := workloads.Lookup(wname)
			for _, a := range o.allocs {
				if !contains(v.allocs, a) {
					continue
				}
				spec, _ := alloc.Lookup(a)
				if w.CrossThread && !spec.CrossThreadFree {
					continue
				}
				for _, n := range o.threads {
					cells = append(cells, cell{variant: v.name, workload: wname, alloc: a, threads: n})
				}
			}
		}
	}
	if contains(o.allocs, alloc.Floor) {
		var cross []string
		for _, wname := range o.workloads {
			if w, _ := workloads.Lookup(wname); w.CrossThread {
				cross = append(cross, wname)
			}
		}
		if len(cross) > 0 {
			notes = append(notes, fmt.Sprintf("floor skips %s: they free blocks across threads", strings.Join(cross, ", ")))
		}
	}
	return cells, notes
}

// outcome is what running one cell gave.
type outcome struct {
	cell    cell
	results []string // benchmark lines
	config  []string // configuration lines
	skipped string   // why the cell produced nothing, when it was skipped
	err     error    // crash, hang, integrity failure
	tail    string   // the end of its output, for failures
	elapsed time.Duration
}

func runJob(ctx context.Context, o options, stdout, stderr io.Writer) error {
	dir, err := resultsDir(o.results, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "allocbench: results in %s\n", dir)
	variants, notes, err := buildVariants(ctx, o, dir, stderr)
	if err != nil {
		return err
	}
	return runMatrix(ctx, o, variants, notes, dir, stdout, stderr)
}

// resultsDir makes root/<timestamp>, absolute.
func resultsDir(root string, t time.Time) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("results directory: %w", err)
	}
	dir := filepath.Join(abs, t.Format("20060102-150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("results directory: %w", err)
	}
	return dir, nil
}

// runMatrix runs every cell of the variants in its own process, streaming
// results into dir/<variant>.txt, and ends with the summary, the claims and
// the report.
func runMatrix(ctx context.Context, o options, variants []variant, notes []string, dir string, stdout, stderr io.Writer) error {
	start := time.Now()
	files := map[string]*resultFile{}
	byName := map[string]variant{}
	for _, v := range variants {
		f, err := createResultFile(filepath.Join(dir, v.name+".txt"))
		if err != nil {
			return err
		}
		defer f.Close()
		files[v.name] = f
		byName[v.name] = v
	}
	cells, planNotes := plan(o, variants)
	for _, n := range append(notes, planNotes...) {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}

	prog := newProgress(o.progress, stderr, len(cells))
	var failed, skipped []outcome
	for i, c := range cells {
		if ctx.Err() != nil {
			break
		}
		prog.start(i, c)
		out := runCell(ctx, byName[c.variant].argv, c, o)
		prog.done(i, out)
		if ctx.Err() != nil && out.err != nil {
			break // interrupted: the cell did not fail on its own
		}
		f := files[c.variant]
		if err := f.add(out); err != nil {
			prog.finish()
			return fmt.Errorf("writing %s: %w (every cell finished before this one is in the file)", f.path, err)
		}
		switch {
		case out.err != nil:
			failed = append(failed, out)
			fmt.Fprintf(stderr, "FAIL %s: %v\n%s\n", c, out.err, indent(out.tail))
		case out.skipped != "":
			skipped = append(skipped, out)
		}
	}
	prog.finish()
	for _, v := range variants {
		if err := files[v.name].Close(); err != nil {
			return fmt.Errorf("closing %s: %w", files[v.name].path, err)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "allocbench: interrupted after %s; finished cells are in %s\n", time.Since(start).Round(time.Second), dir)
		return ctx.Err()
	}

	for _, s := range skipped {
		fmt.Fprintf(stdout, "skipped %s: %s\n", s.cell, s.skipped)
	}
	claims, err := summarize(stdout, dir, o, variants)
	if err != nil {
		fmt.Fprintf(stderr, "allocbench: summary: %v\n", err)
	}
	if path, err := writeReport(dir, variants, claims); err != nil {
		fmt.Fprintf(stderr, "allocbench: report: %v\n", err)
	} else {
		fmt.Fprintf(stdout, "report: %s\n", path)
	}
	fmt.Fprintf(stdout, "\nallocbench: %d cells in %s; results in %s\n", len(cells), time.Since(start).Round(time.Second), dir)
	if len(failed) > 0 {
		for _, f := range failed {
			fmt.Fprintf(stdout, "failed: %s: %v\n", f.cell, f.err)
		}
		return cellsFailedError{len(failed)}
	}
	return nil
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
