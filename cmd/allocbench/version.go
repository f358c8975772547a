package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/usage"
)

const versionSummary = "allocbench version prints the module version and the version control revision this allocbench was built from."

// runVersion is `allocbench version`: the build information of this
// binary, read with debug.ReadBuildInfo; it asks no network.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("allocbench version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nusage: allocbench version\n", versionSummary)
	}
	if err := usage.Parse(fs, args, shortUsage(fs.Name())); err != nil {
		return usage.Wrap(err)
	}
	if fs.NArg() > 0 {
		return usage.Errorf("version takes no arguments, not %q\n%s", strings.Join(fs.Args(), " "), shortUsage(fs.Name()))
	}
	bi, ok := buildInfo()
	if !ok {
		return errors.New("this binary carries no build information")
	}
	_, err := io.WriteString(stdout, versionText(bi))
	return err
}

// versionText is what `allocbench version` prints:
//
//	allocbench v0.3.0
//	module github.com/allocbench/allocbench
//	revision 0123456789abcdef... 2026-12-03T08:00:00Z (uncommitted changes)
//	built with go1.26.0 for linux/amd64
func versionText(bi *debug.BuildInfo) string {
	var b strings.Builder
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	fmt.Fprintf(&b, "allocbench %s\n", v)
	if bi.Main.Path != "" {
		fmt.Fprintf(&b, "module %s\n", bi.Main.Path)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		line := "revision " + rev
		if t := settings["vcs.time"]; t != "" {
			line += " " + t
		}
		if settings["vcs.modified"] == "true" {
			line += " (uncommitted changes)"
		}
		b.WriteString(line + "\n")
	} else {
		b.WriteString("revision unknown: the build has no version control information (go run, go test and -buildvcs=false leave it out, as does a build outside a git clone)\n")
	}
	goos, goarch := settings["GOOS"], settings["GOARCH"]
	fmt.Fprintf(&b, "built with %s", bi.GoVersion)
	if goos != "" && goarch != "" {
		fmt.Fprintf(&b, " for %s/%s", goos, goarch)
	}
	b.WriteString("\n")
	return b.String()
}

// proxyVersions lists the released versions of allocbench that the module
// proxies in GOPROXY have, oldest first (go list -m -versions); tests
// replace it.
var proxyVersions = goListVersions

func goListVersions(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-versions", modulePath)
	// Outside any module, so that the user's current one plays no part.
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m -versions %s: %s", modulePath, firstLine(stderr.String(), err))
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 || fields[0] != modulePath {
		return nil, fmt.Errorf("go list -m -versions %s printed %q", modulePath, strings.TrimSpace(string(out)))
	}
	return fields[1:], nil
}

// installAdvice says how to get an allocbench that runs outside a checkout:
// go install at the newest version the module proxy has, or, where it has
// none, a clone to run it from.
func installAdvice(ctx context.Context) string {
	versions, err := proxyVersions(ctx)
	if err == nil && len(versions) > 0 {
		latest := versions[len(versions)-1]
		return fmt.Sprintf("or install a released version and run that: go install %s/cmd/allocbench@%s (the module proxy has %s)",
			modulePath, latest, strings.Join(versions, ", "))
	}
	why := "the module proxy has no released version of it to install"
	if err != nil {
		why = fmt.Sprintf("the module proxy could not be asked for a released version to install (%v)", err)
	}
	return fmt.Sprintf("or, as %s, clone it and run it from the clone: git clone https://%s && cd allocbench && go run ./cmd/allocbench",
		why, modulePath)
}
