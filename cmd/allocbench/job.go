package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/workloads"
)

// benchtime is the cell's -test.benchtime: the job's, except that a
// workload whose protocol unfolds over thread generations (larson) runs a
// fixed count of ops that spans workloads.MinGenerations of them, unless
// -benchtime was given. A run of 10 ms would otherwise end inside the first
// generation, and measure no thread exit and no successor's frees.
func cellBenchtime(c cell, o options) string {
	if o.benchtimeSet {
		return o.benchtime
	}
	w, err := workloads.Lookup(c.Workload)
	if err != nil {
		return o.benchtime
	}
	if n := w.MinOps(c.Threads); n > 0 {
		return strconv.FormatUint(n, 10) + "x"
	}
	return o.benchtime
}

// variantAllocs are the allocators a variant can have, read from their
// records, and why it lacks each of the others. The glibc variant opens the
// allocators packaged for the release it runs on (every one when the release
// is unknown) and, on this machine (here), the user's libraries; the musl
// variant has musl's malloc, floor, and the allocators whose records say how
// to build them for musl.
func variantAllocs(libc, release string, here bool) (have []string, why map[string]string) {
	why = map[string]string{}
	for _, s := range alloc.All() {
		switch {
		case s.Kind != alloc.Shared:
			have = append(have, s.Name)
		case s.User() && !here:
			why[s.Name] = "your library is on this machine, not in the container"
		case s.User() && libc == "musl":
			why[s.Name] = "not built for the musl variant: a static musl binary cannot open shared libraries, and linking your library in statically is not supported; it runs in the glibc variant"
		case s.User():
			have = append(have, s.Name)
		case libc == "musl" && !s.MuslBuilt():
			why[s.Name] = "not built for the musl variant: " + s.MuslSkip
		case libc == "musl":
			have = append(have, s.Name)
		case release != "":
			if _, ok := s.On(release); !ok {
				why[s.Name] = fmt.Sprintf("not packaged on %s (%s)", release, packagedOn(s))
				continue
			}
			have = append(have, s.Name)
		default:
			have = append(have, s.Name)
		}
	}
	return have, why
}

// packagedOn says where an allocator is packaged: "debian13: libmimalloc3".
func packagedOn(s alloc.Spec) string {
	var where []string
	for _, l := range s.Libraries {
		where = append(where, l.Release+": "+l.Package)
	}
	if len(where) == 0 {
		return "packaged nowhere"
	}
	return "packaged on " + strings.Join(where, ", ")
}

// variant is one build of the benchmarks and where it runs: a test binary
// run directly, or inside a container through a command prefix.
type variant struct {
	name string
	// libc is "glibc" or "musl": which C library the variant measures.
	libc   string
	allocs []string
	// why says why the variant lacks an allocator it does not have.
	why map[string]string
	// argv runs the variant's test binary; cell arguments follow it.
	argv []string
}

// plan lists the cells to run, and the combinations left out with why.
func plan(o options, variants []variant) (cells []cell, notes []string) {
	for _, v := range variants {
		for _, a := range o.allocs {
			if !slices.Contains(v.allocs, a) {
				why := v.why[a]
				if why == "" {
					why = "not built for the " + v.name + " variant"
				}
				notes = append(notes, fmt.Sprintf("%s/%s: %s", v.name, a, why))
			}
		}
		for _, wname := range o.workloads {
			w, _ := workloads.Lookup(wname)
			for _, a := range o.allocs {
				if !slices.Contains(v.allocs, a) {
					continue
				}
				spec, _ := alloc.Lookup(a)
				if w.CrossThread && !spec.CrossThreadFree {
					continue
				}
				for _, n := range o.threads {
					cells = append(cells, cell{Label: v.name, Workload: wname, Alloc: a, Threads: n})
				}
			}
		}
	}
	var cross []string
	for _, wname := range o.workloads {
		if w, _ := workloads.Lookup(wname); w.CrossThread {
			cross = append(cross, wname)
		}
	}
	for _, a := range o.allocs {
		if spec, err := alloc.Lookup(a); err == nil && !spec.CrossThreadFree && len(cross) > 0 {
			notes = append(notes, fmt.Sprintf("%s skips %s: they free blocks across threads", a, strings.Join(cross, ", ")))
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
	log     string   // what it printed besides results and configuration (bounded)
	tail    string   // the end of its log, for failures
	elapsed time.Duration
}

// now is the clock that names the results directory.
var now = time.Now

func runJob(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	d, note, err := createRunDir(o.results, now())
	if err != nil {
		return err
	}
	defer d.Close()
	defer func() {
		if err != nil {
			d.discardUnused(stderr)
		}
	}()
	fmt.Fprintf(stdout, "allocbench: results in %s%s\n", d.dir, note)
	if n := envNotice(o.env); n != "" {
		fmt.Fprintf(stdout, "allocbench: %s\n", n)
	}
	variants, notes, cleanup, err := buildVariants(ctx, o, d, stderr)
	defer cleanup()
	if err != nil {
		return err
	}
	if tracer := startCellTracer(o.futex); tracer != nil {
		defer tracer.Close()
		o.futexHost = tracer.srv.Path()
	}
	return runMatrix(ctx, o, variants, notes, d, stdout, stderr)
}

// runMatrix runs every cell of the variants in its own process, streaming
// results into dir/<variant>.txt, and ends with the summary, the claims and
// the report.
func runMatrix(ctx context.Context, o options, variants []variant, notes []string, d *runDir, stdout, stderr io.Writer) error {
	start := time.Now()
	files := map[string]*resultFile{}
	byName := map[string]variant{}
	for _, v := range variants {
		f, err := createResultFile(d, v.name+".txt")
		if err != nil {
			return err
		}
		defer f.Close()
		// How far the cells run, for every result below: benchstat's ±
		// and n then say what each cell reached.
		if err := f.writeWhole(precisionConfig(o)); err != nil {
			return fmt.Errorf("writing %s: %w", f.path, err)
		}
		files[v.name] = f
		byName[v.name] = v
	}
	cells, planNotes := plan(o, variants)
	notes = append(notes, planNotes...)
	if o.verbose {
		for _, n := range notes {
			fmt.Fprintf(stdout, "note: %s\n", n)
		}
	} else if len(notes) > 0 {
		fmt.Fprintf(stdout, "allocbench: %d notes on what is left out, in %s (-v prints them here)\n", len(notes), summaryFile)
	}

	seed := o.seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	deadline := time.Now().Add(o.budget)
	fmt.Fprintf(stdout, "allocbench: %d cells in rounds (-seed %d), %d to %d runs each, to ±%g%% or until %s\n",
		len(cells), seed, o.minRuns, o.maxRuns, 100*o.target, deadline.Format("15:04:05"))
	sched := newSchedule(cells, o, deadline, seed)
	prog := newProgress(o.progress, stderr, len(cells))
	var failed, skipped []outcome
	logWarned := map[*resultFile]bool{}
	visits := 0
rounds:
	for round := 1; ctx.Err() == nil; round++ {
		todo := sched.next(time.Now())
		if len(todo) == 0 {
			break
		}
		for i, st := range todo {
			if ctx.Err() != nil {
				break rounds
			}
			if !sched.fits(st, time.Now()) {
				continue
			}
			c := st.c
			prog.visit(round, i, len(todo), c, sched.deadline)
			vo := o
			vo.count = sched.runsNext(st)
			vo.benchtime, vo.benchtimeSet = visitBenchtime(st, o), true
			out := runCell(ctx, byName[c.Label].argv, c, vo)
			prog.done(visits, out)
			visits++
			if ctx.Err() != nil && out.err != nil {
				break rounds // interrupted: the cell did not fail on its own
			}
			f := files[c.Label]
			if err := f.add(out); err != nil {
				prog.finish()
				return fmt.Errorf("writing %s: %w (every visit finished before this one is in the file)", f.path, err)
			}
			d.ended++
			sched.visited(st, out)
			if f.logErr != nil && !logWarned[f] {
				logWarned[f] = true
				fmt.Fprintf(stderr, "allocbench: writing %s: %v; the cells' logs stop there\n", f.logPath, f.logErr)
			}
			switch {
			case out.err != nil:
				failed = append(failed, out)
				fmt.Fprintf(stderr, "FAIL %s: %v\n%s\n", c, out.err, indent(out.tail))
			case out.skipped != "":
				skipped = append(skipped, out)
			}
		}
		// What the runs so far say decides the next round.
		sofar, _ := readVariants(d, variants)
		set, err := collect(sofar)
		if err != nil {
			break
		}
		sched.update(set)
	}
	prog.finish()
	prec := sched.precision()
	for _, v := range variants {
		f := files[v.name]
		for _, st := range sched.states {
			if st.c.Label == v.name && st.runs > 0 && st.stop != stopFailed && st.stop != stopSkipped {
				f.writeWhole(st.comment(sched.target, sched.maxRuns) + "\n")
			}
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("closing %s: %w", f.path, err)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "allocbench: interrupted after %s (%v): the running cell was stopped; every finished visit is in %s\n",
			time.Since(start).Round(time.Second), context.Cause(ctx), d.dir)
		return context.Cause(ctx)
	}

	results, warnings := readVariants(d, variants)
	var details strings.Builder
	term := io.Writer(stdout)
	if o.verbose {
		term = io.Discard
	}
	if err := summarize(term, &details, results, warnings, ending{notes: notes, skipped: skipped, prec: prec}); err != nil {
		fmt.Fprintf(stderr, "allocbench: summary: %v\n", err)
	}
	if o.verbose {
		io.WriteString(stdout, details.String())
	}
	summaryPath, summaryErr := writeWhole(d, summaryFile, func(f *os.File) error {
		_, err := io.WriteString(f, details.String())
		return err
	})
	if summaryErr == nil {
		fmt.Fprintf(stdout, "\ndetails: %s\n", summaryPath)
	}
	path, reportErr := writeReport(d, results, warnings)
	if reportErr == nil {
		fmt.Fprintf(stdout, "report: %s\n", path)
	}
	reportErr = errors.Join(summaryErr, reportErr)
	fmt.Fprintf(stdout, "\nallocbench: %d cells, %d visits in %s; results in %s\n", len(cells), visits, time.Since(start).Round(time.Second), d.dir)
	if len(failed) > 0 {
		for _, f := range failed {
			fmt.Fprintf(stdout, "failed: %s: %v\n", f.cell, f.err)
		}
		return errors.Join(reportError(reportErr), cellsFailedError{len(failed)})
	}
	return reportError(reportErr)
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
