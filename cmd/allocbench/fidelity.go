package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/sync/errgroup"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/bench"
	"github.com/allocbench/allocbench/internal/infra/distro"
	"github.com/allocbench/allocbench/internal/infra/glibcbench"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/usage"
)

// fidelityWorkload is allocbench's reproduction of glibc's
// bench-malloc-thread.
const fidelityWorkload = "churn"

// maxOriginalThreads bounds -threads: bench-malloc-thread keeps every
// thread's 1024 slots on the main thread's stack (8 KiB a thread).
const maxOriginalThreads = 512

// fidelityOptions is what the user asked `allocbench fidelity` to do,
// checked.
type fidelityOptions struct {
	allocs    []string
	threads   []int
	count     int
	duration  time.Duration
	benchtime string
	// fresh: each allocbench run is the only run of a fresh process.
	fresh     bool
	timeout   time.Duration
	results   string
	noInstall bool
	progress  string
}

const fidelityDoc = `The original is glibc's own benchtests/bench-malloc-thread.c, built from this
system's glibc source package (fetched with apt-get, cached under
~/.cache/allocbench/glibcbench). For each allocator and thread count it runs
the original (other allocators swapped in with LD_PRELOAD) and allocbench's
churn cell alternately, -count times each, and prints both throughputs and
allocbench/original, the median of the per-pair ratios. Raw results go to
<-o>/<timestamp>/original.txt and allocbench.txt in Go benchmark format.
`

func parseFidelityFlags(args []string, stderr io.Writer) (fidelityOptions, error) {
	fs := flag.NewFlagSet("allocbench fidelity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		allocs    = fs.String("allocs", strings.Join(glibcbench.Allocators(), ","), "comma-separated allocators, or all ("+strings.Join(glibcbench.Allocators(), ", ")+")")
		threads   = fs.String("threads", "", fmt.Sprintf("comma-separated thread counts, 1..%d (default 1,2,NumCPU)", maxOriginalThreads))
		count     = fs.Int("count", 5, "runs of each, alternately, per allocator and thread count")
		duration  = fs.Duration("duration", 2*time.Second, "length of one run of the original: whole seconds (compiled in)")
		benchtime = fs.String("benchtime", "", "go test -benchtime of one allocbench run (default: -duration)")
		fresh     = fs.Bool("fresh", true, "make each allocbench run the only run of a fresh process, as the original's is; false: go test's runs share one process")
		timeout   = fs.Duration("timeout", 3*time.Minute, "time limit for one run of either")
		results   = fs.String("o", "results", "directory for results/<timestamp>/{original,allocbench}.txt")
		noInstall = fs.Bool("no-install", false, "do not install missing packages (which needs root); print the install command instead")
		progress  = fs.String("progress", "auto", "progress display: auto (on a terminal, not in CI), on, off")
	)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nusage: allocbench fidelity [flags]\n\n%s\nflags:\n", fidelitySummary, fidelityDoc)
		fs.PrintDefaults()
	}
	if err := usage.Parse(fs, args, shortUsage(fs.Name())); err != nil {
		return fidelityOptions{}, err
	}
	var emptied []string
	fs.Visit(func(f *flag.Flag) {
		if f.Value.String() == "" {
			emptied = append(emptied, "-"+f.Name)
		}
	})
	if len(emptied) > 0 {
		return fidelityOptions{}, fmt.Errorf("%s set to nothing; leave it out for the default", strings.Join(emptied, ", "))
	}
	if fs.NArg() > 0 {
		return fidelityOptions{}, fmt.Errorf("unexpected argument %q (allocbench fidelity takes only flags)", fs.Arg(0))
	}
	o := fidelityOptions{count: *count, duration: *duration, timeout: *timeout, results: *results, noInstall: *noInstall, progress: *progress}

	valid := glibcbench.Allocators()
	list := *allocs
	if strings.TrimSpace(list) == "all" {
		list = strings.Join(valid, ",")
	}
	names, err := alloc.ParseList(list)
	if err != nil {
		return o, fmt.Errorf("-allocs: %w", err)
	}
	for _, a := range names {
		if !slices.Contains(valid, a) {
			return o, fmt.Errorf("-allocs: %s cannot run under glibc's bench-malloc-thread, which swaps allocators in with LD_PRELOAD (valid: %s)", a, strings.Join(valid, ", "))
		}
	}
	o.allocs = names

	threadList := *threads
	if threadList == "" {
		threadList = fmt.Sprintf("1,2,%d", runtime.NumCPU())
	}
	if o.threads, err = bench.ParseThreads(threadList); err != nil {
		return o, fmt.Errorf("-threads: %w", err)
	}
	for _, n := range o.threads {
		if n > maxOriginalThreads {
			return o, fmt.Errorf("-threads: %d is more than bench-malloc-thread can run (valid: 1..%d; it keeps every thread's slots on the main thread's stack)", n, maxOriginalThreads)
		}
	}
	if o.count < 1 || o.count > 1000 {
		return o, fmt.Errorf("-count %d is out of range (valid: 1..1000)", o.count)
	}
	if err := glibcbench.CheckDuration(o.duration); err != nil {
		return o, fmt.Errorf("-duration: %w", err)
	}
	o.fresh = *fresh
	o.benchtime = *benchtime
	if o.benchtime == "" {
		o.benchtime = o.duration.String()
	}
	if err := checkBenchtime(o.benchtime); err != nil {
		return o, err
	}
	if o.timeout <= o.duration {
		return o, fmt.Errorf("-timeout %v must be longer than -duration %v", o.timeout, o.duration)
	}
	switch o.progress {
	case "auto", "on", "off":
	default:
		return o, fmt.Errorf("-progress: unknown value %q (valid: auto, on, off)", o.progress)
	}
	return o, nil
}

// runFidelity is `allocbench fidelity`.
func runFidelity(args []string, stdout, stderr io.Writer) error {
	o, err := parseFidelityFlags(args, stderr)
	return start(err, func(ctx context.Context) error { return runFidelityJob(ctx, o, stdout, stderr) })
}

// cellOptions are the main job's options for allocbench's side: the glibc
// variant's churn cells, one run each, futex measurement off (the original
// has none, and it costs a little).
func (o fidelityOptions) cellOptions() options {
	return options{
		variants:  []string{"glibc"},
		workloads: []string{fidelityWorkload},
		allocs:    o.allocs,
		threads:   o.threads,
		count:     1,
		benchtime: o.benchtime,
		futex:     "off",
		fresh:     o.fresh,
		timeout:   o.timeout,
		results:   o.results,
		noInstall: o.noInstall,
		progress:  o.progress,
	}
}

func runFidelityJob(ctx context.Context, o fidelityOptions, stdout, stderr io.Writer) (err error) {
	if err := needLinux("allocbench fidelity"); err != nil {
		return err
	}
	d, note, err := createRunDir(o.results, now())
	if err != nil {
		return err
	}
	defer d.Close()
	// measureFidelity removes the directory itself when it fails before
	// its first pair; a failed build leaves nothing in it either.
	measuring := false
	defer func() {
		if err != nil && !measuring {
			d.discardUnused(stderr)
		}
	}()
	dir := d.dir
	fmt.Fprintf(stdout, "allocbench fidelity: results in %s%s\n", dir, note)
	var (
		variants []variant
		prog     glibcbench.Program
	)
	var cleanups []func()
	defer func() {
		for _, c := range cleanups {
			if c != nil {
				c()
			}
		}
	}()
	// One installation for both builds, before they run in parallel.
	if _, err := ensure(ctx, append(buildNeeds(o.cellOptions()), distro.CC, distro.LibcDev, distro.Xz), o.noInstall, stderr); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		var cleanup func()
		variants, _, cleanup, err = buildVariants(gctx, o.cellOptions(), d, stderr)
		cleanups = append(cleanups, cleanup)
		return err
	})
	g.Go(func() error {
		var err error
		prog, err = glibcbench.Build(gctx, glibcbench.Options{Duration: o.duration, Log: stderr})
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "original: %s\n", prog.Describe())
	if o.fresh {
		fmt.Fprintln(stdout, "allocbench: churn, each run the only run of a fresh process, as the original's (-fresh)")
	} else {
		fmt.Fprintln(stdout, "allocbench: churn, go test's runs sharing one process (-fresh=false)")
	}
	measuring = true
	return measureFidelity(ctx, o, variants[0], prog, prog, d, stdout, stderr)
}

// originalProgram is what the fidelity job needs of glibc's program.
type originalProgram interface {
	Preload(ctx context.Context, alloc string) (string, error)
	Run(ctx context.Context, threads int, preload string) (glibcbench.Result, error)
}

// fidelityPair is one run of each, side by side; a side is 0 where its run
// failed.
type fidelityPair struct {
	alloc      string
	threads    int
	original   float64 // ops/s
	allocbench float64 // ops/s
}

// measureFidelity runs the pairs, writes the raw results into d as they
// come, and ends with the table.
func measureFidelity(ctx context.Context, o fidelityOptions, v variant, prog glibcbench.Program, orig originalProgram, d *runDir, stdout, stderr io.Writer) (err error) {
	start := time.Now()
	dir := d.dir
	r := &fidelityRun{o: o, v: v, orig: orig, cellOpts: o.cellOptions(), stderr: stderr, preload: map[string]string{}}
	defer func() {
		if err != nil {
			d.discardUnused(stderr)
		}
	}()
	// Where each allocator's library is, before anything is measured.
	for _, a := range o.allocs {
		lib, err := orig.Preload(ctx, a)
		if err != nil {
			return fmt.Errorf("glibc's bench-malloc-thread with %s: %w", a, err)
		}
		r.preload[a] = lib
	}
	if r.origFile, err = createResultFile(d, "original.txt"); err != nil {
		return err
	}
	defer r.origFile.Close()
	if r.abFile, err = createResultFile(d, "allocbench.txt"); err != nil {
		return err
	}
	defer r.abFile.Close()
	if err := r.origFile.writeWhole(strings.Join(originalConfig(prog, o.allocs, r.preload), "\n") + "\n"); err != nil {
		return err
	}

	bar := newProgress(o.progress, stderr, len(o.allocs)*len(o.threads)*o.count)
	var skipped []string
	k := 0
loop:
	for _, a := range o.allocs {
		for _, n := range o.threads {
			c := cell{Label: v.name, Workload: fidelityWorkload, Alloc: a, Threads: n}
			skip := ""
			for i := 0; i < o.count && ctx.Err() == nil; i++ {
				bar.start(k, c)
				t := time.Now()
				why, err := r.pair(ctx, c, i)
				bar.done(k, outcome{elapsed: time.Since(t)})
				k++
				if err != nil {
					bar.finish()
					return err
				}
				d.ended++
				if why != "" {
					skip = why
				}
			}
			if ctx.Err() != nil {
				break loop
			}
			if skip != "" {
				skipped = append(skipped, fmt.Sprintf("skipped %s: %s", c, skip))
			}
		}
	}
	bar.finish()
	for _, f := range []*resultFile{r.origFile, r.abFile} {
		if err := f.Close(); err != nil {
			return fmt.Errorf("closing %s: %w", f.path, err)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "allocbench fidelity: interrupted after %s; finished pairs are in %s\n", time.Since(start).Round(time.Second), dir)
		return ctx.Err()
	}
	for _, s := range skipped {
		fmt.Fprintln(stdout, s)
	}
	fmt.Fprintf(stdout, "\nchurn against glibc's bench-malloc-thread: ops/s, medians over the pairs in which both ran (-count %d, run alternately)\n\n", o.count)
	writeFidelityTable(stdout, fidelityRows(o.allocs, o.threads, r.pairs))
	// The files' configuration lines differ, so benchstat needs -table ''
	// to put them in one table.
	fmt.Fprintf(stdout, "\nraw results: %s, %s\ncompare them: go tool benchstat -table '' original=%s allocbench=%s\n",
		r.origFile.path, r.abFile.path, r.origFile.path, r.abFile.path)
	fmt.Fprintf(stdout, "\nallocbench fidelity: %d pairs in %s\n", k, time.Since(start).Round(time.Second))
	if r.failed > 0 {
		return cellsFailedError{r.failed}
	}
	return nil
}

// fidelityRun is the state of the pairs: where their results go and what
// they gave.
type fidelityRun struct {
	o                fidelityOptions
	v                variant
	orig             originalProgram
	preload          map[string]string
	cellOpts         options
	origFile, abFile *resultFile
	stderr           io.Writer
	pairs            []fidelityPair
	failed           int
}

// pair runs the original and allocbench's cell once each, the original
// first in even pairs and second in odd ones, so that neither side always
// follows the other's heat or leftovers, and records both. A failed run is
// reported and counted; skip says why the cell was skipped; err is an
// error writing the results. An interrupted pair is not recorded.
func (r *fidelityRun) pair(ctx context.Context, c cell, i int) (skip string, err error) {
	var (
		res     glibcbench.Result
		origErr error
		out     outcome
	)
	runOriginal := func() {
		rctx, cancel := context.WithTimeout(ctx, r.o.timeout)
		defer cancel()
		res, origErr = r.orig.Run(rctx, c.Threads, r.preload[c.Alloc])
	}
	if i%2 == 0 {
		runOriginal()
		out = runCell(ctx, r.v.argv, c, r.cellOpts)
	} else {
		out = runCell(ctx, r.v.argv, c, r.cellOpts)
		runOriginal()
	}
	if ctx.Err() != nil {
		return "", nil // interrupted: neither run failed on its own
	}

	p := fidelityPair{alloc: c.Alloc, threads: c.Threads}
	// The original's line takes the cell's name, so that the files line up.
	name := fmt.Sprintf("BenchmarkWorkloads/workload=%s/alloc=%s/threads=%d-%d", c.Workload, c.Alloc, c.Threads, runtime.GOMAXPROCS(0))
	if line, ok := firstResult(out.results); ok {
		name = line.name
		p.allocbench = 1e9 / line.nsPerOp
	}
	if origErr != nil {
		r.failed++
		fmt.Fprintf(r.stderr, "FAIL original %s: %v\n", c, origErr)
		err = r.origFile.writeWhole(fmt.Sprintf("# failed original %s: %s\n", c, oneLine(origErr.Error())))
	} else {
		p.original = res.OpsPerSec()
		err = r.origFile.writeWhole(originalLine(name, res) + "\n")
	}
	if err != nil {
		return "", fmt.Errorf("writing %s: %w (every pair finished before this one is in the file)", r.origFile.path, err)
	}
	if err := r.abFile.add(out); err != nil {
		return "", fmt.Errorf("writing %s: %w (every pair finished before this one is in the file)", r.abFile.path, err)
	}
	switch {
	case out.err != nil:
		r.failed++
		fmt.Fprintf(r.stderr, "FAIL %s: %v\n%s\n", c, out.err, indent(out.tail))
	case out.skipped != "":
		skip = out.skipped
	}
	r.pairs = append(r.pairs, p)
	return skip, nil
}

// originalConfig are the configuration lines of original.txt.
func originalConfig(p glibcbench.Program, allocs []string, preload map[string]string) []string {
	lines := []string{
		results.OriginalKey + ": glibc benchtests/" + glibcbench.Name + ".c",
		fmt.Sprintf("%s: Debian source package %s %s (upstream glibc %s)", results.OriginalSourceKey, p.Source, p.Version, p.Upstream()),
		fmt.Sprintf("%s: %s; BENCHMARK_DURATION %d s; timing from CLOCK_MONOTONIC in ns", results.OriginalBuildKey, p.CC+" -O2", int(p.Duration/time.Second)),
		results.OriginalSHA256Key + ": " + p.SHA256,
	}
	for _, a := range allocs {
		how := "the C library's malloc, nothing preloaded"
		if preload[a] != "" {
			how = "LD_PRELOAD=" + preload[a]
		}
		lines = append(lines, fmt.Sprintf("%s%s: %s", results.OriginalAllocKeyPrefix, a, how))
	}
	return lines
}

// originalLine is a run of the original in Go benchmark format, under the
// name of allocbench's cell so that the two files line up: the pairs as
// iterations, the inverse of the aggregate throughput as ns/op, and the
// program's own peak RSS (of a process unlike allocbench's, hence its own
// unit).
func originalLine(name string, r glibcbench.Result) string {
	return fmt.Sprintf("%s \t%d\t%.6g %s\t%.0f %s", name, int64(r.Iterations), r.NsPerOp(), results.NsPerOp, r.MaxRSSKiB*1024, results.MaxRSSBytes)
}

// cellResult is what the fidelity job reads from a cell's result line.
type cellResult struct {
	name    string
	nsPerOp float64
}

// firstResult reads the name and ns/op of the first of a cell's result
// lines.
func firstResult(lines []string) (cellResult, bool) {
	for _, line := range lines {
		r := benchfmt.NewReader(strings.NewReader(line+"\n"), "cell")
		for r.Scan() {
			res, ok := r.Result().(*benchfmt.Result)
			if !ok {
				continue
			}
			for _, v := range res.Values {
				if v.OrigUnit == results.NsPerOp || (v.OrigUnit == "" && v.Unit == results.NsPerOp) {
					ns := v.OrigValue
					if v.OrigUnit == "" {
						ns = v.Value
					}
					if ns > 0 {
						return cellResult{name: nameField.FindString(line), nsPerOp: ns}, true
					}
				}
			}
		}
	}
	return cellResult{}, false
}

// nameField is a result line's name, as printed.
var nameField = regexp.MustCompile(`^Benchmark\S+`)
