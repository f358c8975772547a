package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/bench/program"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/stats"
	"github.com/allocbench/allocbench/internal/sysinfo"
	"github.com/allocbench/allocbench/internal/usage"
)

const execDoc = `Give the program after the flags, after "--" when its own arguments start
with a dash:

  allocbench exec -runs 10 -- rg -c malloc /usr/include

A dynamically linked program takes each allocator by LD_PRELOAD (libc:
nothing preloaded); every allocator is checked to serve it before the runs
(an untimed check run with LD_DEBUG=bindings: malloc must bind to the
allocator's library) and during them (its library must be in the program's
memory map). A statically linked program cannot take LD_PRELOAD: compare
builds of it with -binary, where a static build runs with its own malloc.

Runs of the allocators interleave in rounds, each in a random order (-seed).
Each run is measured over the program's whole process tree: wall time, user
and system CPU time and page faults and context switches (wait4's rusage of
the program and the children it waited for), peak RSS, and the time in futex
calls of every thread and child process (eBPF tracepoints, root). The
program's output goes to files under the results directory, cut at 64 MiB.
Results go to <-o>/<timestamp>-exec/exec.txt in Go benchmark format
(BenchmarkExec/cmd=<label>/alloc=<name>[/bin=<label>], one line a run), which
allocbench compare, allocbench report and benchstat read, with summary.txt
beside it. See docs/exec.md.
`

// binaryFlags is -binary label=path, repeatable.
type binaryFlags []program.Binary

func (b *binaryFlags) String() string {
	var s []string
	for _, x := range *b {
		s = append(s, x.Label+"="+x.Path)
	}
	return strings.Join(s, ",")
}

func (b *binaryFlags) Set(v string) error {
	label, path, ok := strings.Cut(v, "=")
	if !ok || label == "" || path == "" {
		return fmt.Errorf("%q is not label=path (e.g. glibc=./app-gnu)", v)
	}
	if strings.ContainsAny(label, "/= \t,") {
		return fmt.Errorf("binary label %q: no slash, equals sign, comma or space", label)
	}
	*b = append(*b, program.Binary{Label: label, Path: path})
	return nil
}

// execOptions is what the user asked allocbench exec to do.
type execOptions struct {
	prog     program.Options
	baseline string
	results  string
	seedSet  bool
}

func parseExecFlags(args []string, stderr io.Writer) (execOptions, error) {
	fs := flag.NewFlagSet("allocbench exec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bins binaryFlags
	fs.Var(&bins, "binary", "label=path: a build of the program to compare (repeatable); a dynamic build runs with every allocator, a static one with its own malloc; the program's arguments are those after the flags")
	var (
		allocs   = fs.String("allocs", "", "comma-separated allocators (libc, "+strings.Join(preloadable(), ", ")+", or name=/path/to/lib.so for a library of your own that defines malloc); default: libc and every installed one")
		runs     = fs.Int("runs", 0, "a fixed number of measured runs per allocator (default: adaptive, see -target)")
		minRuns  = fs.Int("min-runs", program.DefaultMinRuns, "the fewest measured runs per allocator when adaptive")
		maxRuns  = fs.Int("max-runs", program.DefaultMaxRuns, "the most measured runs per allocator when adaptive")
		target   = fs.Float64("target", 100*program.DefaultTarget, "precision an allocator runs to when adaptive: the half-width of the 95% interval of its median wall time, in percent")
		budget   = fs.Duration("budget", 0, "wall time of the measured runs when adaptive (default: no limit)")
		warmup   = fs.Int("warmup", 1, "untimed runs per allocator before the measured ones; the check run, made even with 0, is the first")
		prepare  = fs.String("prepare", "", "command run with sh -c before every run (e.g. to drop caches)")
		input    = fs.String("input", "", "file the program reads as its standard input (default /dev/null)")
		timeout  = fs.Duration("timeout", 10*time.Minute, "time limit of one run: its whole process group is killed and the run counts as failed (0: none)")
		label    = fs.String("label", "", "name of the command in the results (default: the program's base name)")
		seed     = fs.Uint64("seed", 0, "seed of the rounds' random order, to repeat a run's order (default: from the clock; printed)")
		baseline = fs.String("baseline", program.Libc, "the allocator the others are compared with")
		futexM   = fs.String("futex", "auto", "futex measurement: auto (tracepoint where it can be opened, as root, else sampled), tracepoint (fail without it), sampled (an estimate) or off")
		results  = fs.String("o", "results", "directory for results/<timestamp>-exec/")
	)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nusage: allocbench exec [flags] [--] program [args...]\n\n%s\nflags:\n", execSummary, execDoc)
		fs.PrintDefaults()
	}
	if err := usage.Parse(fs, args, "usage: allocbench exec [flags] [--] program [args...]; \"allocbench help exec\" lists the flags"); err != nil {
		return execOptions{}, err
	}
	rest := fs.Args()
	o := execOptions{baseline: *baseline, results: *results}
	fs.Visit(func(f *flag.Flag) { o.seedSet = o.seedSet || f.Name == "seed" })
	if len(rest) == 0 {
		if len(bins) == 0 {
			return o, usage.Errorf("no program: give it after the flags (allocbench exec [flags] [--] program [args...]) or with -binary label=path")
		}
	}
	switch {
	case *runs < 0:
		return o, usage.Errorf("-runs %d: want 1 or more, or 0 for adaptive", *runs)
	case *minRuns < 1:
		return o, usage.Errorf("-min-runs %d: want 1 or more", *minRuns)
	case *maxRuns < *minRuns:
		return o, usage.Errorf("-max-runs %d: want at least -min-runs (%d)", *maxRuns, *minRuns)
	case !(*target > 0 && *target < 100):
		return o, usage.Errorf("-target %g: want a percentage above 0 and below 100 (3 for ±3%%)", *target)
	case *budget < 0:
		return o, usage.Errorf("-budget %v: want a positive duration", *budget)
	case *warmup < 0:
		return o, usage.Errorf("-warmup %d: want 0 or more", *warmup)
	case *timeout < 0:
		return o, usage.Errorf("-timeout %v: want a positive duration, or 0 for none", *timeout)
	}
	switch *futexM {
	case "auto", "tracepoint", "sampled", "off":
	default:
		return o, usage.Errorf("-futex %q: want auto, tracepoint, sampled or off", *futexM)
	}
	var names []string
	if strings.TrimSpace(*allocs) != "" {
		for _, f := range strings.Split(*allocs, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if strings.Contains(f, "=") {
				u, err := alloc.ParseUser(f)
				if err != nil {
					return o, usage.Wrap(err)
				}
				if err := alloc.Register(u); err != nil {
					return o, usage.Wrap(err)
				}
				f = u.Name
			} else if f != program.Libc {
				if _, err := alloc.Lookup(f); err != nil {
					return o, usage.Wrap(err)
				}
			}
			names = append(names, f)
		}
	}
	s := *seed
	if !o.seedSet {
		s = uint64(now().UnixNano())
	}
	o.prog = program.Options{
		Binaries: bins, Label: *label, Allocs: names,
		Runs: *runs, MinRuns: *minRuns, MaxRuns: *maxRuns, Target: *target / 100, Budget: *budget,
		Warmup: *warmup, Prepare: *prepare, Input: *input, Timeout: *timeout, Seed: s,
		Futex: *futexM,
	}
	if len(rest) > 0 {
		if len(bins) > 0 {
			o.prog.Args = rest
		} else {
			o.prog.Program, o.prog.Args = rest[0], rest[1:]
		}
	}
	return o, nil
}

// preloadable names the built-in allocators a program can take by
// LD_PRELOAD.
func preloadable() []string {
	var out []string
	for _, s := range alloc.Builtin() {
		if s.Kind == alloc.Shared && (s.Interposes || s.Proxy != "") {
			out = append(out, s.Name)
		}
	}
	return out
}

func runExec(args []string, stdout, stderr io.Writer) error {
	o, err := parseExecFlags(args, stderr)
	return start(err, func(ctx context.Context) error {
		if err := needLinux("allocbench exec"); err != nil {
			return err
		}
		return runExecJob(ctx, o, stdout, stderr)
	})
}

func runExecJob(ctx context.Context, o execOptions, stdout, stderr io.Writer) (err error) {
	plan, err := program.NewPlan(o.prog)
	if err != nil {
		return usage.Wrap(err)
	}
	baseOK := false
	for _, c := range plan.Cells {
		baseOK = baseOK || c.Alloc.Name == o.baseline
	}
	if !baseOK {
		var names []string
		for _, c := range plan.Cells {
			if !slices.Contains(names, c.Alloc.Name) {
				names = append(names, c.Alloc.Name)
			}
		}
		return usage.Errorf("-baseline %q is not one of the allocators measured (%s)", o.baseline, strings.Join(names, ", "))
	}
	d, note, err := createRunDirSuffix(o.results, now(), "-exec")
	if err != nil {
		return err
	}
	defer d.Close()
	measuring := false
	defer func() {
		if err != nil && !measuring {
			d.discardUnused(stderr)
		}
	}()
	if err := d.mkdir("output", 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	plan.Options.OutputDir = d.path("output")
	fmt.Fprintf(stdout, "allocbench exec: %s, %d cells, seed %d; results in %s%s\n", plan.Options.Label, len(plan.Cells), plan.Options.Seed, d.dir, note)
	progress := func(format string, args ...any) { fmt.Fprintf(stderr, "allocbench exec: "+format+"\n", args...) }
	res, err := program.Measure(ctx, plan, progress)
	if res == nil {
		// Refused before any measured run: the program's output files
		// are all there is, kept for what they say.
		d.ended++
		return fmt.Errorf("%w (the program's output: %s)", err, d.path("output"))
	}
	measuring = true
	d.ended++
	f, ferr := d.create("exec.txt", 0o644)
	if ferr != nil {
		return errors.Join(err, fmt.Errorf("results: %w", ferr))
	}
	werr := program.WriteResults(f, res, execConfig(res))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	var sum strings.Builder
	writeExecSummary(&sum, res, o.baseline, d.path("exec.txt"))
	fmt.Fprint(stdout, sum.String())
	if sf, serr := d.create("summary.txt", 0o644); serr == nil {
		_, serr = io.WriteString(sf, sum.String())
		sf.Close()
		werr = errors.Join(werr, serr)
	} else {
		werr = errors.Join(werr, serr)
	}
	if err == nil && werr == nil {
		none := 0
		for _, c := range res.Cells {
			if len(c.Runs) == 0 {
				none++
			}
		}
		if none > 0 {
			return cellsFailedError{none}
		}
	}
	return errors.Join(err, werr)
}

// execConfig is the configuration lines that head exec.txt.
func execConfig(res *program.Result) []string {
	o := res.Plan.Options
	kv := []sysinfo.KV{
		{Key: results.GoosKey, Value: runtime.GOOS},
		{Key: results.GoarchKey, Value: runtime.GOARCH},
		{Key: results.CPUKey, Value: strings.TrimSpace(sysinfo.Collect().CPU.Brand)},
		{Key: results.ExecLabelKey, Value: o.Label},
	}
	for _, b := range o.Binaries {
		key := results.ExecProgramKey
		if b.Label != "" {
			key = results.ExecProgramKey + "-" + b.Label
		}
		kind := "dynamic, interpreter " + b.Interpreter
		if b.Static {
			kind = "static"
		}
		kv = append(kv, sysinfo.KV{Key: key, Value: b.Path + " (" + kind + ")"})
	}
	kv = append(kv, sysinfo.KV{Key: results.ExecArgsKey, Value: quoteArgs(o.Args)})
	seen := map[string]bool{}
	for _, c := range res.Cells {
		a := c.Cell.Alloc
		if seen[a.Name] || c.Cell.Binary.OwnMallocOnly() {
			continue
		}
		seen[a.Name] = true
		v := "nothing preloaded: the C library's malloc"
		if a.Preloads() {
			v = "LD_PRELOAD=" + a.Library
		}
		kv = append(kv, sysinfo.KV{Key: results.AllocKey(a.Name), Value: v})
	}
	kv = append(kv,
		sysinfo.KV{Key: results.FutexMethodKey, Value: res.FutexMethod},
	)
	if res.FutexReason != "" {
		kv = append(kv, sysinfo.KV{Key: results.FutexMethodReasonKey, Value: res.FutexReason})
	}
	kv = append(kv,
		sysinfo.KV{Key: results.FreshProcessKey, Value: "true"},
		sysinfo.KV{Key: results.ExecSeedKey, Value: fmt.Sprint(o.Seed)},
		sysinfo.KV{Key: results.ExecWarmupKey, Value: fmt.Sprint(o.Warmup)},
		sysinfo.KV{Key: results.ExecTimeoutKey, Value: o.Timeout.String()},
	)
	if o.Runs > 0 {
		kv = append(kv, sysinfo.KV{Key: results.PrecisionTargetKey, Value: fmt.Sprintf("fixed: %d runs a cell", o.Runs)})
	} else {
		b := "no budget"
		if o.Budget > 0 {
			b = "budget " + o.Budget.String()
		}
		kv = append(kv, sysinfo.KV{Key: results.PrecisionTargetKey, Value: fmt.Sprintf("±%g%% of the median wall time (95%% interval), %d to %d runs a cell, %s", 100*o.Target, o.MinRuns, o.MaxRuns, b)})
	}
	if o.Prepare != "" {
		kv = append(kv, sysinfo.KV{Key: results.ExecPrepareKey, Value: o.Prepare})
	}
	if o.Input != "" {
		kv = append(kv, sysinfo.KV{Key: results.ExecInputKey, Value: o.Input})
	}
	kv = append(kv, sysinfo.Collect().ConfigLines()...)
	var out []string
	for _, l := range kv {
		var b strings.Builder
		if err := sysinfo.WriteConfig(&b, []sysinfo.KV{l}); err == nil {
			out = append(out, strings.TrimSuffix(b.String(), "\n"))
		}
	}
	return out
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'\\$") {
			q[i] = fmt.Sprintf("%q", a)
		} else {
			q[i] = a
		}
	}
	return strings.Join(q, " ")
}

// writeExecSummary writes the answer first: each allocator against the
// baseline, then the figures of each, then what failed.
func writeExecSummary(w io.Writer, res *program.Result, baseline, file string) {
	label := res.Plan.Options.Label
	fmt.Fprintf(w, "\n%s: wall time of each allocator against %s (95%% intervals; ~ where the interval holds 1)\n", label, baseline)
	for _, c := range program.Compare(res, baseline) {
		verdict := c.Verdict()
		var line string
		switch verdict {
		case "faster":
			line = fmt.Sprintf("%s times faster than %s", formatInterval(c.Speed), c.Baseline.Cell.Describe())
		case "slower":
			line = fmt.Sprintf("%s times slower than %s", formatInterval(c.Speed.Inverse()), c.Baseline.Cell.Describe())
		case "~":
			line = fmt.Sprintf("no difference (~) from %s: speed %s", c.Baseline.Cell.Describe(), formatInterval(c.Speed))
		default:
			why := "too few runs for an interval"
			if !c.OK {
				why = "no runs to compare"
			}
			line = fmt.Sprintf("undecided against %s (%s): speed %s", c.Baseline.Cell.Describe(), why, stats.FormatRatio(c.Speed.Est))
		}
		switch res.FutexMethod {
		case "tracepoint":
			line += fmt.Sprintf(" (wall), futex time %s → %s", fmtSeconds(c.FutexBase), fmtSeconds(c.FutexCell))
		case "sampled":
			line += fmt.Sprintf(" (wall), futex time about %s → %s (sampled)", fmtSeconds(c.FutexBase), fmtSeconds(c.FutexCell))
		}
		fmt.Fprintf(w, "  %s: %s\n", c.Cell.Cell.Short(), line)
	}
	fmt.Fprintf(w, "\nmedians per run (wall ±: the larger side of the 95%% interval of the median)\n%-22s %6s %12s %8s %12s %12s %12s %12s\n", "allocator", "runs", "wall", "wall ±", "user", "sys", "futex", "peak RSS")
	for _, cr := range res.Cells {
		med := func(f func(program.Run) float64) float64 {
			var v []float64
			for _, r := range cr.Runs {
				v = append(v, f(r))
			}
			if len(v) == 0 {
				return math.NaN()
			}
			return stats.Median(v)
		}
		dur := func(f func(program.Run) time.Duration) string {
			m := med(func(r program.Run) float64 { return float64(f(r)) })
			if math.IsNaN(m) {
				return "-"
			}
			return fmtSeconds(time.Duration(m))
		}
		futexCol := "-"
		if res.FutexMethod == "tracepoint" || res.FutexMethod == "sampled" {
			futexCol = dur(func(r program.Run) time.Duration { return r.Futex })
		}
		rss := "-"
		if m := med(func(r program.Run) float64 { return float64(r.MaxRSS) }); m > 0 {
			rss = fmt.Sprintf("%.1f MiB", m/(1<<20))
		}
		hw := "-"
		if !math.IsInf(cr.HalfWidth, 1) {
			hw = fmt.Sprintf("%.1f%%", 100*cr.HalfWidth)
		}
		fmt.Fprintf(w, "%-22s %6d %12s %8s %12s %12s %12s %12s\n", cr.Cell.Short(), len(cr.Runs),
			dur(func(r program.Run) time.Duration { return r.Wall }), hw,
			dur(func(r program.Run) time.Duration { return r.User }),
			dur(func(r program.Run) time.Duration { return r.Sys }),
			futexCol, rss)
	}
	failed := 0
	for _, cr := range res.Cells {
		failed += len(cr.Failed)
	}
	if failed > 0 {
		fmt.Fprintf(w, "\n%d runs failed and are left out:\n", failed)
		for _, cr := range res.Cells {
			for _, r := range cr.Failed {
				fmt.Fprintf(w, "  %s, round %d: %s\n", cr.Cell.Short(), r.Round, r.Failed())
			}
		}
	}
	for _, cr := range res.Cells {
		if cr.Truncated {
			fmt.Fprintf(w, "%s: the program's output was cut at %d bytes (%s)\n", cr.Cell.Short(), res.Plan.Options.OutputCap, filepath.Dir(cr.Stdout))
		}
	}
	fmt.Fprintf(w, "\nfutex time: %s", res.FutexMethod)
	if res.FutexReason != "" {
		fmt.Fprintf(w, " (%s)", res.FutexReason)
	}
	fmt.Fprintf(w, "\n%d rounds in %v, seed %d; results: %s\n", res.Rounds, res.Elapsed.Round(time.Millisecond), res.Plan.Options.Seed, file)
}

func formatInterval(iv stats.Interval) string {
	if !iv.Bounded() {
		return stats.FormatRatio(iv.Est) + " [no interval]"
	}
	return fmt.Sprintf("%s [%s, %s]", stats.FormatRatio(iv.Est), stats.FormatRatio(iv.Lo), stats.FormatRatio(iv.Hi))
}

func fmtSeconds(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.2f ms", s*1e3)
	case s == 0:
		return "0 s"
	}
	return fmt.Sprintf("%.1f µs", s*1e6)
}
