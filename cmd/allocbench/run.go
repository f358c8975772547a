package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/bench"
	"github.com/allocbench/allocbench/internal/suggest"
	"github.com/allocbench/allocbench/internal/usage"
	"github.com/allocbench/allocbench/workloads"
)

// cellsFailedError says the run finished but some cells failed (exit
// status 3).
type cellsFailedError struct{ failed int }

func (e cellsFailedError) Error() string {
	return fmt.Sprintf("%d cell(s) failed; see above", e.failed)
}

// interruptedError says a signal stopped the run (exit status 130, as a
// shell reports a Ctrl-C).
type interruptedError struct{ sig os.Signal }

func (e interruptedError) Error() string {
	return fmt.Sprintf("interrupted by %s (%v)", signalName(e.sig), e.sig)
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	}
	return sig.String()
}

// run is allocbench: the main job, or the subcommand args[0] names.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if cmd := commandFunc(args[0]); cmd != nil {
			return cmd(args[1:], stdout, stderr)
		}
	}
	opts, err := parseFlags(args, stderr)
	return start(err, func(ctx context.Context) error {
		if err := needLinux("the main job"); err != nil {
			return err
		}
		return runJob(ctx, opts, stdout, stderr)
	})
}

// stopSignals stop a run: the running cells and their containers are
// killed, finished cells are kept, and the run ends with exit status 130.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// start runs a job once its flags parsed (-h is no error; a bad flag is a
// usage error), until it ends or one of stopSignals cancels it.
func start(parseErr error, job func(context.Context) error) error {
	if parseErr != nil {
		return usage.Wrap(parseErr)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals...)
	defer signal.Stop(sigs)
	// A reader that goes away (allocbench | head -1) makes writes to
	// stdout fail, not the run: it still writes its files and its report.
	// (Caught, not ignored: the cells must not inherit an ignored SIGPIPE.)
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	defer signal.Stop(pipe)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case sig := <-sigs:
			cancel(interruptedError{sig})
		case <-done:
		}
	}()
	err := job(ctx)
	var ie interruptedError
	if errors.As(context.Cause(ctx), &ie) {
		return ie
	}
	return err
}

// options is what the user asked the main job to do, checked.
type options struct {
	variants  []string
	workloads []string
	allocs    []string
	threads   []int
	// count is the runs of one visit of a cell (go test -count): the
	// job sets it for each visit, perVisit or what is left to maxRuns.
	count int
	// minRuns and maxRuns bound the runs of a cell: it gets visits until
	// the interval of its median ns/op is within target (a share: 0.03
	// is ±3%) and it has minRuns runs, or until it has maxRuns.
	minRuns, maxRuns, perVisit int
	target                     float64
	// budget bounds the wall time of the measurements, from the first
	// visit.
	budget time.Duration
	// seed orders the rounds' visits; 0 takes one from the clock.
	seed uint64
	// verbose prints the detail of the end (summary.txt) and the notes
	// on the terminal too.
	verbose bool
	// futexHost is the socket of the host tracer the cells on this host
	// ask for the exact futex method ("" when they trace themselves).
	futexHost string
	benchtime string
	// benchtimeSet: -benchtime was given, and every cell uses it.
	benchtimeSet bool
	futex        workloads.FutexMethod
	// fresh: every run of a cell is the only run of a fresh process.
	fresh     bool
	timeout   time.Duration
	results   string
	noInstall bool
	progress  string
	quick     bool
	// env are the NAME=value variables passed on to the cells with -env.
	env []string
	// users are the user's own libraries among allocs.
	users []alloc.Spec
	// binaries, when set, replaces building: variant name → test binary.
	binaries map[string]string
}

var allVariants = []string{"glibc", "musl"}

// The profiles: the default job's budget is ten minutes, -quick's three.
const (
	defaultBudget    = 10 * time.Minute
	defaultBenchtime = "40ms"
	quickBudget      = 3 * time.Minute
	quickBenchtime   = "10ms"
	quickWorkloads   = "churn,larson,xmalloc"
	// Every cell gets at least minRuns runs, the fewest that give a 95%
	// interval of the median, in visits of perVisit runs, and at most
	// maxRuns; the target is the interval's half-width. One run a visit:
	// on the 2-vCPU development VM, runs of one process were correlated
	// (intraclass correlation 0.4-0.5 over 270 cells of three-run
	// visits), so a second run in the same process adds about half the
	// information of a run in a new one, while a process costs 45 ms
	// beside 155 ms a run of 40 ms.
	defaultMinRuns  = 6
	defaultMaxRuns  = 30
	defaultPerVisit = 1
	defaultTarget   = 3.0 // percent
)

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("allocbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		writeMainUsage(fs.Output())
		fs.PrintDefaults()
	}
	return parseJobFlags(fs, args)
}

// parseJobFlags adds the flags of a run to fs (the main job's, or the
// containers subcommand's with its own), parses args and checks them all
// before anything runs.
func parseJobFlags(fs *flag.FlagSet, args []string) (options, error) {
	var (
		quick      = fs.Bool("quick", false, "the quick profile: "+quickWorkloads+", budget "+quickBudget.String()+", benchtime "+quickBenchtime)
		count      = fs.Int("count", 0, fmt.Sprintf("a fixed number of runs per cell instead of runs until -target (default: adaptive, %d to -max-runs)", defaultMinRuns))
		budget     = fs.Duration("budget", 0, "wall time of the measurements, from the first visit; installing and building, seconds once cached, come before (default "+defaultBudget.String()+", quick "+quickBudget.String()+")")
		target     = fs.Float64("target", defaultTarget, "precision a cell runs to: the half-width of the 95% interval of its median ns/op, in percent")
		maxRuns    = fs.Int("max-runs", defaultMaxRuns, "the most runs of one cell")
		perVisit   = fs.Int("runs-per-visit", defaultPerVisit, "runs each visit (a fresh process) of a cell makes")
		verbose    = fs.Bool("v", false, "print the detail of the end (scaling, where each figure comes from, notes) here too, not only in summary.txt")
		seed       = fs.Uint64("seed", 0, "seed of the visits' random order, to repeat a run's order (default: from the clock; the run prints it)")
		benchtime  = fs.String("benchtime", "", "go test -benchtime per run (default "+defaultBenchtime+", quick "+quickBenchtime+")")
		wl         = fs.String("workloads", "", "comma-separated workloads, or all (default all, quick "+quickWorkloads+")")
		allocs     = fs.String("allocs", "all", "comma-separated allocators, or all ("+strings.Join(alloc.Names(), ", ")+"); name=/path/to/lib.so[:prefix] adds a library of your own")
		threads    = fs.String("threads", "", "comma-separated thread counts (default 1,2,NumCPU,2×NumCPU)")
		variants   = fs.String("variants", strings.Join(allVariants, ","), "comma-separated variants: glibc (system toolchain, dynamic), musl (musl-gcc, static)")
		futex      = fs.String("futex", "auto", "futex measurement: "+futexChoices())
		fresh      = fs.Bool("fresh", false, "make every run the only run of a fresh process, as a published benchmark runs (slower: a process start per run)")
		timeout    = fs.Duration("timeout", 3*time.Minute, "time limit for one cell")
		results    = fs.String("o", "results", "directory for results/<timestamp>/<variant>.txt")
		noInstall  = fs.Bool("no-install", false, "do not install missing packages (which needs root); print the install command instead")
		progress   = fs.String("progress", "auto", "progress display: auto (on a terminal, not in CI), on, off")
		binariesFl = fs.String("binaries", "", "use prebuilt test binaries instead of building: variant=path,...")
		env        envFlag
	)
	fs.Var(&env, "env", "pass an environment variable that changes allocators (GLIBC_TUNABLES, MALLOC_*, LD_PRELOAD...) on to the cells: NAME (its value here) or NAME=value; repeatable. Without it the cells get none of them")
	if err := usage.Parse(fs, args, shortUsage(fs.Name())); err != nil {
		return options{}, err
	}
	var emptied []string
	fs.Visit(func(f *flag.Flag) {
		if f.Value.String() == "" && f.Name != "binaries" && f.Name != "env" {
			emptied = append(emptied, "-"+f.Name)
		}
	})
	if len(emptied) > 0 {
		return options{}, fmt.Errorf("%s set to nothing; leave it out for the default", strings.Join(emptied, ", "))
	}
	if fs.NArg() > 0 {
		return options{}, unexpectedArgument(fs.Arg(0), shortUsage(fs.Name()))
	}
	o := options{quick: *quick, allocs: nil, timeout: *timeout, results: *results, noInstall: *noInstall, progress: *progress, env: env}

	o.budget, o.benchtime = defaultBudget, defaultBenchtime
	wlist := "all"
	if *quick {
		o.budget, o.benchtime, wlist = quickBudget, quickBenchtime, quickWorkloads
	}
	if *budget != 0 {
		o.budget = *budget
	}
	if o.budget < 0 {
		return o, fmt.Errorf("-budget %v must be positive", o.budget)
	}
	if *target <= 0 || *target > 100 || math.IsNaN(*target) {
		return o, fmt.Errorf("-target %g is out of range (valid: a percentage above 0, up to 100)", *target)
	}
	o.target = *target / 100
	if *maxRuns < defaultMinRuns || *maxRuns > 1000 {
		return o, fmt.Errorf("-max-runs %d is out of range (valid: %d..1000)", *maxRuns, defaultMinRuns)
	}
	if *perVisit < 1 || *perVisit > 100 {
		return o, fmt.Errorf("-runs-per-visit %d is out of range (valid: 1..100)", *perVisit)
	}
	o.minRuns, o.maxRuns, o.perVisit = defaultMinRuns, *maxRuns, *perVisit
	if *count != 0 {
		if *count < 1 || *count > 1000 {
			return o, fmt.Errorf("-count %d is out of range (valid: 1..1000)", *count)
		}
		o.minRuns, o.maxRuns, o.perVisit = *count, *count, min(*count, *perVisit)
	}
	o.count = o.perVisit
	o.seed = *seed
	o.verbose = *verbose
	if *benchtime != "" {
		o.benchtime, o.benchtimeSet = *benchtime, true
	}
	if err := checkBenchtime(o.benchtime); err != nil {
		return o, err
	}
	if *wl != "" {
		wlist = *wl
	}
	ws, err := workloads.ParseList(wlist)
	if err != nil {
		return o, fmt.Errorf("-workloads: %w", err)
	}
	for _, w := range ws {
		o.workloads = append(o.workloads, w.Name)
	}
	if o.allocs, err = alloc.ParseList(*allocs); err != nil {
		return o, fmt.Errorf("-allocs: %w", err)
	}
	for _, a := range o.allocs {
		s, _ := alloc.Lookup(a)
		if !s.User() {
			continue
		}
		o.users = append(o.users, s)
		for _, kv := range o.env {
			if v, ok := strings.CutPrefix(kv, "LD_PRELOAD="); ok {
				if err := alloc.CheckNotPreloaded(s, v); err != nil {
					return o, fmt.Errorf("-allocs: %w", err)
				}
			}
		}
	}
	o.threads = bench.DefaultThreads()
	if *threads != "" {
		if o.threads, err = bench.ParseThreads(*threads); err != nil {
			return o, fmt.Errorf("-threads: %w", err)
		}
	}
	if o.variants, err = parseVariants(*variants); err != nil {
		return o, err
	}
	if o.futex, err = workloads.ParseFutexMethod(*futex); err != nil {
		return o, fmt.Errorf("-futex: %w", err)
	}
	o.fresh = *fresh
	if o.timeout <= 0 {
		return o, fmt.Errorf("-timeout %v must be positive", o.timeout)
	}
	switch o.progress {
	case "auto", "on", "off":
	default:
		return o, fmt.Errorf("-progress: unknown value %q (valid: auto, on, off)", o.progress)
	}
	if *binariesFl != "" {
		o.binaries = map[string]string{}
		for _, kv := range strings.Split(*binariesFl, ",") {
			name, path, ok := strings.Cut(kv, "=")
			if !ok || !slices.Contains(allVariants, name) || path == "" {
				return o, fmt.Errorf("-binaries: %q is not variant=path (variants: %s)", kv, strings.Join(allVariants, ", "))
			}
			o.binaries[name] = path
		}
	}
	return o, nil
}

// futexChoices lists the futex methods for help texts.
func futexChoices() string {
	var m []string
	for _, f := range workloads.FutexMethods {
		m = append(m, string(f))
	}
	return strings.Join(m, ", ")
}

func parseVariants(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(allVariants, f) {
			return nil, fmt.Errorf("-variants: unknown variant %q%s (valid: %s)", f, suggest.DidYouMean(f, allVariants), strings.Join(allVariants, ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// checkBenchtime accepts what go test's -benchtime accepts: a duration or
// a count like 100x.
func checkBenchtime(s string) error {
	if strings.HasSuffix(s, "x") {
		var n int
		if _, err := fmt.Sscanf(s, "%dx", &n); err == nil && n > 0 && fmt.Sprintf("%dx", n) == s {
			return nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return nil
	}
	return fmt.Errorf("-benchtime %q is neither a positive duration (300ms) nor a count (1000x)", s)
}
