package muslalloc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// ErrFetch marks an error in fetching the Debian sources (the package index
// or the source package): usually no network or no such version on the
// mirror.
var ErrFetch = errors.New("fetching Debian sources failed")

// step is one command of the build.
type step struct {
	what  string   // what the build was doing, for the error
	argv  []string // the command
	dir   string
	env   []string // added to the environment
	fetch bool     // a failure is an ErrFetch
}

// StepError is a command of the build that failed: what it was for, the
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

// tail is the last lines of a command's output, at most max bytes.
func tail(out []byte, lines, max int) string {
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

// quoteArgs writes argv the way a shell would read it back.
func quoteArgs(argv []string) string {
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

// execStep runs a step, in its own process group so that a cancelled build
// stops make's compilers too. It returns the combined output.
func execStep(ctx context.Context, s step) ([]byte, error) {
	cmd := exec.CommandContext(ctx, s.argv[0], s.argv[1:]...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), s.env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return out.Bytes(), err
}
