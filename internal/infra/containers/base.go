package containers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/infra/aptsources"
	"github.com/allocbench/allocbench/internal/infra/distro"
)

// DefaultMirror is the Debian mirror used when the host names none.
const DefaultMirror = "http://deb.debian.org/debian"

// BaseOptions control BuildLocalBase.
type BaseOptions struct {
	Mirror    string    // Debian mirror; "" reads the host's apt sources (HostMirror)
	Rebuild   bool      // build even when the tag exists already
	NoInstall bool      // never apt-get install debootstrap: fail with the command instead
	WorkDir   string    // where the temporary root file system goes; "" for os.TempDir()
	Log       io.Writer // progress and command output; nil for none
}

// BuildLocalBase makes a Debian base image without a registry: debootstrap
// (minbase, with the distribution's allocator packages and ca-certificates
// installed already, so nothing in a container needs the network) into a
// temporary root file system, imported with `docker import` as
// allocbench-base/debian:<12|13>. suite is bookworm or trixie (or the label
// debian12/debian13). An existing tag is reused unless opts.Rebuild. It
// needs root; debootstrap is installed with apt-get when missing unless
// opts.NoInstall.
func BuildLocalBase(ctx context.Context, suite string, opts BaseOptions) (image string, err error) {
	d, err := lookupSuite(suite)
	if err != nil {
		return "", err
	}
	image = d.LocalBaseImage()
	if !opts.Rebuild {
		ok, err := imageExists(ctx, image)
		if err != nil {
			return "", err
		}
		if ok {
			logf(opts.Log, "%s exists: reusing it (Rebuild makes it anew)\n", image)
			return image, nil
		}
	}
	mirror := opts.Mirror
	if mirror == "" {
		mirror = HostMirror()
	}
	include := strings.Join(d.Packages, ",")
	dbsArgs := []string{"--variant=minbase", "--include=" + include, d.LocalSuite}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("building %s needs root (debootstrap chroots and creates device files): run as root, or by hand:\n"+
			"  sudo debootstrap %s ROOTFS %s && sudo tar -C ROOTFS -c . | docker import - %s", image, strings.Join(dbsArgs, " "), mirror, image)
	}
	debootstrap, err := ensureDebootstrap(ctx, opts)
	if err != nil {
		return "", err
	}
	rootfs, err := os.MkdirTemp(opts.WorkDir, "allocbench-rootfs-"+d.LocalSuite+"-")
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := removeRootfs(rootfs); cerr != nil && err == nil {
			err = cerr
		}
	}()
	start := time.Now()
	args := []string{"--variant=minbase", "--include=" + include, d.LocalSuite, rootfs, mirror}
	if err := run(ctx, opts.Log, nil, debootstrap, args...); err != nil {
		return "", fmt.Errorf("debootstrap %s from %s: %w", d.LocalSuite, mirror, err)
	}
	logf(opts.Log, "debootstrap %s took %s\n", d.LocalSuite, time.Since(start).Round(time.Second))
	// The downloaded .debs are installed now: leave them out of the image.
	if debs, _ := filepath.Glob(filepath.Join(rootfs, "var/cache/apt/archives/*.deb")); len(debs) > 0 {
		for _, f := range debs {
			os.Remove(f)
		}
	}
	start = time.Now()
	if err := importRootfs(ctx, rootfs, image, d, mirror, opts.Log); err != nil {
		return "", err
	}
	logf(opts.Log, "docker import %s took %s\n", image, time.Since(start).Round(time.Second))
	return image, nil
}

// lookupSuite finds the distribution BuildLocalBase can make for suite, a
// Debian codename or a label.
func lookupSuite(suite string) (Distro, error) {
	var valid []string
	for _, d := range Distros() {
		if d.LocalSuite == "" {
			continue
		}
		if suite == d.LocalSuite || suite == d.Label {
			return d, nil
		}
		valid = append(valid, d.LocalSuite+" ("+d.Label+")")
	}
	return Distro{}, fmt.Errorf("no local base for suite %q (valid: %s)", suite, strings.Join(valid, ", "))
}

// importRootfs pipes `tar -C rootfs -c .` into `docker import - image`.
func importRootfs(ctx context.Context, rootfs, image string, d Distro, mirror string, log io.Writer) error {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	tar := exec.CommandContext(ctx, "tar", "--numeric-owner", "--one-file-system", "-C", rootfs, "-c", ".")
	tar.Stdout = pw
	var tarErr tailBuffer
	tar.Stderr = &tarErr
	if err := tar.Start(); err != nil {
		pr.Close()
		pw.Close()
		return fmt.Errorf("tar: %w", err)
	}
	pw.Close()
	ierr := run(ctx, log, pr, "docker", "import",
		"--change", fmt.Sprintf("LABEL allocbench.base=%q allocbench.suite=%q allocbench.mirror=%q", d.Label, d.LocalSuite, mirror),
		"--change", `CMD ["/bin/bash"]`,
		"-", image)
	pr.Close()
	terr := tar.Wait()
	if terr != nil {
		return fmt.Errorf("tar -C %s -c .: %v: %s", rootfs, terr, lastLines(tarErr.String(), 5))
	}
	return ierr
}

// ensureDebootstrap returns debootstrap's path, installing it when it is
// missing (as root, unless opts.NoInstall).
func ensureDebootstrap(ctx context.Context, opts BaseOptions) (string, error) {
	find := func() string {
		if p, err := exec.LookPath("debootstrap"); err == nil {
			return p
		}
		for _, p := range []string{"/usr/sbin/debootstrap", "/sbin/debootstrap"} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		return ""
	}
	if p := find(); p != "" {
		return p, nil
	}
	if _, err := distro.NewInstaller().Ensure(ctx, []distro.Need{distro.Debootstrap}, distro.Options{NoInstall: opts.NoInstall, Log: opts.Log}); err != nil {
		return "", fmt.Errorf("debootstrap: %w", err)
	}
	if p := find(); p != "" {
		return p, nil
	}
	return "", errors.New("debootstrap is missing, and this distribution has no package of it (local Debian bases are built on Debian or Ubuntu hosts)")
}

// removeRootfs removes a debootstrap target, first detaching anything still
// mounted inside it (debootstrap mounts /proc and /sys there and may leave
// them behind when it fails); it refuses to remove a tree with mounts left.
func removeRootfs(dir string) error {
	mounts, err := mountsUnder(dir)
	if err == nil && len(mounts) > 0 {
		for _, m := range mounts { // deepest first
			detach(m)
		}
		mounts, err = mountsUnder(dir)
	}
	if err != nil {
		return fmt.Errorf("not removing %s: cannot read the mount table: %w", dir, err)
	}
	if len(mounts) > 0 {
		return fmt.Errorf("not removing %s: still mounted inside it: %s", dir, strings.Join(mounts, ", "))
	}
	return os.RemoveAll(dir)
}

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dir = filepath.Clean(dir)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		mp := unescapeMount(fields[1])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, sc.Err()
}

// unescapeMount undoes the octal escapes (\040 for a space) of /proc/mounts.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%3o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// aptRoot is where HostMirror reads the apt sources from.
var aptRoot = "/etc/apt"

// HostMirror returns the Debian mirror the host's apt is configured with
// (sources.list, then sources.list.d/*.list and *.sources in name order, as
// apt reads them): the first enabled "deb" source of a Debian suite that is
// not the security archive. It returns DefaultMirror when there is none.
func HostMirror() string {
	if m, ok := mirrorFrom(aptRoot); ok {
		return m
	}
	return DefaultMirror
}

// mirrorFrom reads the apt sources under root (an /etc/apt directory). What
// cannot be read is passed over: any mirror found will do.
func mirrorFrom(root string) (string, bool) {
	sources, _ := aptsources.Read(root)
	return pickDebianMirror(sources)
}

// debianSuites are the suite names (before any -updates, -backports suffix)
// of the Debian archive.
var debianSuites = map[string]bool{
	"stretch": true, "buster": true, "bullseye": true, "bookworm": true, "trixie": true,
	"forky": true, "duke": true, "sid": true, "experimental": true,
	"oldoldstable": true, "oldstable": true, "stable": true, "testing": true, "unstable": true,
}

// pickDebianMirror returns the URI of the first enabled deb source of a
// Debian suite that is not the security archive.
func pickDebianMirror(sources []aptsources.Entry) (string, bool) {
	for _, s := range sources {
		if !s.Enabled || !s.HasType("deb") {
			continue
		}
		for _, uri := range s.URIs {
			u, err := url.Parse(uri)
			if err != nil {
				continue
			}
			switch u.Scheme {
			case "http", "https", "ftp", "file":
			default:
				continue
			}
			if strings.Contains(u.Path, "debian-security") {
				continue
			}
			for _, suite := range s.Suites {
				if strings.Contains(suite, "security") || strings.Contains(suite, "/") {
					continue
				}
				base, _, _ := strings.Cut(suite, "-")
				if debianSuites[base] {
					return uri, true
				}
			}
		}
	}
	return "", false
}
