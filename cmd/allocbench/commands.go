package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/allocbench/allocbench/internal/suggest"
	"github.com/allocbench/allocbench/internal/usage"
)

// commands are allocbench's subcommands, as `allocbench help` lists them;
// commandFunc finds the function that runs each.
var commands = []struct{ name, summary string }{
	{"containers", "run the matrix inside distribution containers"},
	{"fidelity", "check churn against glibc's own bench-malloc-thread"},
	{"exec", "measure any program under every allocator (LD_PRELOAD)"},
	{"compare", "compare result files, benchstat-style"},
	{"report", "write an HTML report of result files"},
	{"version", "print the version and revision allocbench was built from"},
	{"help", "show the help of allocbench or of a command"},
}

// commandFunc returns the function that runs the subcommand name, or nil
// when there is none.
func commandFunc(name string) func(args []string, stdout, stderr io.Writer) error {
	switch name {
	case "containers":
		return runContainers
	case "fidelity":
		return runFidelity
	case "exec":
		return runExec
	case "compare":
		return runCompare
	case "report":
		return runReport
	case "version":
		return runVersion
	case "help":
		return func(args []string, stdout, _ io.Writer) error { return runHelp(args, stdout) }
	}
	return nil
}

func commandNames() string { return strings.Join(commandList(), ", ") }

func commandList() []string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return names
}

// shortUsage is the usage line a usage error of the command ends with
// (name is its flag set's: "allocbench" or "allocbench <command>"), in
// place of the whole help.
func shortUsage(name string) string {
	if name == "allocbench" {
		return `usage: allocbench [flags] or allocbench <command> [args]; "allocbench help" lists both`
	}
	return fmt.Sprintf("usage: %s [flags]; \"allocbench help %s\" lists the flags", name, strings.TrimPrefix(name, "allocbench "))
}

// unexpectedArgument is the usage error for an argument the command does
// not take: a misspelt command where it is near one.
func unexpectedArgument(arg, line string) error {
	if hint := suggest.DidYouMean(arg, commandList()); hint != "" {
		return usage.Errorf("unknown command %q%s\n%s", arg, hint, line)
	}
	return usage.Errorf("unexpected argument %q (commands: %s)\n%s", arg, commandNames(), line)
}

// The one-line descriptions each -h begins with.
const (
	mainSummary       = "allocbench builds the benchmarks for glibc and musl, runs every workload × allocator × threads cell in its own process, and compares the allocators."
	containersSummary = "allocbench containers runs the matrix inside distribution containers (Debian, Ubuntu, Alpine, Rocky, static musl) and compares them side by side."
	fidelitySummary   = "allocbench fidelity checks allocbench's churn workload against glibc's own bench-malloc-thread, which it reproduces."
	execSummary       = "allocbench exec runs a program several times under each allocator, interleaved in rounds, and compares its wall time, CPU time, futex time and memory."
	helpSummary       = "allocbench help shows the help of allocbench or of one of its commands."
)

// writeMainUsage is the main job's -h, before its flags.
func writeMainUsage(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nusage: allocbench [flags]\n       allocbench <command> [flags] [args]\n\ncommands:\n", mainSummary)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
"allocbench help <command>" shows a command's flags.

The main job installs what it lacks (a C compiler, musl-gcc, the allocator
libraries, what the musl builds need) with the system's package manager
(apt-get or apk), which needs root, and says what it installs; with
-no-install it installs nothing and prints the install command instead.
Results go to <-o>/<timestamp>/; the exit status is 0 when every cell ran,
1 on a failure, 2 for bad usage, 3 when some cells failed and 130 when a
signal stopped the run.

flags:
`)
}

// runHelp is `allocbench help [command]`: the -h of allocbench or of the
// command, on stdout.
func runHelp(args []string, stdout io.Writer) error {
	switch {
	case len(args) == 0:
		return run([]string{"-h"}, stdout, stdout)
	case len(args) > 1:
		return usage.Errorf("help takes one command at most, not %q (commands: %s)", strings.Join(args, " "), commandNames())
	case args[0] == "help", args[0] == "-h", args[0] == "-help", args[0] == "--help":
		fmt.Fprintf(stdout, "%s\n\nusage: allocbench help [command]\n\ncommands: %s\n", helpSummary, commandNames())
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return run([]string{args[0], "-h"}, stdout, stdout)
		}
	}
	return usage.Errorf("help: unknown command %q%s (commands: %s)", args[0], suggest.DidYouMean(args[0], commandList()), commandNames())
}

// exitCode is the exit status for what run returned: 2 for a usage error,
// 3 when cells failed, 130 when a signal stopped the run, 1 otherwise.
func exitCode(err error) int {
	var c cellsFailedError
	var i interruptedError
	switch {
	case err == nil:
		return 0
	case usage.Is(err):
		return usage.ExitCode
	case errors.As(err, &c):
		return 3
	case errors.As(err, &i):
		return 130
	}
	return 1
}
