//go:build linux

package program

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/perf/benchmath"

	"github.com/allocbench/allocbench/internal/futex"
	"github.com/allocbench/allocbench/internal/stats"
)

// halfWidth is the larger side of the 95% interval of the median of
// values, as a share of the median.
func halfWidth(values []float64) float64 {
	if len(values) < 2 {
		return math.Inf(1)
	}
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(values, &benchmath.DefaultThresholds), stats.DefaultConfidence)
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) || !(s.Center > 0) {
		return math.Inf(1)
	}
	return math.Max(s.Center-s.Lo, s.Hi-s.Center) / s.Center
}

// sampledNote says what the sampled estimate is.
const sampledNote = "an estimate: every thread of the program's tree is sampled each millisecond, and its blocked time split by the share of samples that found it in futex; no call counts"

// Measure runs the plan: a check run per cell, the warm-up runs, then the
// measured runs in rounds. It fails before any measured run when a cell's
// allocator does not serve the program.
func Measure(ctx context.Context, p *Plan, progress Progress) (*Result, error) {
	if progress == nil {
		progress = func(string, ...any) {}
	}
	o := p.Options
	t0 := time.Now()
	res := &Result{Plan: p}
	r := &runner{o: o, trace: true}
	switch o.Futex {
	case "off":
		res.FutexMethod, res.FutexReason = "off", "-futex off"
	case "sampled":
		r.sampled = true
		res.FutexMethod, res.FutexReason = string(futex.Sampled), "-futex sampled: "+sampledNote
	default:
		m, err := futex.Open(futex.Options{Method: futex.Tracepoint, FollowProcesses: true})
		if err == nil && !m.FollowsProcesses() {
			m.Close()
			err = fmt.Errorf("the tracepoint method cannot follow child processes here: %s", m.Reason())
		}
		switch {
		case err != nil && o.Futex == "tracepoint":
			return nil, err
		case err != nil:
			r.sampled = true
			res.FutexMethod, res.FutexReason = string(futex.Sampled), fmt.Sprintf("the exact method is unavailable (%v); %s", err, sampledNote)
		default:
			r.meter = m
			res.FutexMethod = string(futex.Tracepoint)
			defer m.Close()
		}
	}

	outs := make([]*cellOutput, len(p.Cells))
	for i, c := range p.Cells {
		co, err := openOutput(o, c, i)
		if err != nil {
			return nil, err
		}
		defer co.close()
		outs[i] = co
		res.Cells = append(res.Cells, CellResult{Cell: c, Stdout: co.stdoutPath, Stderr: co.stderrPath, HalfWidth: math.Inf(1)})
	}

	// Check runs: untimed, one per cell, in table order.
	for i, c := range p.Cells {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		progress("check run: %s", c.Short())
		v, err := r.check(ctx, c, outs[i])
		if err != nil {
			return nil, err
		}
		res.Cells[i].Verified = v
	}
	if !r.trace && r.meter != nil {
		// ptrace is refused here: the window cannot open before the
		// program runs, so the exact method would miss its first
		// threads and children.
		r.meter.Close()
		r.meter, r.sampled = nil, true
		res.FutexMethod = string(futex.Sampled)
		res.FutexReason = "ptrace is refused here, and the exact method needs the program stopped before its first instruction; " + sampledNote
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed))
	order := func(idx []int) []int {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		return idx
	}
	all := func() []int {
		idx := make([]int, len(p.Cells))
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	for w := 1; w < o.Warmup; w++ {
		for _, i := range order(all()) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			progress("warm-up %d/%d: %s", w+1, o.Warmup, p.Cells[i].Short())
			outs[i].header(fmt.Sprintf("warm-up run %d", w+1))
			r.run(ctx, outs[i].spawn(p.Cells[i], false))
		}
	}

	var deadline time.Time
	if o.Budget > 0 {
		deadline = time.Now().Add(o.Budget)
	}
	var lastRound time.Duration
	for round := 1; ; round++ {
		var open []int
		for i := range res.Cells {
			if res.Cells[i].Stop == "" {
				open = append(open, i)
			}
		}
		if len(open) == 0 {
			break
		}
		if !deadline.IsZero() && round > 1 && time.Now().Add(lastRound).After(deadline) {
			for _, i := range open {
				res.Cells[i].Stop = StopBudget
			}
			break
		}
		roundStart := time.Now()
		for _, i := range order(open) {
			if err := ctx.Err(); err != nil {
				res.Elapsed = time.Since(t0)
				return res, err
			}
			cr := &res.Cells[i]
			outs[i].header(fmt.Sprintf("round %d", round))
			run := r.run(ctx, outs[i].spawn(cr.Cell, true))
			run.Cell, run.Round = i, round
			if why := run.Failed(); why != "" {
				cr.Failed = append(cr.Failed, run)
				progress("round %d: %s: failed: %s", round, cr.Cell.Short(), why)
			} else {
				cr.Runs = append(cr.Runs, run)
				progress("round %d: %s: %v", round, cr.Cell.Short(), run.Wall.Round(time.Microsecond))
			}
		}
		lastRound = time.Since(roundStart)
		res.Rounds = round
		for _, i := range open {
			cr := &res.Cells[i]
			cr.HalfWidth = halfWidth(cr.Walls())
			n := len(cr.Runs)
			switch {
			case o.Runs > 0:
				if n+len(cr.Failed) >= o.Runs {
					cr.Stop = StopRuns
				}
			case n == 0 && len(cr.Failed) >= 3:
				cr.Stop = StopFailing
			case n >= o.MaxRuns || n+len(cr.Failed) >= 2*o.MaxRuns:
				cr.Stop = StopCap
			case n >= o.MinRuns && cr.HalfWidth <= o.Target:
				cr.Stop = StopTarget
			}
		}
	}
	for i, co := range outs {
		res.Cells[i].Truncated = co.truncated()
	}
	res.Elapsed = time.Since(t0)
	return res, nil
}

// cellOutput is where a cell's runs write: its stdout and stderr files,
// each capped.
type cellOutput struct {
	stdoutPath, stderrPath string
	files                  []*os.File
	stdout, stderr         *capped
}

// cellFile is the base name of a cell's output files.
func cellFile(c Cell, i int) string {
	n := fmt.Sprintf("%02d-%s", i+1, c.Alloc.Name)
	if c.Binary.Label != "" {
		n += "-" + c.Binary.Label
	}
	return n
}

func openOutput(o Options, c Cell, i int) (*cellOutput, error) {
	co := &cellOutput{}
	if o.OutputDir == "" {
		co.stdout, co.stderr = newCapped(io.Discard, 0), newCapped(io.Discard, 0)
		return co, nil
	}
	base := filepath.Join(o.OutputDir, cellFile(c, i))
	co.stdoutPath, co.stderrPath = base+".stdout", base+".stderr"
	for _, path := range []string{co.stdoutPath, co.stderrPath} {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
		if err != nil {
			co.close()
			return nil, fmt.Errorf("program output: %w", err)
		}
		co.files = append(co.files, f)
	}
	co.stdout = newCapped(co.files[0], o.OutputCap)
	co.stderr = newCapped(co.files[1], o.OutputCap)
	return co, nil
}

// header marks the start of a run in both files.
func (co *cellOutput) header(what string) {
	line := []byte("=== allocbench exec: " + what + "\n")
	co.stdout.Write(line)
	co.stderr.Write(line)
}

func (co *cellOutput) spawn(c Cell, measured bool) spawn {
	return spawn{cell: c, stdout: co.stdout, stderr: co.stderr, measure: measured, watch: measured}
}

func (co *cellOutput) truncated() bool { return co.stdout.Truncated() || co.stderr.Truncated() }

func (co *cellOutput) close() {
	for _, f := range co.files {
		f.Close()
	}
	co.files = nil
}
