package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress shows "cell k of n, elapsed, estimate of the rest" on a
// terminal, rewriting one line; elsewhere (CI logs, files) it prints nothing.
type progress struct {
	w       io.Writer
	on      bool
	n       int
	started time.Time
	spent   time.Duration
}

func newProgress(mode string, w io.Writer, n int) *progress {
	on := mode == "on"
	if mode == "auto" {
		on = isTerminal(w) && os.Getenv("CI") == ""
	}
	return &progress{w: w, on: on, n: n, started: time.Now()}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) start(i int, c cell) {
	if !p.on {
		return
	}
	elapsed := time.Since(p.started)
	rest := "?"
	if i > 0 {
		rest = (p.spent / time.Duration(i) * time.Duration(p.n-i)).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r\033[K[%d/%d] %s  elapsed %s, about %s left", i+1, p.n, c, elapsed.Round(time.Second), rest)
}

// visit shows the visit of cell c, the i-th of n in round r, and the time
// left to the budget's end.
func (p *progress) visit(r, i, n int, c cell, deadline time.Time) {
	if !p.on {
		return
	}
	elapsed := time.Since(p.started)
	left := max(0, time.Until(deadline))
	fmt.Fprintf(p.w, "\r\033[K[round %d, %d/%d] %s  elapsed %s, budget left %s", r, i+1, n, c, elapsed.Round(time.Second), left.Round(time.Second))
}

func (p *progress) done(i int, o outcome) {
	p.spent += o.elapsed
}

func (p *progress) finish() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
