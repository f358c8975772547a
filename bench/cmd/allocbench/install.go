package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/allocbench/allocbench/alloc"
)

// requirement is something the build or the run needs, and the package
// that provides it on Debian/Ubuntu (apt) and Alpine (apk).
type requirement struct {
	what     string
	present  func() bool
	deb, apk string
}

func command(name string) func() bool {
	return func() bool { _, err := exec.LookPath(name); return err == nil }
}

// sharedLibrary reports whether the dynamic linker's cache knows soname.
func sharedLibrary(soname string) func() bool {
	return func() bool {
		out, err := exec.Command("/sbin/ldconfig", "-p").Output()
		return err == nil && strings.Contains(string(out), soname+" ")
	}
}

var (
	needGCC  = requirement{"gcc", command("gcc"), "gcc", "gcc"}
	needXz   = requirement{"xz", command("xz"), "xz-utils", "xz"}
	needMusl = requirement{"musl-gcc", command("musl-gcc"), "musl-tools", "musl-dev"}
)

// libraryRequirements are the shared libraries of the chosen allocators
// that a variant has, with their packages, from the allocators' records:
// release's package where the record names one, else Debian 12's (apt) and
// Alpine's (apk).
func libraryRequirements(have, chosen []string, release string) []requirement {
	var reqs []requirement
	for _, name := range chosen {
		s, err := alloc.Lookup(name)
		if err != nil || !s.Loadable() || s.User() || !contains(have, name) {
			continue
		}
		deb, okDeb := s.On(release)
		if !okDeb {
			deb, okDeb = s.On("debian12")
		}
		apk, okApk := s.On(release)
		if !okApk {
			apk, okApk = s.On("alpine321")
		}
		if !okDeb && !okApk {
			continue
		}
		soname := deb.Soname
		if soname == "" {
			soname = apk.Soname
		}
		reqs = append(reqs, requirement{soname, sharedLibrary(soname), deb.Package, apk.Package})
	}
	return reqs
}

// ensure installs what is missing, as root on apt or apk systems, saying
// what it installs; with noInstall, or where it cannot, it returns the exact
// command to run instead.
func ensure(ctx context.Context, reqs []requirement, noInstall bool, log io.Writer) error {
	var missing []requirement
	for _, r := range reqs {
		if !r.present() {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var what []string
	for _, r := range missing {
		what = append(what, r.what)
	}
	manager, args := installCommand(missing)
	if manager == "" {
		return fmt.Errorf("missing %s, and no apt-get or apk here to install it", strings.Join(what, ", "))
	}
	cmdline := manager + " " + strings.Join(args, " ")
	if noInstall || os.Geteuid() != 0 {
		why := "-no-install is set"
		if !noInstall {
			why = "not running as root"
		}
		return fmt.Errorf("missing %s (%s); install with: %s", strings.Join(what, ", "), why, cmdline)
	}
	fmt.Fprintf(log, "allocbench: missing %s; installing: %s\n", strings.Join(what, ", "), cmdline)
	if manager == "apt-get" {
		if out, err := exec.CommandContext(ctx, "apt-get", "update").CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get update: %v\n%s", err, tail(string(out), 1000))
		}
	}
	cmd := exec.CommandContext(ctx, manager, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", cmdline, err, tail(string(out), 1000))
	}
	for _, r := range missing {
		if !r.present() {
			return fmt.Errorf("installed %s but %s is still missing", cmdline, r.what)
		}
	}
	return nil
}

func installCommand(reqs []requirement) (string, []string) {
	var pkgs []string
	if _, err := exec.LookPath("apt-get"); err == nil {
		for _, r := range reqs {
			pkgs = append(pkgs, r.deb)
		}
		return "apt-get", append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)
	}
	if _, err := exec.LookPath("apk"); err == nil {
		for _, r := range reqs {
			pkgs = append(pkgs, r.apk)
		}
		return "apk", append([]string{"add"}, pkgs...)
	}
	return "", nil
}
