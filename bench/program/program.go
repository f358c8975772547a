// Package program runs a user's program under each of several memory
// allocators and measures each run: wall time, CPU time, time in futex
// calls, peak resident memory, context switches and page faults, summed
// over the program's whole process tree.
//
// A dynamically linked program takes each allocator by LD_PRELOAD (the C
// library's own malloc preloads nothing), from the same alloc records the
// kernels use. Every run is checked to have been served by the allocator
// it is labelled with: an untimed check run per program and allocator asks
// the dynamic linker where malloc binds (LD_DEBUG=bindings), and every
// measured run has its memory map watched for the preloaded library. A
// statically linked program cannot take LD_PRELOAD; it runs only as
// itself, as one of several builds of a program (Options.Binaries).
//
// Runs of the different cells interleave in rounds, each round in a
// fresh order drawn from a seeded generator, so that a drift of the
// machine lands on every allocator alike.
package program

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Libc names the cell of the C library's own malloc: nothing preloaded.
const Libc = "libc"

// Binary is one build of the program.
type Binary struct {
	// Label names the build in results ("glibc", "musl"); "" when the
	// program is given alone.
	Label string
	Path  string
	// Static is set for a statically linked program, which runs only
	// with its own malloc.
	Static bool
	// Interpreter is a dynamic program's dynamic linker.
	Interpreter string
}

// Musl reports whether the program is dynamically linked against musl:
// the distribution's allocator libraries, built against glibc, cannot be
// preloaded into it, nor does musl's dynamic linker report its bindings.
func (b Binary) Musl() bool { return strings.Contains(b.Interpreter, "ld-musl") }

// OwnMallocOnly reports whether the program runs with its own malloc
// only: statically linked, or dynamically against musl.
func (b Binary) OwnMallocOnly() bool { return b.Static || b.Musl() }

// Allocator is one allocator a dynamic program runs with.
type Allocator struct {
	Name string
	// Library is the file LD_PRELOAD names; "" for the C library's own
	// malloc (and a static binary's).
	Library string
	// Doc says what the allocator is, for the summary.
	Doc string
}

// Preloads reports whether the allocator comes in by LD_PRELOAD.
func (a Allocator) Preloads() bool { return a.Library != "" }

// Cell is one binary with one allocator: the runs of a cell are
// comparable with each other.
type Cell struct {
	Binary Binary
	Alloc  Allocator
}

// Name is the cell's benchmark name below BenchmarkExec, for label:
// "cmd=rg/alloc=jemalloc", with "/bin=musl" when the program has
// several builds.
func (c Cell) Name(label string) string {
	n := "cmd=" + label + "/alloc=" + c.Alloc.Name
	if c.Binary.Label != "" {
		n += "/bin=" + c.Binary.Label
	}
	return n
}

// Short is the cell for people: "jemalloc", or "jemalloc (musl)".
func (c Cell) Short() string {
	if c.Binary.Label != "" {
		return c.Alloc.Name + " (" + c.Binary.Label + ")"
	}
	return c.Alloc.Name
}

// Describe is the cell for a sentence: "glibc malloc" for libc in a
// glibc program, "musl malloc" in a musl one, "the static build's own
// malloc", else the allocator's name; with the build's label where there
// are several.
func (c Cell) Describe() string {
	var d string
	switch {
	case c.Alloc.Name != Libc:
		d = c.Alloc.Name
	case c.Binary.Static:
		d = "its own malloc"
	case c.Binary.Musl():
		d = "musl malloc"
	case strings.Contains(c.Binary.Interpreter, "ld-linux"):
		d = "glibc malloc"
	default:
		d = "the C library's malloc"
	}
	if c.Binary.Label != "" {
		d += " (" + c.Binary.Label + ")"
	}
	return d
}

// Options says what to run and how often. Zero values take the defaults
// noted.
type Options struct {
	// Program and Args are the command; Program is found in PATH when it
	// has no slash. With Binaries, Program is ignored and each binary
	// runs with Args.
	Program string
	Args    []string
	// Binaries are several builds of the same program to compare.
	Binaries []Binary
	// Label names the command in results; default: the program's base
	// name.
	Label string
	// Allocs are the allocators of the dynamic binaries, by alloc name
	// (user libraries registered with alloc.ParseUser); nil: libc and
	// every installed one.
	Allocs []string

	// Runs is a fixed number of measured runs per cell; 0 runs each
	// cell from MinRuns until the interval of its median wall time is
	// within Target, up to MaxRuns, within Budget.
	Runs    int
	MinRuns int           // default 5
	MaxRuns int           // default 30
	Target  float64       // default 0.03 (±3%)
	Budget  time.Duration // 0: no limit
	// Warmup untimed runs per cell before the measured ones; the check
	// run counts as the first.
	Warmup int
	// Prepare runs with sh -c before every run, warm-up and check runs
	// included.
	Prepare string
	// Input is the file the program reads as its standard input;
	// default /dev/null.
	Input string
	// Timeout bounds each run; the whole process group is killed at it
	// and the run counts as failed. 0: none.
	Timeout time.Duration
	// Seed draws the order of every round.
	Seed uint64
	// OutputDir receives the program's standard output and error, one
	// file pair per cell; OutputCap bounds each file (default 64 MiB):
	// beyond it the output is read and dropped.
	OutputDir string
	OutputCap int64
	// Futex picks the futex method: "" or "auto" (tracepoint where it
	// can be opened, else sampled), "tracepoint", "sampled", "off".
	Futex string
	// Env are extra environment variables (KEY=VALUE) for every run.
	Env []string
}

// Defaults of Options.
const (
	DefaultMinRuns   = 5
	DefaultMaxRuns   = 30
	DefaultTarget    = 0.03
	DefaultOutputCap = 64 << 20
)

func (o *Options) fill() {
	if o.MinRuns == 0 {
		o.MinRuns = DefaultMinRuns
	}
	if o.MaxRuns == 0 {
		o.MaxRuns = DefaultMaxRuns
	}
	if o.Target == 0 {
		o.Target = DefaultTarget
	}
	if o.OutputCap == 0 {
		o.OutputCap = DefaultOutputCap
	}
	if o.Label == "" && len(o.Binaries) > 0 {
		o.Label = filepath.Base(o.Binaries[0].Path)
	}
	if o.Label == "" {
		o.Label = filepath.Base(o.Program)
	}
	o.Label = sanitizeLabel(o.Label)
}

// sanitizeLabel makes s usable in a benchmark name: no spaces, slashes or
// equals signs.
func sanitizeLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '=' || r == ' ' || r == '\t' || r == '\n' || r == ',':
			return '_'
		}
		return r
	}, s)
	if s == "" {
		return "program"
	}
	return s
}

// Run is the measurement of one run of a cell.
type Run struct {
	Cell  int // index in Plan.Cells
	Round int
	Wall  time.Duration
	// User and Sys are the CPU time of the program and the children it
	// waited for (wait4's rusage).
	User, Sys time.Duration
	// MaxRSS is the peak resident memory in bytes of the program or of
	// any child it waited for; 0 when it could not be told apart from
	// allocbench's own (see MaxRSSNote).
	MaxRSS     int64
	MaxRSSNote string
	Vcsw       int64
	Ivcsw      int64
	Minflt     int64
	Majflt     int64
	// Futex and FutexCalls are summed over every thread of the program's
	// process tree (FutexMethod says how).
	Futex       time.Duration
	FutexCalls  uint64
	FutexMethod string
	// ExitCode is the exit status, -1 when a signal ended the program.
	ExitCode int
	Signal   string
	TimedOut bool
	// Verified says how the allocator was seen serving the run
	// ("mapped", "check run"); Mislabelled says why the run is refused.
	Verified    string
	Mislabelled string
	// OutputTruncated is set when the program wrote more than the cap.
	OutputTruncated bool
	// Err is what went wrong running it.
	Err string
}

// Failed says why the run does not count, "" when it does.
func (r Run) Failed() string {
	switch {
	case r.Err != "":
		return r.Err
	case r.Mislabelled != "":
		return "mislabelled: " + r.Mislabelled
	case r.TimedOut:
		return "timed out"
	case r.Signal != "":
		return "killed by " + r.Signal
	case r.ExitCode != 0:
		return fmt.Sprintf("exit status %d", r.ExitCode)
	}
	return ""
}
