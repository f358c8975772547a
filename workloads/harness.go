//go:build cgo

package workloads

/*
#cgo CFLAGS: -O2 -Wall -Wno-format-truncation -I${SRCDIR}/../cgoalloc
#cgo LDFLAGS: -lpthread -lm
#include <stdlib.h>
#include "harness.h"
*/
import "C"

import (
	"fmt"
	"reflect"
	"strconv"
	"time"
	"unsafe"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/internal/futex"
	"github.com/allocbench/allocbench/internal/procfs"
)

var dists = map[sizeDist]C.int32_t{
	distUniform:       C.AB_DIST_UNIFORM,
	distInverseSquare: C.AB_DIST_INVSQ,
	distLog:           C.AB_DIST_LOG,
}

// Run runs one workload on one allocator and returns what the worker threads
// measured. The workers are C threads the harness starts for this run with
// pthread_create and joins at its end, as the published benchmarks' are;
// the calling goroutine waits in C meanwhile. It fails before anything runs
// on a bad Config, returns a
// *SkipError when the allocator cannot run the workload, and returns an error
// naming the workload, the allocator and the thread when a kernel finds a
// broken block or a NULL from malloc.
func Run(cfg Config) (Result, error) {
	if _, _, err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	a, err := cgoalloc.Open(cfg.Alloc)
	if err != nil {
		return Result{}, err
	}
	return run(cfg, a)
}

// allocator is what run needs of an allocator: *cgoalloc.Allocator, or a
// test's broken one.
type allocator interface {
	Name() string
	Spec() alloc.Spec
	Table() unsafe.Pointer
	Trim()
}

// cParams is what the C kernels get for cfg: the resolved parameters, the
// per-thread share of the ops, the sampling and the seed.
func cParams(cfg Config, w Workload, p Params) (C.ab_params, error) {
	threads := cfg.Threads
	perThread := (cfg.Ops + uint64(threads) - 1) / uint64(threads)
	if w.everyThread {
		perThread = cfg.Ops
	}
	sampleCap, sampleMask := sampling(cfg.Samples, perThread)
	seed := cfg.Seed
	if seed == 0 {
		seed = w.seed
	}
	if seed == 0 {
		seed = 0x616c6c6f63626e63
	}
	cp := C.ab_params{
		threads:        C.int32_t(threads),
		ops_per_thread: C.uint64_t(perThread),
		dist:           dists[w.dist],
		sample_cap:     C.uint32_t(sampleCap),
		sample_mask:    C.uint64_t(sampleMask),
		seed:           C.uint64_t(seed),
	}
	for _, d := range params {
		f, err := cParamField(d)
		if err != nil {
			return cp, err
		}
		f.of(&cp).SetUint(d.get(&p))
	}
	// The kernel registered under the workload's name (see AB_KERNEL);
	// names are checked against C.AB_KERNEL_NAME when registered.
	name := unsafe.Slice((*byte)(unsafe.Pointer(&cp.kernel[0])), len(cp.kernel))
	copy(name[:len(name)-1], w.Name)
	return cp, nil
}

// A cField is a field of ab_params.
type cField reflect.StructField

// of returns the field in cp, settable.
func (f cField) of(cp *C.ab_params) reflect.Value {
	return reflect.NewAt(f.Type, unsafe.Add(unsafe.Pointer(cp), f.Offset)).Elem()
}

// cParamField returns the ab_params field the kernels read d from: an
// unsigned integer wide enough for d's largest value.
func cParamField(d param) (cField, error) {
	f, ok := reflect.TypeFor[C.ab_params]().FieldByName(d.c)
	switch {
	case !ok:
		return cField{}, fmt.Errorf("parameter %s: ab_params has no field %s (harness.h's AB_WORKLOAD_PARAMS)", d.field, d.c)
	case f.Type.Kind() != reflect.Uint32 && f.Type.Kind() != reflect.Uint64:
		return cField{}, fmt.Errorf("parameter %s: ab_params field %s is a %s, not an unsigned integer", d.field, d.c, f.Type.Kind())
	case d.max > ^uint64(0)>>(64-8*f.Type.Size()):
		return cField{}, fmt.Errorf("parameter %s: its limit %d does not fit ab_params field %s (%d bytes)", d.field, d.max, d.c, f.Type.Size())
	}
	return cField(f), nil
}

// kernelNames are the workload names the C kernels registered.
func kernelNames() []string {
	n := int(C.ab_kernel_count())
	names := make([]string, n)
	for i := range names {
		names[i] = C.GoString(C.ab_kernel_name(C.int(i)))
	}
	return names
}

// driverArgs are the arguments of the plain C driver
// (testdata/cdriver.c) that run cfg as Run would.
func driverArgs(cfg Config) ([]string, error) {
	w, p, err := cfg.Validate()
	if err != nil {
		return nil, err
	}
	cp, err := cParams(cfg, w, p)
	if err != nil {
		return nil, err
	}
	args := []string{
		"kind=" + w.Name,
		"threads=" + strconv.Itoa(int(cp.threads)),
		"ops=" + strconv.FormatUint(uint64(cp.ops_per_thread), 10),
		"seed=" + strconv.FormatUint(uint64(cp.seed), 10),
		"dist=" + strconv.Itoa(int(cp.dist)),
	}
	for _, d := range params {
		args = append(args, d.c+"="+strconv.FormatUint(d.get(&p), 10))
	}
	return args, nil
}

func run(cfg Config, a allocator) (Result, error) {
	w, p, err := cfg.Validate()
	if err != nil {
		return Result{}, err
	}
	if w.CrossThread && !a.Spec().CrossThreadFree {
		return Result{}, &SkipError{Reason: fmt.Sprintf("%s frees blocks across threads, which allocator %s cannot take", w.Name, a.Name())}
	}

	threads := cfg.Threads
	cp, err := cParams(cfg, w, p)
	if err != nil {
		return Result{}, err
	}

	var fo *futexObserver
	var futexSkipped *Futex
	if !cfg.Futex.Off() {
		meter, err := openMeter(cfg.Futex)
		if err != nil {
			return Result{}, fmt.Errorf("futex method %s: %w", cfg.Futex, err)
		}
		futexMu.Lock()
		defer futexMu.Unlock()
		if w.Generations && !followsThreads(meter) {
			// The threads of later generations are unknown to a method
			// that cannot follow them: measure none rather than part.
			futexSkipped = &Futex{Method: string(futex.Unavailable),
				Reason: fmt.Sprintf("%s starts new threads inside the window, and the %s method cannot follow them (%s)",
					w.Name, meter.Method(), meter.Reason())}
		} else {
			fo = &futexObserver{meter: meter, next: cfg.Observer}
			cfg.Observer = fo
		}
	}

	// Start from a common floor: give cached memory back and map the
	// harness's own memory before the baseline. Only the process's first
	// run reports its memory (see runs), and not in RunFresh's child, whose
	// run is timed and so writes nothing more into the blocks.
	first := runs.Add(1) == 1 && !timedChild
	if first {
		// A program uses the memory it asks for: on the run that reports
		// RSS, the kernels that write nothing into their blocks (churn,
		// as its original) touch every page of each new block, so that
		// the pages count as resident. A benchmark discards this run
		// (b.N=1); the memory figure comes from MeasureMemory's own
		// process, whose only run this is.
		cp.touch = 1
	}
	a.Trim()
	var errbuf [256]C.char
	ctx := C.ab_ctx_new(&cp, (*C.ab_allocator)(a.Table()), &errbuf[0], C.size_t(len(errbuf)))
	if ctx == nil {
		return Result{}, fmt.Errorf("workload %s, allocator %s: %s", w.Name, a.Name(), C.GoString(&errbuf[0]))
	}
	defer C.ab_ctx_free(ctx)

	if C.ab_start_workers(ctx, &errbuf[0], C.size_t(len(errbuf))) != 0 {
		return Result{}, fmt.Errorf("workload %s, allocator %s: %s", w.Name, a.Name(), C.GoString(&errbuf[0]))
	}
	C.ab_wait_arrived(ctx)
	tids := make([]int, threads)
	for i := range tids {
		tids[i] = int(C.ab_result(ctx, C.int(i)).tid)
	}
	// The baseline is this run's: taken with the workers started and the
	// harness's memory mapped, before anything is allocated from the
	// allocator under test. From here to the end of the window the Go side
	// allocates nothing of size.
	memErr := procfs.ResetPeakRSS()
	baseline, err := procfs.ReadMemory()
	if memErr == nil {
		memErr = err
	}
	fillErr := ""
	if C.ab_ctx_fill(ctx, &errbuf[0], C.size_t(len(errbuf))) != 0 {
		fillErr = C.GoString(&errbuf[0])
		C.ab_abort(ctx)
	}
	C.ab_start_setup(ctx)
	C.ab_wait_ready(ctx)
	var obsErr error
	if cfg.Observer != nil && fillErr == "" {
		if obsErr = cfg.Observer.Begin(tids); obsErr != nil {
			C.ab_abort(ctx)
		}
	}
	C.ab_release(ctx)
	C.ab_wait_done(ctx)
	if cfg.Observer != nil && fillErr == "" && obsErr == nil {
		obsErr = cfg.Observer.End()
	}
	after, err := procfs.ReadMemory()
	if memErr == nil {
		memErr = err
	}
	C.ab_finish(ctx)
	C.ab_join_generations(ctx)

	res := collect(ctx, w, a.Name(), threads)
	if fillErr != "" {
		return res, fmt.Errorf("workload %s, allocator %s: %s", w.Name, a.Name(), fillErr)
	}
	if fo != nil && obsErr == nil {
		res.Futex = fo.result()
	}
	if futexSkipped != nil {
		res.Futex = futexSkipped
	}
	if memErr == nil && first {
		res.PeakRSS = after.PeakRSS
		res.BaseRSS = baseline.RSS
		res.MemoryKnown = true
	}
	if err := res.failure(); err != nil {
		return res, err
	}
	if obsErr != nil {
		return res, fmt.Errorf("workload %s, allocator %s: observer: %w", w.Name, a.Name(), obsErr)
	}
	return res, nil
}

func collect(ctx *C.ab_ctx, w Workload, alloc string, threads int) Result {
	res := Result{
		OpThreads: 1,
		Workload:  w.Name,
		Alloc:     alloc,
		Threads:   threads,
		PeakLive:  int64(C.ab_live_peak(ctx)),
		Workers:   make([]Worker, threads),
	}
	if w.everyThread {
		res.OpThreads = threads
	}
	var samples []float64 // latency in ns, all threads
	var start, end uint64
	res.OffCPUKnown = true
	for i := 0; i < threads; i++ {
		r := C.ab_result(ctx, C.int(i))
		wk := Worker{
			TID:                 int(r.tid),
			Ops:                 uint64(r.ops),
			Frees:               uint64(r.frees),
			Wall:                time.Duration(r.end_ns - r.start_ns),
			User:                time.Duration(r.user_ns),
			Sys:                 time.Duration(r.sys_ns),
			OnCPU:               time.Duration(r.oncpu_ns),
			RunQueue:            time.Duration(r.runq_ns),
			VoluntarySwitches:   uint64(r.nvcsw),
			InvoluntarySwitches: uint64(r.nivcsw),
			MinorFaults:         uint64(r.minflt),
			Held:                time.Duration(r.held_ns),
			Idle:                time.Duration(r.idle_cpu_ns),
			MediumFrees:         uint64(r.medium_frees),
			RemoteFrees:         uint64(r.remote_frees),
			Generations:         int(r.generations),
			SchedstatKnown:      r.schedstat_ok != 0,
		}
		if r.failed != 0 {
			wk.Err = C.GoString(&r.error[0])
		}
		if r.start_ns == 0 {
			wk.Wall = 0
		}
		// The window runs from the first worker's start to the last
		// one's end.
		if r.start_ns != 0 && (start == 0 || uint64(r.start_ns) < start) {
			start = uint64(r.start_ns)
		}
		if uint64(r.end_ns) > end {
			end = uint64(r.end_ns)
		}
		if !wk.SchedstatKnown {
			res.OffCPUKnown = false
		}
		// Latency samples are in ticks of the thread's clock; convert with
		// the rate the thread saw over its window.
		if n := int(r.nsamples); n > 0 && r.end_ticks > r.start_ticks && r.end_ns > r.start_ns {
			nsPerTick := float64(r.end_ns-r.start_ns) / float64(r.end_ticks-r.start_ticks)
			ticks := unsafe.Slice((*uint32)(unsafe.Pointer(r.samples)), n)
			for _, t := range ticks {
				samples = append(samples, float64(t)*nsPerTick)
			}
		}
		res.Workers[i] = wk
	}
	if end > start && start != 0 {
		res.Window = time.Duration(end - start)
	}
	res.Latency = quantiles(samples)
	return res
}
