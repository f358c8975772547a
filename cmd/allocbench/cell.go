package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/bench"
	"github.com/allocbench/allocbench/internal/procgroup"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/workloads"
)

// cellSeq numbers the cells' containers.
var cellSeq atomic.Int64

// runCell runs one cell in its own process and reads what it prints as it
// comes (see cellOutput). A crash, a hang past o.timeout, a failed
// benchmark or output that cannot be written as it is, is an error of this
// cell alone.
func runCell(ctx context.Context, argv []string, c cell, o options) outcome {
	start := time.Now()
	out := outcome{cell: c}
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	args := append(append([]string(nil), argv...),
		"-test.run", "^$",
		"-test.bench", c.BenchPattern(),
		"-test.count", strconv.Itoa(o.count),
		"-test.benchtime", cellBenchtime(c, o),
		"-test.v")
	// A cell run through docker gets a container name, so that a hung one
	// can be killed (killing the docker command alone leaves its container
	// running), and a label that names this process, so that a later run
	// can remove it if this one dies first.
	container := ""
	if isDockerRun(args) {
		container = fmt.Sprintf("allocbench-%d-%d", os.Getpid(), cellSeq.Add(1))
		args = append([]string{args[0], "run", "--name", container, "--label", ownerLabel + "=" + thisOwner()}, args[2:]...)
	}
	cmd := exec.CommandContext(cctx, args[0], args[1:]...)
	cmd.Env = append(cellBaseEnv(o.env), cellEnv(c, o)...)
	// The cell gets a process group of its own, so a hung cell is killed
	// with everything it started, and dies with this process; whenever it
	// ends, what is left of its group is killed (see runIsolated).
	procgroup.Isolate(cmd, func() {
		if container != "" {
			kill, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_ = exec.CommandContext(kill, "docker", "kill", container).Run()
		}
	})
	// A cell prints o.count results; a few more lines are tolerated
	// (a benchmark that reruns), not an unbounded number.
	parsed := newCellOutput(4*o.count + 16)
	parsed.name = cellResultName(c)
	stdout := &lineWriter{max: results.MaxLineBytes + 1, emit: parsed.stdoutLine}
	stderr := &lineWriter{max: results.MaxLineBytes + 1, emit: parsed.stderrLine}
	err := runIsolated(cmd, stdout, stderr, parsed)
	stdout.Close()
	stderr.Close()
	out.elapsed = time.Since(start)

	parsed.mu.Lock()
	defer parsed.mu.Unlock()
	out.results, out.config = parsed.results, parsed.config
	out.log = parsed.log.String()
	out.tail = headAndTail(out.log, 1200, 800)
	switch {
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		out.err = fmt.Errorf("no result within %v: killed", o.timeout)
	case ctx.Err() != nil:
		out.err = context.Cause(ctx)
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ProcessState != nil {
			if ws, ok := ee.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				out.err = fmt.Errorf("crashed: %v", ws.Signal())
				break
			}
		}
		if parsed.crash != "" {
			out.err = fmt.Errorf("crashed: %s", parsed.crash)
			break
		}
		if parsed.failedBench {
			out.err = fmt.Errorf("benchmark failed (%v)", err)
		} else {
			out.err = fmt.Errorf("exited: %v", err)
		}
	case parsed.failedBench:
		out.err = errors.New("benchmark failed")
	case parsed.problem != nil:
		out.err = parsed.problem
	case len(out.results) == 0:
		out.skipped = parsed.skipReason
		if out.skipped == "" {
			out.skipped = "the benchmark produced no result"
		}
	}
	return out
}

func isDockerRun(args []string) bool {
	return filepath.Base(args[0]) == "docker" && len(args) > 1 && args[1] == "run"
}

// cellEnv is what a cell's benchmark binary reads from its environment.
// (A container gets it through docker run -e; see containers.go.)
func cellEnv(c cell, o options) []string {
	env := []string{
		"ALLOCBENCH_VARIANT=" + c.Label,
		"ALLOCBENCH_THREADS=" + strconv.Itoa(c.Threads),
		"ALLOCBENCH_FUTEX=" + o.futex.String(),
		bench.FreshEnv + "=" + strconv.FormatBool(o.fresh),
		"ALLOCBENCH_REQUIRE=",
		bench.LibsEnv + "=" + alloc.FormatUsers(o.users),
	}
	if o.futexHost != "" {
		env = append(env, workloads.FutexHostEnv+"="+o.futexHost)
	}
	return env
}

// stripFileLine drops go test's "file_test.go:12: " prefix.
func stripFileLine(s string) string {
	if i := strings.Index(s, ".go:"); i >= 0 {
		if j := strings.Index(s[i+4:], ": "); j >= 0 {
			return s[i+4+j+2:]
		}
	}
	return s
}

// headAndTail keeps the start of a cell's output (where a crash is named)
// and its end.
func headAndTail(s string, head, end int) string {
	if len(s) <= head+end {
		return s
	}
	h := s[:head]
	if i := strings.LastIndexByte(h, '\n'); i > 0 {
		h = h[:i+1]
	}
	return h + "...\n" + tail(s, end)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// outputDrain is how long a cell's output is read after the cell and its
// process group are gone: what still holds it (a process that left the
// group) is not waited for longer.
const outputDrain = 5 * time.Second

// runIsolated runs cmd (after procgroup.Isolate) with its stdout and stderr
// copied to the writers. Whenever it ends, its process group is killed, so
// that no child it started runs on or keeps its output open; what it
// printed before is kept.
func runIsolated(cmd *exec.Cmd, stdout, stderr io.Writer, parsed *cellOutput) error {
	var readers []*os.File
	var copies sync.WaitGroup
	for _, w := range []struct {
		set *io.Writer
		to  io.Writer
	}{{&cmd.Stdout, stdout}, {&cmd.Stderr, stderr}} {
		r, pw, err := os.Pipe()
		if err != nil {
			for _, r := range readers {
				r.Close()
			}
			return err
		}
		*w.set = pw
		readers = append(readers, r)
		copies.Add(1)
		go func(to io.Writer) {
			defer copies.Done()
			io.Copy(to, r)
		}(w.to)
	}
	err := cmd.Start()
	// The child has its ends; these are the parent's copies.
	cmd.Stdout.(*os.File).Close()
	cmd.Stderr.(*os.File).Close()
	if err == nil {
		err = procgroup.Wait(cmd)
	}
	done := make(chan struct{})
	go func() {
		copies.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(outputDrain):
		for _, r := range readers {
			r.Close()
		}
		<-done
		parsed.stderrLine(fmt.Sprintf("allocbench: stopped reading the cell's output %v after it ended: a process it started outside its process group still holds it", outputDrain), 0)
	}
	for _, r := range readers {
		r.Close()
	}
	return err
}

// cellResultName is the name c's results have, before go test's
// -GOMAXPROCS suffix.
func cellResultName(c cell) string {
	return fmt.Sprintf("BenchmarkWorkloads/workload=%s/alloc=%s/threads=%d", c.Workload, c.Alloc, c.Threads)
}
