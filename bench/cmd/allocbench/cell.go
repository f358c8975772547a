package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// cellSeq numbers the cells' containers.
var cellSeq atomic.Int64

var configLine = regexp.MustCompile(`^[a-z][^\s:]*: `)

// resultLine is a benchmark result: name, iterations, at least one value.
// (With -test.v, go test also prints a benchmark's name alone first.)
var resultLine = regexp.MustCompile(`^Benchmark\S+\s+\d+\s+\S+ \S`)

// crashLine finds the Go runtime's or the C library's word on a crash: a
// signal the Go runtime caught (a C kernel's segfault arrives that way), a
// fatal error, a panic.
var crashLine = regexp.MustCompile(`(?m)^(SIG[A-Z]+: .*|fatal error: .*|panic: .*|.*double free.*|.*corrupted.*|.*Aborted.*)$`)

// runCell runs one cell in its own process and parses what it printed. A
// crash, a hang past o.timeout or a failed benchmark is an error of this
// cell alone.
func runCell(ctx context.Context, argv []string, c cell, o options) outcome {
	start := time.Now()
	out := outcome{cell: c}
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	args := append(append([]string(nil), argv...),
		"-test.run", "^$",
		"-test.bench", c.benchPattern(),
		"-test.count", strconv.Itoa(o.count),
		"-test.benchtime", o.benchtime,
		"-test.v")
	// A cell run through docker gets a container name, so that a hung one
	// can be killed: killing the docker command alone leaves its container
	// running.
	container := ""
	if filepath.Base(args[0]) == "docker" && len(args) > 1 && args[1] == "run" {
		container = fmt.Sprintf("allocbench-%d-%d", os.Getpid(), cellSeq.Add(1))
		args = append([]string{args[0], "run", "--name", container}, args[2:]...)
	}
	cmd := exec.CommandContext(cctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), cellEnv(c, o)...)
	// The cell gets a process group of its own, so a hung cell is killed
	// with everything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if container != "" {
			kill, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_ = exec.CommandContext(kill, "docker", "kill", container).Run()
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	out.elapsed = time.Since(start)

	var skipReason string
	var failedBench bool
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	lastSkip := false
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case resultLine.MatchString(line):
			out.results = append(out.results, line)
		case configLine.MatchString(line):
			out.config = append(out.config, line)
		case strings.HasPrefix(trimmed, "--- SKIP:"):
			lastSkip = true
			continue
		case strings.HasPrefix(trimmed, "--- FAIL:"):
			failedBench = true
		case lastSkip && trimmed != "":
			if skipReason == "" {
				skipReason = stripFileLine(trimmed)
			}
		}
		lastSkip = false
	}
	all := stdout.String() + stderr.String()
	out.tail = headAndTail(all, 1200, 800)
	crash := crashLine.FindString(all)

	switch {
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		out.err = fmt.Errorf("no result within %v: killed", o.timeout)
	case ctx.Err() != nil:
		out.err = ctx.Err()
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ProcessState != nil {
			if ws, ok := ee.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				out.err = fmt.Errorf("crashed: %v", ws.Signal())
				break
			}
		}
		if crash != "" {
			out.err = fmt.Errorf("crashed: %s", strings.TrimSpace(crash))
			break
		}
		if failedBench {
			out.err = fmt.Errorf("benchmark failed (%v)", err)
		} else {
			out.err = fmt.Errorf("exited: %v", err)
		}
	case failedBench:
		out.err = errors.New("benchmark failed")
	case len(out.results) == 0:
		out.skipped = skipReason
		if out.skipped == "" {
			out.skipped = "the benchmark produced no result"
		}
	}
	return out
}

// cellEnv is what a cell's benchmark binary reads from its environment.
// (A container gets it through docker run -e; see containers.go.)
func cellEnv(c cell, o options) []string {
	return []string{
		"ALLOCBENCH_VARIANT=" + c.variant,
		"ALLOCBENCH_THREADS=" + strconv.Itoa(c.threads),
		"ALLOCBENCH_FUTEX=" + o.futex,
		"ALLOCBENCH_REQUIRE=",
	}
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
