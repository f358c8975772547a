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
// run one Config at start-up, report its memory on file descriptor 3 and
// exit: MeasureMemory's child.
const freshRunEnv = "ALLOCBENCH_FRESH_RUN"

func init() {
	if spec, ok := os.LookupEnv(freshRunEnv); ok {
		os.Exit(freshRunChild(spec))
	}
}

// freshRun is what MeasureMemory hands its child: a Config without its
// Observer and futex method, which the memory run does not use.
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
}

// freshReply is the child's answer.
type freshReply struct {
	Memory Memory
	Err    string
}

// MeasureMemory runs cfg once more in a fresh process of this executable,
// the first and only run there, and returns its memory figures: a figure
// that neither earlier runs nor other allocators in this process can
// change. It is what mimalloc-bench measures too (a process per run). The
// run does the same work as cfg; futex measurement and the Observer are
// left out. The executable must not have changed since it started.
func MeasureMemory(cfg Config) (Memory, error) {
	if _, _, err := cfg.Validate(); err != nil {
		return Memory{}, err
	}
	user := ""
	if s, err := alloc.Lookup(cfg.Alloc); err == nil && s.User() {
		user = alloc.FormatUser(s)
	}
	spec, err := json.Marshal(freshRun{cfg.Workload, cfg.Alloc, cfg.Threads, cfg.Ops, cfg.Params, cfg.Seed, cfg.Samples, user})
	if err != nil {
		return Memory{}, err
	}
	exe, err := os.Executable()
	if err != nil {
		return Memory{}, fmt.Errorf("memory run: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return Memory{}, fmt.Errorf("memory run: %w", err)
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
		return Memory{}, fmt.Errorf("memory run: %w", startErr)
	}
	data, readErr := io.ReadAll(io.LimitReader(r, 1<<16))
	waitErr := cmd.Wait()
	var reply freshReply
	if err := json.Unmarshal(data, &reply); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 2000 {
			msg = "…" + msg[len(msg)-2000:]
		}
		return Memory{}, fmt.Errorf("memory run of %s on %s in a fresh process: no answer (%v; %v): %s",
			cfg.Workload, cfg.Alloc, errors.Join(readErr, waitErr), err, msg)
	}
	if reply.Err != "" {
		return Memory{}, fmt.Errorf("memory run in a fresh process: %s", reply.Err)
	}
	return reply.Memory, nil
}

// freshRunChild is the child's side of MeasureMemory.
func freshRunChild(spec string) int {
	reply := func(rep freshReply) int {
		f := os.NewFile(3, "reply")
		if f == nil {
			fmt.Fprintln(os.Stderr, "allocbench: "+freshRunEnv+" is set but file descriptor 3 is not open")
			return 2
		}
		if err := json.NewEncoder(f).Encode(rep); err != nil {
			fmt.Fprintln(os.Stderr, "allocbench: memory run:", err)
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
	res, err := Run(Config{Workload: fr.Workload, Alloc: fr.Alloc, Threads: fr.Threads, Ops: fr.Ops,
		Params: fr.Params, Seed: fr.Seed, Samples: fr.Samples})
	if err == nil && !res.MemoryKnown {
		err = errors.New("resident memory could not be read (/proc/self/status, /proc/self/clear_refs)")
	}
	if err != nil {
		return reply(freshReply{Err: err.Error()})
	}
	return reply(freshReply{Memory: Memory{BaseRSS: res.BaseRSS, PeakRSS: res.PeakRSS, PeakLive: res.PeakLive}})
}
