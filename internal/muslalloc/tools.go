package muslalloc

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/allocbench/allocbench/internal/debsrc"
)

// tool is a command the build runs and the packages that provide it.
type tool struct {
	Cmd string
	// Apt and Apk name the Debian/Ubuntu and Alpine packages.
	Apt, Apk string
}

// baseTools are needed for every build; autoconf only when a jemalloc
// tarball comes without its configure script.
var (
	baseTools = []tool{
		{Cmd: "gcc", Apt: "gcc", Apk: "gcc"},
		// Alpine has no musl-gcc wrapper: its gcc targets musl already.
		{Cmd: "musl-gcc", Apt: "musl-tools"},
		{Cmd: "make", Apt: "make", Apk: "make"},
		{Cmd: "ar", Apt: "binutils", Apk: "binutils"},
		{Cmd: "nm", Apt: "binutils", Apk: "binutils"},
		{Cmd: "dpkg-source", Apt: "dpkg-dev", Apk: "dpkg-dev"},
	}
	autoconfTool = tool{Cmd: "autoconf", Apt: "autoconf", Apk: "autoconf"}
)

// Package managers Build knows how to install tools with.
const (
	pmApt = "apt-get"
	pmApk = "apk"
)

// MissingTools lists the commands a build needs that are not on PATH, e.g.
// ["musl-gcc", "dpkg-source"]. apt-get itself, which fetches the sources,
// is not listed: nothing can install it.
func MissingTools() []string {
	var out []string
	for _, t := range missingTools(baseTools, exec.LookPath) {
		out = append(out, t.Cmd)
	}
	return out
}

// InstallCommand is the command that installs the packages providing the
// named tools on this system (Debian/Ubuntu or Alpine), e.g.
// "apt-get install -y --no-install-recommends musl-tools dpkg-dev"; "" when
// there is no package manager Build knows.
func InstallCommand(tools []string) string {
	var ts []tool
	for _, name := range tools {
		t, ok := toolByName(name)
		if !ok {
			t = tool{Cmd: name, Apt: name, Apk: name}
		}
		ts = append(ts, t)
	}
	text, _ := installCommand(packageManager(exec.LookPath), ts)
	return text
}

func toolByName(name string) (tool, bool) {
	for _, t := range append(baseTools, autoconfTool) {
		if t.Cmd == name {
			return t, true
		}
	}
	return tool{}, false
}

func missingTools(tools []tool, lookPath func(string) (string, error)) []tool {
	var out []tool
	for _, t := range tools {
		if _, err := lookPath(t.Cmd); err != nil {
			out = append(out, t)
		}
	}
	return out
}

func packageManager(lookPath func(string) (string, error)) string {
	for _, pm := range []string{pmApt, pmApk} {
		if _, err := lookPath(pm); err == nil {
			return pm
		}
	}
	return ""
}

// packagesFor lists, once each and in order, the packages of pm that
// provide tools.
func packagesFor(pm string, tools []tool) []string {
	var out []string
	for _, t := range tools {
		p := t.Apt
		if pm == pmApk {
			p = t.Apk
		}
		if p != "" && !contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// installCommand is the command, as text and as argv, that installs the
// packages providing tools with pm.
func installCommand(pm string, tools []tool) (string, []string) {
	pkgs := packagesFor(pm, tools)
	if len(pkgs) == 0 {
		return "", nil
	}
	var argv []string
	switch pm {
	case pmApt:
		argv = append([]string{"apt-get", "install", "-y", "--no-install-recommends"}, pkgs...)
	case pmApk:
		argv = append([]string{"apk", "add", "--no-cache"}, pkgs...)
	default:
		return "", nil
	}
	return strings.Join(argv, " "), argv
}

func toolNames(tools []tool, pm string) string {
	var parts []string
	for _, t := range tools {
		p := t.Apt
		if pm == pmApk {
			p = t.Apk
		}
		if p == "" {
			parts = append(parts, t.Cmd)
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (package %s)", t.Cmd, p))
	}
	return strings.Join(parts, ", ")
}

// ensureTools installs the packages providing the missing tools, when it
// may: as root, with a known package manager, and without NoInstall.
// Otherwise it returns an error that gives the command to run.
func (b *builder) ensureTools(ctx context.Context, tools []tool) error {
	missing := missingTools(tools, b.lookPath)
	if len(missing) == 0 {
		return nil
	}
	pm := packageManager(b.lookPath)
	text, argv := installCommand(pm, missing)
	if text == "" {
		return fmt.Errorf("missing %s, and no package manager here that provides them", toolNames(missing, pmApt))
	}
	switch {
	case b.opts.NoInstall:
		return fmt.Errorf("missing %s; install them with: %s", toolNames(missing, pm), text)
	case b.euid != 0:
		return fmt.Errorf("missing %s; install them as root with: %s", toolNames(missing, pm), text)
	}
	b.logf("installing %s (%s)", strings.Join(packagesFor(pm, missing), " "), text)
	env := []string{"DEBIAN_FRONTEND=noninteractive"}
	_, err := b.run(ctx, debsrc.Step{What: "installing build tools", Argv: argv, Env: env})
	if err != nil && pm == pmApt && mayNeedUpdate(err) {
		// The system's package lists are empty or stale (a fresh
		// container): refresh them once and try again.
		b.logf("refreshing the system's package lists (apt-get update)")
		if _, uerr := b.run(ctx, debsrc.Step{What: "refreshing package lists", Argv: []string{"apt-get", "update"}, Env: env}); uerr != nil {
			return uerr
		}
		_, err = b.run(ctx, debsrc.Step{What: "installing build tools", Argv: argv, Env: env})
	}
	if err != nil {
		return err
	}
	if still := missingTools(tools, b.lookPath); len(still) > 0 {
		return fmt.Errorf("%s ran, but %s are still missing", text, toolNames(still, pm))
	}
	return nil
}

func mayNeedUpdate(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Unable to locate package") || strings.Contains(s, "has no installation candidate")
}
