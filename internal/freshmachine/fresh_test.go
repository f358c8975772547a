package freshmachine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/infra/containers"
	"github.com/allocbench/allocbench/internal/infra/debsrc"
	"github.com/allocbench/allocbench/internal/infra/distro"
)

// freshTimeout bounds one distribution's run: installing, building the
// command and both variants (and jemalloc and mimalloc for musl) with an
// empty Go build cache, and the quick matrix.
const freshTimeout = 30 * time.Minute

// TestREADMEOnFreshDebian runs the README's first command with -quick, as
// root, from a clean clone, in fresh Debian 12 and 13 containers that have
// nothing beyond debootstrap's minbase and the host's Go toolchain
// (mounted read-only). It expects exit status 0 and result files whose rows
// cover every allocator of both variants, and logs how the time went.
func TestREADMEOnFreshDebian(t *testing.T) {
	if testing.Short() {
		t.Skip("debootstraps Debian and runs the main job in containers; skipped with -short")
	}
	if err := containers.CheckDocker(context.Background()); err != nil {
		need(t, false, "no Docker engine: %v", err)
	}
	need(t, os.Geteuid() == 0, "debootstrap needs root")
	_, err := findDebootstrap()
	need(t, err == nil, "%v", err)
	root := repoRoot(t)
	command := append(readmeFirstCommand(t, root), "-quick")
	require.Equal(t, []string{"go", "run", "./cmd/allocbench", "-quick"}, command, "the README's first command, quick")

	for _, suite := range []string{"bookworm", "trixie"} {
		t.Run(suite, func(t *testing.T) {
			image := minbaseImage(t, suite)
			checkPackageNames(t, image, suite)
			dir := t.TempDir()
			src := cleanClone(t, dir)
			start := time.Now()
			log, err := runInContainer(t, image, src, command)
			total := time.Since(start)
			if err != nil {
				t.Fatalf("%s in %s: %v\n%s", strings.Join(command, " "), image, err, tail(log, 80))
			}
			p := readPhases(t, log)
			t.Logf("%s: %d cells; wall %s: install %s, build %s (test binaries), run %s, the rest (go run compiling the command, summary) %s",
				suite, p.cells, total.Round(time.Second), p.install, p.build, p.run, (total - p.install - p.build - p.run).Round(time.Second))
			assert.NotZero(t, p.install, "a minbase system lacks the compiler and the allocators: the job installs them")
			want := allocsByVariant(release(t, suite).Label)
			if why := sourcesUnavailable(log); why != "" {
				// Not the project's failure: the archive reached from here
				// lacks the files. Everything else is still required.
				t.Logf("%s: the musl variant runs without jemalloc and mimalloc, whose Debian sources the archive reached from here does not serve: %s", suite, why)
				want["musl"] = []string{"libc", "floor"}
			}
			checkResults(t, resultsDir(t, filepath.Join(src, "results")), want)
			if t.Failed() {
				t.Logf("notes:\n%s\noutput:\n%s", grepLines(log, "note:", "muslalloc:", "FAIL"), tail(log, 80))
			}
		})
	}
}

// sourcesUnavailable returns the archive's answer when the musl builds of
// jemalloc and mimalloc failed because the Debian archive does not serve
// their source files (404), "" otherwise.
func sourcesUnavailable(log string) string {
	if !strings.Contains(log, "jemalloc and mimalloc could not be built for musl") || !strings.Contains(log, "fetching the source packages") {
		return ""
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "E: Failed to fetch") && strings.Contains(line, "404") {
			_, after, _ := strings.Cut(line, "E: ")
			return after
		}
	}
	return ""
}

// grepLines returns the lines of s that contain any of words.
func grepLines(s string, words ...string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// checkPackageNames asks the suite's archive, from a fresh container,
// about every package the distribution table names for the release: each
// must have a candidate.
func checkPackageNames(t *testing.T, image, suite string) {
	t.Helper()
	rel := release(t, suite)
	names := rel.PackageNames(append(distro.Needs(), distro.Allocators()...)...)
	out, err := exec.Command("docker", append([]string{"run", "--rm", "--cpu-shares", "64", image,
		"sh", "-c", `apt-get update -qq >/dev/null && apt-cache policy "$@"`, "sh"}, names...)...).CombinedOutput()
	require.NoError(t, err, "apt-cache policy in %s: %s", image, out)
	candidates := parsePolicy(string(out))
	for _, n := range names {
		c := candidates[n]
		assert.True(t, c != "" && c != "(none)", "%s: the table names %s, which the archive does not have (candidate %q)", rel.Name, n, c)
	}
}

// release is the table's Debian release of suite.
func release(t *testing.T, suite string) distro.Release {
	t.Helper()
	for _, r := range distro.Releases() {
		if r.ID == "debian" && r.Codename == suite {
			return r
		}
	}
	t.Fatalf("the table has no Debian %s", suite)
	return distro.Release{}
}

// parsePolicy reads `apt-cache policy a b ...`: each package's candidate.
func parsePolicy(out string) map[string]string {
	m := map[string]string{}
	name := ""
	for _, line := range strings.Split(out, "\n") {
		switch {
		case !strings.HasPrefix(line, " ") && strings.HasSuffix(line, ":"):
			name = strings.TrimSuffix(line, ":")
		case strings.HasPrefix(strings.TrimSpace(line), "Candidate:") && name != "":
			m[name] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "Candidate:"))
		}
	}
	return m
}

func findDebootstrap() (string, error) {
	if p, err := exec.LookPath("debootstrap"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/debootstrap", "/sbin/debootstrap"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("debootstrap is not installed (apt-get install debootstrap)")
}

// minbaseImage returns the tag of a docker image of Debian suite's minbase,
// imported from a tarball that debootstrap made once and that is cached
// under ~/.cache/allocbench/fresh; the image, once imported, is kept too.
func minbaseImage(t *testing.T, suite string) string {
	t.Helper()
	tag := "allocbench-fresh/debian:" + suite
	if exec.Command("docker", "image", "inspect", tag).Run() == nil {
		return tag
	}
	cache, err := debsrc.CacheDir("fresh")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(cache, 0o755))
	tarball := filepath.Join(cache, suite+"-minbase.tar")
	if _, err := os.Stat(tarball); err != nil {
		debootstrapTarball(t, suite, tarball)
	}
	out, err := exec.Command("docker", "import", "--change", `CMD ["/bin/bash"]`, tarball, tag).CombinedOutput()
	require.NoError(t, err, "docker import %s: %s", tarball, out)
	return tag
}

// debootstrapTarball makes tarball from `debootstrap --variant=minbase`.
func debootstrapTarball(t *testing.T, suite, tarball string) {
	t.Helper()
	debootstrap, err := findDebootstrap()
	require.NoError(t, err)
	rootfs, err := os.MkdirTemp("", "allocbench-fresh-"+suite+"-")
	require.NoError(t, err)
	defer removeRootfs(t, rootfs)
	mirror := containers.HostMirror()
	start := time.Now()
	out, err := exec.Command(debootstrap, "--variant=minbase", suite, rootfs, mirror).CombinedOutput()
	require.NoError(t, err, "debootstrap --variant=minbase %s from %s:\n%s", suite, mirror, tail(string(out), 30))
	tmp := tarball + ".tmp"
	out, err = exec.Command("tar", "--numeric-owner", "--one-file-system", "-C", rootfs, "-cf", tmp, ".").CombinedOutput()
	require.NoError(t, err, "tar: %s", out)
	require.NoError(t, os.Rename(tmp, tarball))
	t.Logf("debootstrap --variant=minbase %s took %s; cached as %s", suite, time.Since(start).Round(time.Second), tarball)
}

// removeRootfs removes a debootstrap target unless something is still
// mounted inside it (debootstrap mounts /proc and /sys there, and a failed
// run may leave them): then it says so and leaves it.
func removeRootfs(t *testing.T, dir string) {
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Errorf("not removing %s: %v", dir, err)
		return
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 1 && (f[1] == dir || strings.HasPrefix(f[1], dir+"/")) {
			exec.Command("umount", "--recursive", "--lazy", dir).Run()
			t.Errorf("%s was still mounted inside %s: unmounted it, and left the directory", f[1], dir)
			return
		}
	}
	os.RemoveAll(dir)
}

// runInContainer runs command in a fresh container of image as root, in the
// clone src (mounted at /src), with the host's Go toolchain mounted
// read-only and Go modules from the host's module cache (as a read-only
// file proxy) or the host's GOPROXY. It returns the output, each line with
// the time it came.
func runInContainer(t *testing.T, image, src string, command []string) (string, error) {
	t.Helper()
	goroot := goEnv(t, "GOROOT")
	modcache := filepath.Join(goEnv(t, "GOMODCACHE"), "cache", "download")
	proxy := "file:///hostmods"
	if p := goEnv(t, "GOPROXY"); p != "" && p != "off" {
		proxy += "," + p
	}
	name := fmt.Sprintf("allocbench-fresh-%d-%d", os.Getpid(), time.Now().UnixNano())
	args := []string{"run", "--rm", "--name", name,
		// Yields to other work on the machine; alone, it runs at full speed.
		"--cpu-shares", "64",
		"-v", goroot + ":/usr/local/go:ro",
		"-v", modcache + ":/hostmods:ro",
		"-v", src + ":/src",
		"-w", "/src",
		"-e", "PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"-e", "HOME=/root",
		"-e", "GOPROXY=" + proxy,
		"-e", "GOSUMDB=" + goEnv(t, "GOSUMDB"),
		"-e", "GOTOOLCHAIN=local",
		image}
	args = append(args, command...)
	ctx, cancel := context.WithTimeout(context.Background(), freshTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	// Killing the docker client leaves the container running: remove it.
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
	logPath := filepath.Join(t.TempDir(), "output.log")
	f, err := os.Create(logPath)
	require.NoError(t, err)
	defer f.Close()
	log := &timedLog{start: time.Now(), file: f}
	cmd.Stdout, cmd.Stderr = log, log
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %s: %w", freshTimeout, ctx.Err())
	}
	return log.String(), err
}
