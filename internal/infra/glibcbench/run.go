package glibcbench

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/infra/debsrc"
	"github.com/allocbench/allocbench/internal/sysinfo"
)

// Result is what one run of the program printed.
type Result struct {
	// Threads is the number of threads that ran the loop.
	Threads int
	// Iterations is the number of malloc+free pairs, all threads together
	// (the program prints it with %g: six significant digits).
	Iterations float64
	// Elapsed is the sum over the threads of each thread's timed loop
	// (the program's "duration").
	Elapsed time.Duration
	// MaxRSSKiB is the process's peak resident memory (getrusage).
	MaxRSSKiB float64
	// TimingType is the program's name for its clock ("hp_timing").
	TimingType string
}

// OpsPerSec is the aggregate throughput: pairs per second of wall time, all
// threads together. Elapsed sums the threads' times, so wall time is
// Elapsed / Threads.
func (r Result) OpsPerSec() float64 {
	return r.Iterations * float64(r.Threads) / r.Elapsed.Seconds()
}

// NsPerOp is the inverse of OpsPerSec, in nanoseconds: allocbench's ns/op.
func (r Result) NsPerOp() float64 { return 1e9 / r.OpsPerSec() }

// output is the JSON document the program prints.
type output struct {
	TimingType string `json:"timing_type"`
	Functions  struct {
		Malloc map[string]struct {
			Duration   *float64 `json:"duration"`
			Iterations *float64 `json:"iterations"`
			MaxRSS     *float64 `json:"max_rss"`
			Threads    *float64 `json:"threads"`
		} `json:"malloc"`
	} `json:"functions"`
}

// ParseOutput reads the JSON the program prints on stdout.
func ParseOutput(out []byte) (Result, error) {
	var doc output
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&doc); err != nil {
		return Result{}, fmt.Errorf("%s printed no JSON document it is known to print (%v): %q", Name, err, debsrc.Tail(out, 5, 400))
	}
	if len(doc.Functions.Malloc) != 1 {
		return Result{}, fmt.Errorf("%s's JSON has %d variants under functions.malloc, not one", Name, len(doc.Functions.Malloc))
	}
	v, ok := doc.Functions.Malloc[""]
	if !ok {
		return Result{}, fmt.Errorf("%s's JSON has no unnamed variant under functions.malloc", Name)
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"duration", v.Duration}, {"iterations", v.Iterations}, {"max_rss", v.MaxRSS}, {"threads", v.Threads}} {
		if f.v == nil {
			return Result{}, fmt.Errorf("%s's JSON has no %s", Name, f.name)
		}
		if math.IsNaN(*f.v) || math.IsInf(*f.v, 0) || *f.v < 0 {
			return Result{}, fmt.Errorf("%s's JSON has %s %v", Name, f.name, *f.v)
		}
	}
	if *v.Threads < 1 || *v.Threads != math.Trunc(*v.Threads) {
		return Result{}, fmt.Errorf("%s's JSON has threads %v, not a whole number of threads", Name, *v.Threads)
	}
	if *v.Iterations == 0 || *v.Duration == 0 {
		return Result{}, fmt.Errorf("%s ran %v iterations in %v ns: nothing was measured", Name, *v.Iterations, *v.Duration)
	}
	return Result{
		Threads:    int(*v.Threads),
		Iterations: *v.Iterations,
		Elapsed:    time.Duration(*v.Duration),
		MaxRSSKiB:  *v.MaxRSS,
		TimingType: doc.TimingType,
	}, nil
}

// notPreloaded is the dynamic loader's word when LD_PRELOAD names a
// library it cannot load; it carries on without it.
const notPreloaded = "cannot be preloaded"

// Run runs the program once with threads threads, preloading the shared
// library preload ("" for none: the C library's malloc). The run lasts
// p.Duration; ctx bounds it.
func (p Program) Run(ctx context.Context, threads int, preload string) (Result, error) {
	if threads < 1 {
		return Result{}, fmt.Errorf("thread count %d: want 1 or more", threads)
	}
	cmd := exec.CommandContext(ctx, p.Path, strconv.Itoa(threads))
	cmd.Env = preloadEnv(os.Environ(), preload)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	what := fmt.Sprintf("%s %d", Name, threads)
	if preload != "" {
		what = "LD_PRELOAD=" + preload + " " + what
	}
	if ctx.Err() != nil {
		return Result{}, fmt.Errorf("%s: %w", what, ctx.Err())
	}
	if strings.Contains(stderr.String(), notPreloaded) {
		return Result{}, fmt.Errorf("%s: the dynamic loader did not preload the library:\n%s", what, debsrc.Tail(stderr.Bytes(), 5, 1000))
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				err = fmt.Errorf("crashed: %v", ws.Signal())
			}
		}
		return Result{}, fmt.Errorf("%s: %v\n%s", what, err, debsrc.Tail(append(stdout.Bytes(), stderr.Bytes()...), 10, 2000))
	}
	res, err := ParseOutput(stdout.Bytes())
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", what, err)
	}
	if res.Threads != threads {
		return Result{}, fmt.Errorf("%s: the program says it ran %d threads", what, res.Threads)
	}
	return res, nil
}

// preloadEnv is env without any LD_PRELOAD, plus LD_PRELOAD=preload when
// one is given.
func preloadEnv(env []string, preload string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "LD_PRELOAD=") {
			out = append(out, kv)
		}
	}
	if preload != "" {
		out = append(out, "LD_PRELOAD="+preload)
	}
	return out
}

// Allocators are the allocators the program can run with: the C library's
// malloc, and those whose shared libraries, packaged for this release,
// define malloc, so that LD_PRELOAD swaps them in.
func Allocators() []string {
	var out []string
	for _, s := range alloc.All() {
		if s.Name == alloc.Libc || (s.Interposes && !s.User() && packagedHere(s)) {
			out = append(out, s.Name)
		}
	}
	return out
}

// Preload is the shared library to preload for allocator name, as the
// program's own dynamic loader finds its sonames; "" for libc. The library
// must define malloc and free, or preloading it would change nothing.
func (p Program) Preload(ctx context.Context, name string) (string, error) {
	spec, err := alloc.Lookup(name)
	if err != nil {
		return "", err
	}
	if spec.Name == alloc.Libc {
		return "", nil
	}
	if !spec.Interposes || spec.User() {
		return "", fmt.Errorf("%s is not a shared library %s can preload (valid: %s)", name, Name, strings.Join(Allocators(), ", "))
	}
	for _, so := range spec.Sonames(sysinfo.Release()) {
		path, err := p.resolve(ctx, so)
		if err != nil {
			return "", err
		}
		if path == "" {
			continue
		}
		if err := definesMalloc(path); err != nil {
			return "", err
		}
		return path, nil
	}
	hint := ""
	if l, ok := spec.On(sysinfo.Release()); ok {
		hint = fmt.Sprintf(" (install the %s package)", l.Package)
	}
	return "", fmt.Errorf("%s: the dynamic loader finds none of %s%s", name, strings.Join(spec.Sonames(sysinfo.Release()), ", "), hint)
}

// packagedHere reports whether the distribution release this runs on
// packages the allocator (true when the release cannot be told).
func packagedHere(s alloc.Spec) bool {
	r := sysinfo.Release()
	if r == "" {
		return true
	}
	_, ok := s.On(r)
	return ok
}

// resolve asks the dynamic loader where it finds soname when the program
// preloads it; "" when it finds nothing.
func (p Program) resolve(ctx context.Context, soname string) (string, error) {
	cmd := exec.CommandContext(ctx, p.Path)
	cmd.Env = append(preloadEnv(os.Environ(), soname), "LD_TRACE_LOADED_OBJECTS=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("listing %s's libraries with LD_PRELOAD=%s: %v\n%s", Name, soname, err, debsrc.Tail(stderr.Bytes(), 5, 1000))
	}
	return parseTrace(stdout.String(), soname), nil
}

// parseTrace finds "\tsoname => /path (0x...)" in the loader's list of
// objects.
func parseTrace(out, soname string) string {
	for _, line := range strings.Split(out, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), " => ")
		if !ok || name != soname {
			continue
		}
		path, _, _ := strings.Cut(rest, " (")
		if strings.HasPrefix(path, "/") {
			return path
		}
	}
	return ""
}

// definesMalloc checks that a shared library exports malloc and free.
func definesMalloc(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defined := map[string]bool{}
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF && (elf.ST_TYPE(s.Info) == elf.STT_FUNC || elf.ST_TYPE(s.Info) == elf.STT_GNU_IFUNC) {
			defined[s.Name] = true
		}
	}
	for _, name := range []string{"malloc", "free"} {
		if !defined[name] {
			return fmt.Errorf("%s does not define %s: preloaded, it would not replace the C library's malloc", path, name)
		}
	}
	return nil
}
