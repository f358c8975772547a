package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/allocbench/allocbench/internal/futex"
	"github.com/allocbench/allocbench/internal/infra/containers"
	"github.com/allocbench/allocbench/workloads"
)

// futexHost is the host side of the exact futex method for the containers:
// a tracer in this process that measures the threads of the benchmark in
// each cell's container, which asks for it over a unix socket mounted into
// the container. Where there is none, why says why.
type futexHost struct {
	srv *futex.Server
	dir string
	why string
}

// startFutexHost starts the host tracer when the cells' futex method may be
// the exact one and the containers do not trace themselves (-futex-tracing).
// Where it cannot work (not root, an engine on another machine, a kernel
// without the tracepoints), the result says why, for the cells' reason line.
func startFutexHost(ctx context.Context, method workloads.FutexMethod, tracing bool) *futexHost {
	if tracing || (method != workloads.FutexAuto && method != workloads.FutexTracepoint) {
		return &futexHost{}
	}
	if where := containers.RemoteEngine(ctx); where != "" {
		return &futexHost{why: fmt.Sprintf("the docker engine is not on this machine (%s), so its containers' threads are not this host's", where)}
	}
	dir, err := os.MkdirTemp("", "allocbench-futex-")
	if err != nil {
		return &futexHost{why: fmt.Sprintf("a directory for the tracer's socket: %v", err)}
	}
	srv, err := futex.Listen(filepath.Join(dir, "futex.sock"), futex.Options{})
	if err != nil {
		os.RemoveAll(dir)
		why := err.Error()
		if uid := os.Geteuid(); uid != 0 {
			why = fmt.Sprintf("allocbench runs as uid %d, not root: %v", uid, err)
		}
		return &futexHost{why: why}
	}
	return &futexHost{srv: srv, dir: dir}
}

// runOptions points a cell's container at the tracer, or tells it why
// there is none.
func (h *futexHost) runOptions(o *containers.RunOptions) {
	if h.srv != nil {
		o.FutexSocket = h.srv.Path()
	}
	o.FutexHostUnavailable = h.why
}

// describe says what the containers' futex figures will be.
func (h *futexHost) describe() string {
	switch {
	case h.srv != nil:
		return "futex time in the containers: the exact method, run on this host for the containers' threads"
	case h.why != "":
		return "futex time in the containers: no tracer on this host (" + h.why + "); the cells fall back to the sampled estimate"
	}
	return ""
}

func (h *futexHost) Close() error {
	if h.srv == nil {
		return nil
	}
	err := h.srv.Close()
	return errors.Join(err, os.RemoveAll(h.dir))
}

// startCellTracer starts, for the main job's cells on this host, the same
// host tracer the containers use, when the futex method may be the exact
// one: each cell then asks it to trace its threads instead of setting up
// tracepoints of its own, which costs a few hundred milliseconds a
// process, and the rounds start a process per visit. Where it cannot
// start (not root, no tracepoints), it returns nil and every cell traces
// itself, as before.
func startCellTracer(method workloads.FutexMethod) *futexHost {
	if method != workloads.FutexAuto && method != workloads.FutexTracepoint {
		return nil
	}
	dir, err := os.MkdirTemp("", "allocbench-futex-")
	if err != nil {
		return nil
	}
	srv, err := futex.Listen(filepath.Join(dir, "futex.sock"), futex.Options{})
	if err != nil {
		os.RemoveAll(dir)
		return nil
	}
	return &futexHost{srv: srv, dir: dir}
}
