package debsrc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/procgroup"
)

// ErrFetch marks an error in fetching the Debian sources (the package index
// or the source package): usually no network or no such version on the
// mirror.
var ErrFetch = errors.New("fetching Debian sources failed")

// Step is one command of a build.
type Step struct {
	What  string   // what the build was doing, for the error
	Argv  []string // the command
	Dir   string
	Env   []string // added to the environment
	Fetch bool     // a failure is an ErrFetch
}

// Failed makes the StepError of the step, given its output and the error
// it ended with.
func (s Step) Failed(out []byte, err error) *StepError {
	return &StepError{What: s.What, Command: QuoteArgs(s.Argv), Err: err, Tail: Tail(out, 25, 4000), fetch: s.Fetch}
}

// StepError is a command of a build that failed: what it was for, the
// command, and the tail of its output.
type StepError struct {
	What    string
	Command string
	Err     error
	Tail    string
	fetch   bool
}

func (e *StepError) Error() string {
	s := fmt.Sprintf("%s: %s: %v", e.What, e.Command, e.Err)
	if e.Tail != "" {
		s += "\n" + e.Tail
	}
	return s
}

func (e *StepError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrFetch) true for a failed download.
func (e *StepError) Is(target error) bool { return e.fetch && target == ErrFetch }

// Tail is the last lines of a command's output, at most max bytes.
func Tail(out []byte, lines, max int) string {
	s := strings.TrimRight(string(out), "\n")
	if s == "" {
		return ""
	}
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	s = strings.Join(parts, "\n")
	if len(s) > max {
		s = "..." + s[len(s)-max:]
	}
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}

// QuoteArgs writes argv the way a shell would read it back.
func QuoteArgs(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:+,@%", r))
		}) < 0 {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// Exec runs a step, in its own process group so that a cancelled build
// stops make's compilers too. It returns the combined output.
func Exec(ctx context.Context, s Step) ([]byte, error) {
	cmd := exec.CommandContext(ctx, s.Argv[0], s.Argv[1:]...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), s.Env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	procgroup.Isolate(cmd, nil)
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return out.Bytes(), err
}
