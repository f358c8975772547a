package containers

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireDockerEnv set to anything fails the integration tests where docker
// does not answer, instead of skipping them.
const requireDockerEnv = "ALLOCBENCH_REQUIRE_DOCKER"

// labelsEnv lists the Debian labels TestLocalDebianImages builds; debian12
// when unset (debian13 is one more debootstrap, a few minutes).
const labelsEnv = "ALLOCBENCH_CONTAINER_LABELS"

func needDocker(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs docker images; skipped with -short")
	}
	if err := CheckDocker(t.Context()); err != nil {
		if os.Getenv(requireDockerEnv) != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	require.NoError(t, err, "docker %s: %s", strings.Join(args, " "), out)
	return string(out)
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// moduleRoot is the repository root, three levels up from this package.
func moduleRoot(t *testing.T) string {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// The local Debian bases build without a registry, hold the distribution's
// own allocators, and run the host-built glibc benchmark binary with no
// network.
func TestLocalDebianImages(t *testing.T) {
	needDocker(t)
	labels := []string{"debian12"}
	if v := os.Getenv(labelsEnv); v != "" {
		labels = strings.Fields(strings.ReplaceAll(v, ",", " "))
	}
	want := map[string]struct {
		codename, glibc string
		sonames         []string
	}{
		"debian12": {"bookworm", "2.36", []string{"libjemalloc.so.2", "libmimalloc.so.2", "libtcmalloc_minimal.so.4"}},
		"debian13": {"trixie", "2.41", []string{"libjemalloc.so.2", "libmimalloc.so.3", "libtcmalloc_minimal.so.4"}},
	}
	bin := filepath.Join(t.TempDir(), "glibc.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "./bench")
	build.Dir = moduleRoot(t)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the bench test binary: %s", out)

	for _, label := range labels {
		t.Run(label, func(t *testing.T) {
			w, ok := want[label]
			require.True(t, ok, "no expectations for %s", label)
			d, err := Lookup(label)
			require.NoError(t, err)
			if os.Geteuid() != 0 {
				if ok, _ := imageExists(t.Context(), d.LocalBaseImage()); !ok {
					t.Skipf("building %s needs root", d.LocalBaseImage())
				}
			}
			start := time.Now()
			img, err := BuildImage(t.Context(), label, ImageOptions{LocalBase: true, BaseOptions: BaseOptions{Log: testLog{t}}, Log: testLog{t}})
			require.NoError(t, err)
			t.Logf("%s ready in %s", img, time.Since(start).Round(time.Second))
			assert.Equal(t, "allocbench/"+label, img)
			assert.Equal(t, label, strings.TrimSpace(docker(t, "image", "inspect", "--format", `{{index .Config.Labels "allocbench.distro"}}`, img)))

			osr := docker(t, "run", "--rm", "--network", "none", img, "cat", "/etc/os-release")
			assert.Contains(t, osr, "VERSION_CODENAME="+w.codename)
			ldc := docker(t, "run", "--rm", "--network", "none", img, "ldconfig", "-p")
			for _, so := range w.sonames {
				assert.Contains(t, ldc, so+" ", "ldconfig -p in %s", img)
			}

			// The host's binary, bind-mounted, measures the container's glibc
			// and allocators.
			argv := append(RunPrefix(img, filepath.Dir(bin), RunOptions{CPUs: "1", Env: []string{"GOMAXPROCS=1"}}),
				BinMount+"/"+filepath.Base(bin), "-test.run", "^$",
				"-test.bench", "Workloads/workload=churn/alloc=(libc|jemalloc)/threads=2$", "-test.benchtime", "2000x")
			var stdout bytes.Buffer
			cmd := exec.CommandContext(t.Context(), argv[0], argv[1:]...)
			cmd.Stdout, cmd.Stderr = &stdout, &stdout
			require.NoError(t, cmd.Run(), "%s\n%s", strings.Join(argv, " "), stdout.String())
			s := stdout.String()
			t.Logf("%s:\n%s", img, s)
			assert.Regexp(t, `(?m)^libc: glibc$`, s)
			assert.Regexp(t, `(?m)^libc-version: `+regexp.QuoteMeta(w.glibc)+`$`, s)
			assert.Regexp(t, `(?m)^distro: .*`+w.codename, s)
			assert.Regexp(t, `(?m)^alloc-jemalloc: 5\.\S+ library=\S*libjemalloc\.so\.2`, s)
			assert.Regexp(t, `(?m)^cgroup-cpu-quota: `, s)
			assert.Regexp(t, `(?m)^gomaxprocs: 1$`, s, "the environment reaches the binary")
			assert.Regexp(t, `(?m)^BenchmarkWorkloads/workload=churn/alloc=jemalloc/threads=2\S*\s+2000\s`, s)
		})
	}
}

// The musl image is scratch plus a static binary, an os-release and /tmp;
// it runs the binary copied in and one bind-mounted like a benchmark cell.
func TestMuslImage(t *testing.T) {
	needDocker(t)
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to build a static test program")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "probe.c")
	require.NoError(t, os.WriteFile(src, []byte(`#include <stdio.h>
#include <sys/stat.h>
int main(void) {
	char buf[512];
	FILE *f = fopen("/etc/os-release", "r");
	if (!f) { perror("os-release"); return 1; }
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	fputs(buf, stdout);
	struct stat st;
	if (stat("/tmp", &st) != 0) { perror("stat /tmp"); return 1; }
	printf("tmp-mode=%o\n", st.st_mode & 07777);
	f = fopen("/tmp/probe", "w");
	if (!f || fputs("x", f) < 0 || fclose(f) != 0) { perror("write /tmp"); return 1; }
	if (stat("/proc/self/status", &st) != 0) { perror("/proc"); return 1; }
	puts("probe ok");
	return 0;
}
`), 0o644))
	bin := filepath.Join(dir, "probe")
	out, err := exec.Command(gcc, "-static", "-O1", "-o", bin, src).CombinedOutput()
	require.NoError(t, err, "gcc -static: %s", out)

	tag := "allocbench-test/musl-probe"
	require.NoError(t, BuildMuslImage(t.Context(), bin, tag))
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	assert.Equal(t, "musl", strings.TrimSpace(docker(t, "image", "inspect", "--format", `{{index .Config.Labels "allocbench.distro"}}`, tag)))

	s := docker(t, "run", "--rm", "--network", "none", tag, "/opt/allocbench/probe")
	assert.Contains(t, s, `PRETTY_NAME="scratch (static musl)"`)
	assert.Contains(t, s, "tmp-mode=1777")
	assert.Contains(t, s, "probe ok")

	argv := append(RunPrefix(tag, dir, RunOptions{Memory: "256m"}), BinMount+"/probe")
	out, err = exec.CommandContext(t.Context(), argv[0], argv[1:]...).CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(argv, " "), out)
	assert.Contains(t, string(out), "probe ok")
}

// The static musl build of the benchmarks runs in the scratch image and
// names it in its distro line.
func TestMuslBenchImage(t *testing.T) {
	needDocker(t)
	if _, err := exec.LookPath("musl-gcc"); err != nil {
		t.Skip("musl-gcc is not installed (apt-get install musl-tools)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "musl.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "-ldflags", "-linkmode external -extldflags -static", "./bench")
	build.Dir = moduleRoot(t)
	build.Env = append(os.Environ(), "CC=musl-gcc", "CGO_ENABLED=1")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the static musl binary: %s", out)

	tag := "allocbench-test/musl-bench"
	img, err := BuildImage(t.Context(), "musl", ImageOptions{StaticBinary: bin, Tag: tag})
	require.NoError(t, err)
	assert.Equal(t, tag, img)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })

	argv := append(RunPrefix(img, dir, RunOptions{CPUs: "2"}), BinMount+"/musl.test", "-test.run", "^$",
		"-test.bench", "Workloads/workload=churn/alloc=(libc|jemalloc)/threads=2$", "-test.benchtime", "2000x")
	out, err = exec.CommandContext(t.Context(), argv[0], argv[1:]...).CombinedOutput()
	s := string(out)
	require.NoError(t, err, "%s\n%s", strings.Join(argv, " "), s)
	t.Logf("%s:\n%s", img, s)
	assert.Regexp(t, `(?m)^libc: musl$`, s)
	assert.Regexp(t, `(?m)^distro: scratch \(static musl\)$`, s)
	assert.Regexp(t, `(?m)^BenchmarkWorkloads/workload=churn/alloc=libc/threads=2\S*\s+2000\s`, s)

	// The copy inside the image runs too.
	out, err = exec.CommandContext(t.Context(), "docker", "run", "--rm", "--network", "none", img,
		"/opt/allocbench/musl.test", "-test.run", "^$", "-test.bench", "Workloads/workload=churn/alloc=libc/threads=2$", "-test.benchtime", "100x").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "libc: musl")
}
