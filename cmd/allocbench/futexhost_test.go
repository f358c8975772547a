package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/futex"
	"github.com/allocbench/allocbench/internal/infra/containers"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/workloads"
)

// futexUnit is the unit of the futex time per op in result lines.
const futexUnit = results.FutexNsecPerOp

// kit is what the container tests of the futex methods run: the test
// binaries built here and the images they run in.
type kit struct {
	bins   map[string]string // variant → test binary
	images map[string]string // label → image
	host   *futexHost
}

// newKit builds the glibc and musl test binaries (musl's malloc and
// glibc's only), the images of labels, and starts the host tracer as the
// containers subcommand does.
func newKit(t *testing.T, labels ...string) *kit {
	t.Helper()
	needDocker(t)
	ctx := t.Context()
	o := options{variants: []string{"glibc", "musl"}, allocs: []string{alloc.Libc}}
	variants, _, dir, err := buildPrivate(ctx, o, testLog{t})
	if dir != "" {
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	require.NoError(t, err)
	k := &kit{bins: map[string]string{}, images: map[string]string{}}
	for _, v := range variants {
		k.bins[v.name] = v.argv[0]
	}
	for _, l := range labels {
		d, err := containers.Lookup(l)
		require.NoError(t, err)
		opts := containers.ImageOptions{LocalBase: true, Log: testLog{t}, BaseOptions: containers.BaseOptions{Log: testLog{t}}}
		if d.Context == "binary" {
			opts.StaticBinary = k.bins[d.Libc]
			opts.Tag = "allocbench-test/futex-" + l
			t.Cleanup(func() { exec.Command("docker", "rmi", "-f", opts.Tag).Run() })
		}
		img, err := containers.BuildImage(ctx, l, opts)
		require.NoError(t, err, "image %s", l)
		k.images[l] = img
	}
	k.host = startFutexHost(ctx, "auto", false)
	t.Cleanup(func() { assert.NoError(t, k.host.Close()) })
	if k.host.srv == nil {
		if os.Getenv("ALLOCBENCH_REQUIRE") != "" {
			t.Fatalf("no host tracer: %s", k.host.why)
		}
		t.Skipf("no host tracer: %s", k.host.why)
	}
	return k
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// containerArgv runs the binary of label's libc in label's image, as the
// containers subcommand does, with run's options.
func (k *kit) containerArgv(label string, run containers.RunOptions) []string {
	d, _ := containers.Lookup(label)
	bin := k.bins[d.Libc]
	run.Env = append(append([]string(nil), cellEnvNames...), run.Env...)
	return append(containers.RunPrefix(k.images[label], filepath.Dir(bin), run), containers.BinMount+"/"+filepath.Base(bin))
}

// hostRun is the host tracer's run options.
func (k *kit) hostRun() containers.RunOptions {
	var run containers.RunOptions
	k.host.runOptions(&run)
	return run
}

func cellOptions(benchtime string, timeout time.Duration) options {
	return options{count: 1, benchtime: benchtime, benchtimeSet: true, futex: "auto", timeout: timeout}
}

// metric reads the value of unit from a benchmark result line.
func metric(line, unit string) (float64, bool) {
	f := strings.Fields(line)
	for i := 2; i < len(f); i++ {
		if f[i] == unit {
			v, err := strconv.ParseFloat(f[i-1], 64)
			return v, err == nil
		}
	}
	return 0, false
}

func configValue(config []string, key string) string {
	for _, l := range config {
		if v, ok := strings.CutPrefix(l, key+": "); ok {
			return v
		}
	}
	return ""
}

// runFutex runs one cell and returns its futex time per op.
func runFutex(t *testing.T, argv []string, c cell, o options) (float64, outcome) {
	t.Helper()
	out := runCell(t.Context(), argv, c, o)
	require.NoError(t, out.err, "%s\n%s", strings.Join(argv, " "), out.tail)
	require.Len(t, out.results, 1, "%s", out.log)
	v, ok := metric(out.results[0], futexUnit)
	require.True(t, ok, "no %s in %s", futexUnit, out.results[0])
	return v, out
}

// The exact method, run on the host for a container's threads, agrees
// with the same method run inside the container, on the same windows: the
// container also gets -futex-tracing's privileges, and the bench package's
// TestFutexHostAgreement measures each of six runs both ways (musl's malloc
// on churn in the static musl image, a mutex hand-off in both images and
// under Debian 12's glibc); the medians agree within 10%.
//
// Then the comparison between runs, as a user makes it: the same cells
// alternately on the host (in-process method) and in the container (host
// tracer, no capability), six each, with their medians logged. On a loaded
// machine musl's futex time varies by orders of magnitude from run to run,
// so only the methods the files name are checked. A cell told that there is
// no host tracer falls back to the sampled estimate with the reason.
func TestContainersFutexFromHost(t *testing.T) {
	k := newKit(t, "musl", "debian12")
	agreement := regexp.MustCompile(`agreement: \S+ run \d+: in the container (\d+) ns in (\d+) calls, from the host (\d+) ns in (\d+) calls`)
	for _, tc := range []struct{ label, workload string }{{"musl", "churn"}, {"musl", "mutex"}, {"debian12", "mutex"}} {
		t.Run("same-windows/"+tc.label+"/"+tc.workload, func(t *testing.T) {
			run, note, err := tracingOptions(t.Context(), k.images[tc.label], tracingAdmin)
			require.NoError(t, err)
			t.Log(note)
			k.host.runOptions(&run)
			run.Env = []string{"ALLOCBENCH_TEST_HOST_AGREEMENT=" + tc.workload}
			argv := append(k.containerArgv(tc.label, run), "-test.run", "^TestFutexHostAgreement$", "-test.v", "-test.count", "1")
			out, err := exec.CommandContext(t.Context(), argv[0], argv[1:]...).CombinedOutput()
			require.NoError(t, err, "%s\n%s", strings.Join(argv, " "), out)
			require.Contains(t, string(out), "--- PASS: TestFutexHostAgreement", "%s", out)
			var inside, fromHost float64
			for _, m := range agreement.FindAllStringSubmatch(string(out), -1) {
				a, _ := strconv.ParseFloat(m[1], 64)
				b, _ := strconv.ParseFloat(m[3], 64)
				inside, fromHost = inside+a, fromHost+b
				t.Log(m[0])
			}
			require.Positive(t, inside)
			t.Logf("%s %s libc threads=2, six runs: futex time from the host / in the container = %.4f", tc.label, tc.workload, fromHost/inside)
		})
	}

	t.Run("separate-runs/musl/churn", func(t *testing.T) {
		c := cell{Label: "musl", Workload: "churn", Alloc: alloc.Libc, Threads: 2}
		o := cellOptions("300ms", 2*time.Minute)
		inside := k.containerArgv("musl", k.hostRun())
		assert.NotContains(t, inside, "--cap-add")
		assert.NotContains(t, inside, "--privileged")
		var onHost, fromHost []float64
		for i := range 6 {
			order := []bool{i%2 == 1, i%2 == 0}
			for _, container := range order {
				if container {
					v, out := runFutex(t, inside, c, o)
					fromHost = append(fromHost, v)
					assert.Equal(t, "tracepoint (host)", configValue(out.config, "futex-method"), "%s", out.config)
				} else {
					v, out := runFutex(t, []string{k.bins["musl"]}, c, o)
					onHost = append(onHost, v)
					assert.Equal(t, "tracepoint", configValue(out.config, "futex-method"))
				}
			}
		}
		t.Logf("musl churn libc threads=2, 300ms runs, alternating: %s on the host median %.4g (runs %v), in the container from the host median %.4g (runs %v)",
			futexUnit, median(onHost), onHost, median(fromHost), fromHost)
	})

	t.Run("fallback", func(t *testing.T) {
		argv := k.containerArgv("musl", containers.RunOptions{FutexHostUnavailable: "allocbench runs as uid 1000, not root"})
		out := runCell(t.Context(), argv, cell{Label: "musl", Workload: "churn", Alloc: alloc.Libc, Threads: 2}, cellOptions("2000x", time.Minute))
		require.NoError(t, out.err, out.tail)
		assert.Equal(t, "sampled", configValue(out.config, "futex-method"))
		assert.Contains(t, configValue(out.config, "futex-method-reason"), "no host tracer: allocbench runs as uid 1000, not root")
	})
}

// -futex-tracing=admin: the exact method inside the container with CAP_BPF,
// CAP_PERFMON and the host's tracefs, where the engine knows those
// capabilities; CAP_SYS_ADMIN where it does not (Debian 12's Docker 20.10).
func TestContainersFutexTracingInside(t *testing.T) {
	k := newKit(t, "musl")
	run, note, err := tracingOptions(t.Context(), k.images["musl"], tracingAdmin)
	require.NoError(t, err)
	t.Log(note)
	argv := k.containerArgv("musl", run)
	t.Logf("%s", strings.Join(argv, " "))
	if run.SysAdmin {
		assert.Contains(t, note, "knows neither CAP_BPF nor CAP_PERFMON")
	} else {
		assert.NotContains(t, argv, "SYS_ADMIN")
		assert.Contains(t, argv, "BPF")
		assert.Contains(t, argv, "PERFMON")
	}
	assert.NotContains(t, argv, "--privileged")
	assert.NotContains(t, strings.Join(argv, " "), containers.FutexMount, "the containers trace themselves")
	v, out := runFutex(t, argv, cell{Label: "musl", Workload: "churn", Alloc: alloc.Libc, Threads: 2}, cellOptions("100ms", time.Minute))
	assert.Equal(t, "tracepoint", configValue(out.config, "futex-method"), "%s", out.config)
	assert.Positive(t, v)
	_, ok := metric(out.results[0], results.FutexCallsPerOp)
	assert.True(t, ok, "the exact method counts calls")
}

// bpfFDs lists this process's BPF objects by the kernel's ids, from
// /proc/self/fdinfo, and counts its sockets.
type bpfFDs struct {
	ids     map[string]bool // "prog 12", "map 5", "link 3"
	sockets int
}

func ownBPF(t *testing.T) bpfFDs {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	got := bpfFDs{ids: map[string]bool{}}
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue
		}
		if strings.HasPrefix(target, "socket:") {
			got.sockets++
			continue
		}
		if !strings.HasPrefix(target, "anon_inode:bpf") {
			continue
		}
		info, err := os.ReadFile("/proc/self/fdinfo/" + e.Name())
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(info), "\n") {
			for _, kind := range []string{"prog", "map", "link"} {
				if v, ok := strings.CutPrefix(line, kind+"_id:"); ok {
					got.ids[kind+" "+strings.TrimSpace(v)] = true
				}
			}
		}
	}
	return got
}

// kernelBPF lists the ids of the BPF programs, maps and links the kernel
// has, with bpftool.
func kernelBPF(t *testing.T) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for _, kind := range []string{"prog", "map", "link"} {
		out, err := exec.Command("bpftool", "-j", kind, "list").Output()
		require.NoError(t, err, "bpftool %s list", kind)
		var objs []struct {
			ID int `json:"id"`
		}
		require.NoError(t, json.Unmarshal(out, &objs), "bpftool -j %s list: %s", kind, out)
		for _, o := range objs {
			ids[fmt.Sprintf("%s %d", kind, o.ID)] = true
		}
	}
	return ids
}

// 200 container cells in a row leave the host tracer's process with the
// BPF objects and sockets it had after the first; a container killed
// inside its window has the window ended on the host; closing the tracer
// removes its programs, maps and links from the kernel.
func TestContainersFutexNoLeaks(t *testing.T) {
	if _, err := exec.LookPath("bpftool"); err != nil {
		if os.Getenv("ALLOCBENCH_REQUIRE") != "" {
			t.Fatal("bpftool is needed: apt-get install bpftool")
		}
		t.Skip("bpftool is not installed (apt-get install bpftool)")
	}
	k := newKit(t, "musl")
	srv := k.host.srv
	argv := k.containerArgv("musl", k.hostRun())
	c := cell{Label: "musl", Workload: "churn", Alloc: alloc.Libc, Threads: 2}
	// A generous limit: the engine itself can stall for a while on a loaded
	// machine.
	o := cellOptions("1x", 5*time.Minute)
	cells := 200
	if testing.Short() {
		cells = 20
	}

	runFutex(t, argv, c, o)
	first := ownBPF(t)
	require.NotEmpty(t, first.ids, "the tracer holds its programs and maps")
	kernel := kernelBPF(t)
	for id := range first.ids {
		assert.True(t, kernel[id], "bpftool lists %s", id)
	}
	start := time.Now()
	for i := 1; i < cells; i++ {
		out := runCell(t.Context(), argv, c, o)
		require.NoError(t, out.err, "cell %d: %s", i+1, out.tail)
	}
	t.Logf("%d container cells in %s", cells, time.Since(start).Round(time.Second))
	st := waitState(t, k, func(s futex.ServerState) bool { return s.Clients == 0 })
	assert.Zero(t, st.Clients)
	assert.Equal(t, cells, st.Windows, "one window per cell")
	after := ownBPF(t)
	assert.Equal(t, first.ids, after.ids, "the same BPF objects after %d cells", cells)
	assert.LessOrEqual(t, after.sockets, first.sockets, "no socket left behind by %d cells", cells)

	// A container killed inside its window: the window ends on the host.
	long := cell{Label: "musl", Workload: "churn", Alloc: alloc.Libc, Threads: 2}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan outcome, 1)
	before := st.Windows
	go func() { done <- runCell(ctx, argv, long, cellOptions("2000000000x", 5*time.Minute)) }()
	// go test runs the benchmark once with b.N = 1 first; the second
	// window is the long one.
	st = waitState(t, k, func(s futex.ServerState) bool { return s.Window && s.Windows >= before+2 })
	require.True(t, st.Window, "the long cell opened its window")
	time.Sleep(200 * time.Millisecond)
	cancel()
	killed := <-done
	assert.Error(t, killed.err)
	st = waitState(t, k, func(s futex.ServerState) bool { return !s.Window && s.Clients == 0 })
	assert.False(t, st.Window, "the killed container's window ended on the host")
	assert.Zero(t, st.Clients)
	runFutex(t, argv, c, o)
	assert.Equal(t, first.ids, ownBPF(t).ids)

	require.NoError(t, k.host.Close())
	gone := ownBPF(t)
	assert.Empty(t, gone.ids, "no BPF descriptor after Close")
	// The kernel frees maps after the programs that use them, once an RCU
	// grace period has passed: give it a moment.
	left := func() []string {
		kernel := kernelBPF(t)
		var ids []string
		for id := range first.ids {
			if kernel[id] {
				ids = append(ids, id)
			}
		}
		return ids
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(left()) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	assert.Empty(t, left(), "still listed by bpftool after Close")
	_, err := os.Stat(srv.Path())
	assert.True(t, os.IsNotExist(err), "the socket is removed")
}

// waitState waits up to a minute for the host tracer's state to satisfy ok.
func waitState(t *testing.T, k *kit, ok func(futex.ServerState) bool) futex.ServerState {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st := k.host.srv.State()
		if ok(st) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Where the engine is on another machine, there is no host tracer, and the
// reason says where the engine is; -futex sampled and off ask for none.
func TestFutexHostFallbacks(t *testing.T) {
	t.Setenv("DOCKER_HOST", "ssh://big-box")
	h := startFutexHost(t.Context(), "auto", false)
	assert.Nil(t, h.srv)
	assert.Contains(t, h.why, "the docker engine is not on this machine (DOCKER_HOST=ssh://big-box)")
	assert.Contains(t, h.describe(), "fall back to the sampled estimate")
	var run containers.RunOptions
	h.runOptions(&run)
	assert.Empty(t, run.FutexSocket)
	assert.Equal(t, h.why, run.FutexHostUnavailable)
	require.NoError(t, h.Close())

	for _, m := range []workloads.FutexMethod{workloads.FutexSampled, workloads.FutexOff} {
		h := startFutexHost(t.Context(), m, false)
		assert.Nil(t, h.srv, m)
		assert.Empty(t, h.why, m)
	}
	h = startFutexHost(t.Context(), "auto", true)
	assert.Nil(t, h.srv, "-futex-tracing: the containers trace themselves")
}

// notRootEnv marks TestFutexHostNotRoot's child.
const notRootEnv = "ALLOCBENCH_TEST_NOT_ROOT"

// Run by a user other than root, the subcommand has no host tracer and says
// so, with the user and what failed.
func TestFutexHostNotRoot(t *testing.T) {
	if os.Getenv(notRootEnv) != "" {
		h := startFutexHost(t.Context(), "auto", false)
		defer h.Close()
		fmt.Printf("host tracer: %v; why: %s\n", h.srv != nil, h.why)
		return
	}
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv (util-linux) to run a child as nobody")
	}
	// A copy of this test binary that nobody may run.
	dir, err := os.MkdirTemp("", "allocbench-notroot-")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	require.NoError(t, os.Chmod(dir, 0o755))
	bin := filepath.Join(dir, "allocbench.test")
	data, err := os.ReadFile(os.Args[0])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bin, data, 0o755))
	cmd := exec.Command(setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
		bin, "-test.run", "^TestFutexHostNotRoot$", "-test.v")
	cmd.Env = append(os.Environ(), notRootEnv+"=1", "HOME="+dir, "DOCKER_HOST=")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	require.NoError(t, err)
	assert.Contains(t, string(out), "host tracer: false; why: allocbench runs as uid 65534, not root: ")
	assert.Regexp(t, `permission denied|operation not permitted`, string(out))
}
