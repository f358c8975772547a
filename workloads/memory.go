//go:build cgo

package workloads

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/allocbench/allocbench/alloc"
)

// runs counts the runs this process has started. Only the first one can
// measure memory: an allocator keeps memory that earlier runs freed
// (thread caches, arenas, segments of exited threads, pages it marked free
// but the kernel has not reclaimed), and reuses it without the process's
// resident memory growing; and with several allocators in one process,
// each one's leftovers would count against the next.
var runs atomic.Int64

// freshRunEnv names the variable that makes a process of this executable
// run one Config at start-up, report on file descriptor 3 and exit: the
// child of MeasureMemory and RunFresh.
const freshRunEnv = "ALLOCBENCH_FRESH_RUN"

// timedChild is set in RunFresh's child: its only run is timed, and writes
// nothing into the blocks for the memory figures (see Run).
var timedChild bool

func init() {
	if spec, ok := os.LookupEnv(freshRunEnv); ok {
		os.Exit(freshRunChild(spec))
	}
}

// freshRun is what the parent hands its child: a Config without its
// Observer, which cannot cross to another process.
type freshRun struct {
	Workload string
	Alloc    string
	Threads  int
	Ops      uint64
	Params   Params
	Seed     uint64
	Samples  int
	// User is the user's library the allocator names, as
	// alloc.FormatUser writes it; "" for a built-in allocator.
	User string
	// Timed asks for the run's Result (RunFresh) rather than its memory
	// (MeasureMemory); Futex is then the futex method the child uses.
	Timed bool
	Futex FutexMethod
}

// freshReply is the child's answer.
type freshReply struct {
	Memory Memory
	Result *Result
	Err    string
	// Skip is the reason of a SkipError.
	Skip string
}

// MeasureMemory runs cfg once more in a fresh process of this executable,
// the first and only run there, and returns its memory figures: a figure
// that neither earlier runs nor other allocators in this process can
// change. It is what mimalloc-bench measures too (a process per run). The
// run does the same work as cfg; futex measurement and the Observer are
// left out. The executable must not have changed since it started.
func MeasureMemory(cfg Config) (Memory, error) {
	reply, err := runChild(cfg, freshRun{}, "memory run")
	if err != nil {
		return Memory{}, err
	}
	return reply.Memory, nil
}

// RunFresh runs cfg in a fresh process of this executable, the first and
// only run there, and returns its result, as a published benchmark runs:
// once per process. In one process an allocator's later runs start from
// what the earlier ones left behind (tcmalloc's central free lists, for
// one: churn on tcmalloc at two threads runs 15-20% slower after two
// earlier runs than as a process's first), and a Go benchmark makes
// several runs as b.N grows. cfg.Futex is measured in the child;
// cfg.Observer cannot cross to it and must be nil. The result has no
// memory figures: those come from MeasureMemory, whose run writes into
// every page of the blocks, which a timed run does not. The executable
// must not have changed since it started.
func RunFresh(cfg Config) (Result, error) {
	if cfg.Observer != nil {
		return Result{}, errors.New("RunFresh: an Observer cannot watch a run in another process; leave Config.Observer nil")
	}
	reply, err := runChild(cfg, freshRun{Timed: true, Futex: cfg.Futex}, "run")
	if err != nil {
		return Result{}, err
	}
	if reply.Result == nil {
		return Result{}, fmt.Errorf("run of %s on %s in a fresh process: the answer has no result", cfg.Workload, cfg.Alloc)
	}
	return *reply.Result, nil
}

// runChild runs cfg, with what fr adds, in a fresh process of this
// executable and returns its answer. what names the run in errors.
func runChild(cfg Config, fr freshRun, what string) (freshReply, error) {
	if _, _, err := cfg.Validate(); err != nil {
		return freshReply{}, err
	}
	user := ""
	if s, err := alloc.Lookup(cfg.Alloc); err == nil && s.User() {
		user = alloc.FormatUser(s)
	}
	fr.Workload, fr.Alloc, fr.Threads, fr.Ops = cfg.Workload, cfg.Alloc, cfg.Threads, cfg.Ops
	fr.Params, fr.Seed, fr.Samples, fr.User = cfg.Params, cfg.Seed, cfg.Samples, user
	spec, err := json.Marshal(fr)
	if err != nil {
		return freshReply{}, err
	}
	exe, err := os.Executable()
	if err != nil {
		return freshReply{}, fmt.Errorf("%s: %w", what, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return freshReply{}, fmt.Errorf("%s: %w", what, err)
	}
	defer r.Close()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), freshRunEnv+"="+string(spec))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.ExtraFiles = []*os.File{w}
	// The child dies with this thread's process rather than outlive a
	// killed benchmark.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	startErr := cmd.Start()
	w.Close()
	if startErr != nil {
		return freshReply{}, fmt.Errorf("%s: %w", what, startErr)
	}
	data, readErr := io.ReadAll(io.LimitReader(r, 16<<20))
	waitErr := cmd.Wait()
	var reply freshReply
	if err := json.Unmarshal(data, &reply); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 2000 {
			msg = "…" + msg[len(msg)-2000:]
		}
		return freshReply{}, fmt.Errorf("%s of %s on %s in a fresh process: no answer (%v; %v): %s",
			what, cfg.Workload, cfg.Alloc, errors.Join(readErr, waitErr), err, msg)
	}
	if reply.Skip != "" {
		return freshReply{}, &SkipError{Reason: reply.Skip}
	}
	if reply.Err != "" {
		return freshReply{}, fmt.Errorf("%s in a fresh process: %s", what, reply.Err)
	}
	return reply, nil
}

// freshRunChild is the child's side of MeasureMemory and RunFresh.
func freshRunChild(spec string) int {
	reply := func(rep freshReply) int {
		f := os.NewFile(3, "reply")
		if f == nil {
			fmt.Fprintln(os.Stderr, "allocbench: "+freshRunEnv+" is set but file descriptor 3 is not open")
			return 2
		}
		if err := json.NewEncoder(f).Encode(rep); err != nil {
			fmt.Fprintln(os.Stderr, "allocbench: run in a fresh process:", err)
			return 1
		}
		return 0
	}
	var fr freshRun
	if err := json.Unmarshal([]byte(spec), &fr); err != nil {
		return reply(freshReply{Err: fmt.Sprintf("bad %s: %v", freshRunEnv, err)})
	}
	if fr.User != "" {
		if _, err := alloc.ParseUsers(fr.User); err != nil {
			return reply(freshReply{Err: err.Error()})
		}
	}
	timedChild = fr.Timed
	res, err := Run(Config{Workload: fr.Workload, Alloc: fr.Alloc, Threads: fr.Threads, Ops: fr.Ops,
		Params: fr.Params, Seed: fr.Seed, Samples: fr.Samples, Futex: fr.Futex})
	var skip *SkipError
	if errors.As(err, &skip) {
		return reply(freshReply{Skip: skip.Reason})
	}
	if fr.Timed {
		if err != nil {
			return reply(freshReply{Err: err.Error()})
		}
		return reply(freshReply{Result: &res})
	}
	if err == nil && !res.MemoryKnown {
		err = errors.New("resident memory could not be read (/proc/self/status, /proc/self/clear_refs)")
	}
	if err != nil {
		return reply(freshReply{Err: err.Error()})
	}
	return reply(freshReply{Memory: Memory{BaseRSS: res.BaseRSS, PeakRSS: res.PeakRSS, PeakLive: res.PeakLive}})
}
