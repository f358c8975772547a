package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
)

const modulePath = "github.com/allocbench/allocbench"

// buildInfo is the running binary's build information; tests replace it.
var buildInfo = debug.ReadBuildInfo

// moduleRoot finds the allocbench source that the test binaries are built
// from: the checkout the command runs in; else, for a binary installed with
// `go install .../allocbench@<version>`, that version's own source, which
// `go mod download` fetches into the module cache (saying so on log). A
// (devel) build run outside a checkout gets an error that says what to do.
func moduleRoot(ctx context.Context, log io.Writer) (string, error) {
	if _, err := exec.LookPath("go"); err != nil {
		return "", errors.New("allocbench builds its test binaries with the go command, which is not on the PATH: install Go, or put its bin directory on the PATH")
	}
	dir, notCheckout := checkoutRoot(ctx)
	if notCheckout == nil {
		return dir, nil
	}
	bi, ok := buildInfo()
	if !ok || bi.Main.Path != modulePath {
		return "", fmt.Errorf("%v: run allocbench from its checkout", notCheckout)
	}
	v := bi.Main.Version
	switch {
	case v == "" || v == "(devel)":
		return "", fmt.Errorf("%v, and this allocbench is a (devel) build, made in a source tree rather than installed at a version, so it cannot fetch its own source: "+
			"run it from its checkout (go run ./cmd/allocbench), %s", notCheckout, installAdvice(ctx))
	case strings.Contains(v, "+"):
		return "", fmt.Errorf("%v, and this allocbench was built from a checkout with uncommitted changes (version %s), whose source no module proxy has: "+
			"run it from that checkout, %s", notCheckout, v, installAdvice(ctx))
	}
	dir, err := downloadModule(ctx, v)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(log, "allocbench: %v; building the test binaries from this binary's own version, %s@%s, in %s\n", notCheckout, modulePath, v, dir)
	return dir, nil
}

// checkoutRoot returns the root of the allocbench checkout the current
// directory is in, or why it is in none.
func checkoutRoot(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Path}} {{.Dir}}")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	wd, _ := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("the current directory %s is not in an allocbench checkout (go list -m: %s)", wd, firstLine(stderr.String(), err))
	}
	path, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if dir == "" {
		// Outside any module go list -m names no directory (and calls the
		// module command-line-arguments).
		return "", fmt.Errorf("the current directory %s is not in an allocbench checkout (no go.mod here or above)", wd)
	}
	if path != modulePath {
		return "", fmt.Errorf("the current directory %s is in module %s, not in an allocbench checkout", wd, path)
	}
	return dir, nil
}

// downloadModule fetches allocbench's source at version into the module
// cache with `go mod download -json` and returns its directory there.
func downloadModule(ctx context.Context, version string) (string, error) {
	target := modulePath + "@" + version
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", target)
	// Outside any module, so that the user's current one plays no part.
	cmd.Dir = os.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var m struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &m); jerr == nil && m.Error != "" {
		return "", fmt.Errorf("fetching this binary's own source, %s: %s (go mod download takes it from the module proxies in GOPROXY; "+
			"a binary installed from a local checkout has a version no proxy has: run it from that checkout)", target, m.Error)
	}
	if err != nil {
		return "", fmt.Errorf("fetching this binary's own source: go mod download -json %s: %s", target, firstLine(stderr.String(), err))
	}
	if m.Dir == "" {
		return "", fmt.Errorf("fetching this binary's own source: go mod download -json %s named no directory", target)
	}
	return m.Dir, nil
}

// firstLine is the first line of a command's stderr, or its error.
func firstLine(stderr string, err error) string {
	if s, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n"); s != "" {
		return s
	}
	return err.Error()
}
