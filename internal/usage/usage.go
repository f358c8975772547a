// Package usage marks errors in what the user typed: a bad flag, a bad
// value, a missing or unexpected argument. Commands exit with status 2 for
// them (ExitCode), as the flag package does for its own errors, and with
// 1 for failures of the work itself.
package usage

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/allocbench/allocbench/internal/suggest"
)

// ExitCode is the exit status for a usage error.
const ExitCode = 2

// An Error is a usage error.
type Error struct{ Err error }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a usage error formatted as fmt.Errorf does.
func Errorf(format string, args ...any) error {
	return &Error{Err: fmt.Errorf(format, args...)}
}

// Wrap marks err as a usage error; nil stays nil, and so does
// flag.ErrHelp, which is no error: -h asked for the help it printed.
func Wrap(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return nil
	}
	var u *Error
	if errors.As(err, &u) {
		return err
	}
	return &Error{Err: err}
}

// Is reports whether err is, or wraps, a usage error.
func Is(err error) bool {
	var u *Error
	return errors.As(err, &u)
}

// Parse parses args with fs. -h prints fs's whole help (fs.Usage, to fs's
// output) and returns flag.ErrHelp. A bad flag prints nothing: it returns a
// usage error that names the flag, suggests the nearest one for a flag
// fs does not define, and ends with line, a short usage line, instead of
// the whole help that the flag package prints.
func Parse(fs *flag.FlagSet, args []string, line string) error {
	out, help := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = help
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		if help != nil {
			help()
		} else {
			fmt.Fprintf(out, "usage of %s:\n", fs.Name())
			fs.PrintDefaults()
		}
		return err
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
		msg = "unknown flag " + name + suggest.DidYouMean(name, names)
	}
	return Errorf("%s\n%s", msg, line)
}
