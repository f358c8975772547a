// Package debsrc fetches Debian source packages with apt-get from the
// machine's own mirrors, through a private source list (the system's deb
// entries for its release, made deb-src) and a package index of its own in
// a cache directory, so that the system's APT configuration is not
// touched. It also holds what the builds from those sources share: their
// commands as steps whose errors name what failed and show the end of its
// output, Debian version strings, and a cache directory's lock.
//
//	apt, err := debsrc.Private(filepath.Join(cacheDir, "apt"), debsrc.DefaultSystem())
//	_, err = debsrc.Exec(ctx, apt.Update())
//	_, err = debsrc.Exec(ctx, apt.Download(dir, "glibc=2.36-9+deb12u10"))
package debsrc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/allocbench/allocbench/internal/infra/aptsources"
)

// System says where the machine's APT configuration and release are read.
type System struct {
	EtcApt    string // /etc/apt
	OSRelease string // /etc/os-release
}

// DefaultSystem is the machine's own: /etc/apt and /etc/os-release.
func DefaultSystem() System {
	return System{EtcApt: "/etc/apt", OSRelease: "/etc/os-release"}
}

// Apt is a private APT configuration: a source list and a package index in
// a directory of their own. Its steps are to be run by the caller.
type Apt struct {
	// Entries are the deb-src entries of the private source list.
	Entries []aptsources.Entry
	opts    []string
}

// Private writes, under dir, a source list of deb-src entries for the
// system's mirrors of its release, and returns the configuration that
// uses it. Run its Update step before the others.
func Private(dir string, sys System) (*Apt, error) {
	return private(dir, sys, "")
}

// otherReleases pairs each Debian release with the one a source package
// missing from its archive is looked for in next: the release after it, or
// for the newest the one before.
var otherReleases = map[string]string{"bullseye": "bookworm", "bookworm": "trixie", "trixie": "bookworm"}

// OtherRelease is the Debian release whose sources stand in for the
// system's when the system's version of a package cannot be fetched
// ("trixie" on bookworm, "bookworm" on trixie), or "" when there is none.
func OtherRelease(sys System) string {
	osr, _ := os.ReadFile(sys.OSRelease)
	return otherReleases[osCodename(string(osr))]
}

// PrivateRelease is Private for another release of the same distribution,
// on the same mirrors: the system's suites with their codename changed to
// codename ("bookworm-updates" becomes "trixie-updates").
func PrivateRelease(dir string, sys System, codename string) (*Apt, error) {
	return private(dir, sys, codename)
}

func private(dir string, sys System, other string) (*Apt, error) {
	system, err := aptsources.Read(sys.EtcApt)
	if err != nil {
		return nil, fmt.Errorf("reading the system's APT sources: %w", err)
	}
	osr, _ := os.ReadFile(sys.OSRelease)
	codename := osCodename(string(osr))
	entries := sourceEntries(system, codename)
	if len(entries) == 0 {
		return nil, fmt.Errorf("no enabled deb entry for %q in %s/sources.list or %s/sources.list.d to take Debian's source packages from",
			codename, sys.EtcApt, sys.EtcApt)
	}
	if other != "" {
		if codename == "" {
			return nil, fmt.Errorf("cannot tell this system's release from %s, so not %s's suites", sys.OSRelease, other)
		}
		entries = renameSuites(entries, codename, other)
	}
	parts := filepath.Join(dir, "sources.list.d")
	lists := filepath.Join(dir, "lists")
	for _, d := range []string{parts, filepath.Join(lists, "partial"), filepath.Join(dir, "cache")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := WriteFileAtomic(filepath.Join(parts, "allocbench-deb-src.sources"), []byte(formatDeb822(entries))); err != nil {
		return nil, err
	}
	return &Apt{Entries: entries, opts: []string{
		"-o", "Dir::Etc::SourceList=/dev/null",
		"-o", "Dir::Etc::SourceParts=" + parts,
		"-o", "Dir::State::Lists=" + lists,
		"-o", "Dir::Cache=" + filepath.Join(dir, "cache"),
	}}, nil
}

// Describe summarises the source list for a log line:
// "http://deb.debian.org/debian bookworm bookworm-updates main; ...".
func (a *Apt) Describe() string { return describeSources(a.Entries) }

// Argv is the apt-get command line with the private configuration.
func (a *Apt) Argv(args ...string) []string {
	return append(append([]string{"apt-get"}, a.opts...), args...)
}

// Update refreshes the private index.
func (a *Apt) Update() Step {
	return Step{What: "updating the private source index", Argv: a.Argv("update"), Fetch: true}
}

// Showsrc lists the versions of a source package in the private index
// (see ParseShowsrcVersions).
func (a *Apt) Showsrc(source string) Step {
	argv := append(append([]string{"apt-cache"}, a.opts...), "showsrc", source)
	return Step{What: "looking up " + source + " in the source index", Argv: argv, Fetch: true}
}

// Download fetches source packages ("glibc=2.36-9+deb12u10") into dir
// without unpacking them: the .dsc, the upstream tarball and Debian's
// changes, their checksums checked by apt-get.
func (a *Apt) Download(dir string, packages ...string) Step {
	return Step{
		What: "fetching the source packages",
		Argv: a.Argv(append([]string{"--download-only", "--only-source", "source"}, packages...)...),
		Dir:  dir, Fetch: true,
	}
}

// Lock takes the lock of a cache directory (dir/.lock), so that two builds
// do not work on the same entry or private index at once; waiting is
// called once if another holds it. It gives up when ctx ends.
func Lock(ctx context.Context, dir string, waiting func()) (unlock func(), err error) {
	path := filepath.Join(dir, ".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	said := false
	for {
		locked, err := tryLock(f)
		if locked {
			return func() { releaseLock(f); f.Close() }, nil
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !said && waiting != nil {
			waiting()
			said = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// WriteFileAtomic replaces path with data through a temporary file.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// CacheDir is $XDG_CACHE_HOME/allocbench/<name>, or
// ~/.cache/allocbench/<name>: where a build from Debian sources keeps what
// it made.
func CacheDir(name string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the %s build: it goes in $XDG_CACHE_HOME/allocbench/%s or $HOME/.cache/allocbench/%s, and neither XDG_CACHE_HOME nor HOME is set; set one of them (HOME=/root for root)", name, name, name)
	}
	return filepath.Join(dir, "allocbench", name), nil
}

// ResolveCacheDir is dir made absolute, or CacheDir(name) when dir is
// empty.
func ResolveCacheDir(dir, name string) (string, error) {
	if dir == "" {
		return CacheDir(name)
	}
	return filepath.Abs(dir)
}
