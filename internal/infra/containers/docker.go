package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/futex"
)

// BinMount is where RunPrefix mounts the directory of test binaries inside
// the container.
const BinMount = "/allocbench"

// dockerCheckTimeout bounds `docker version` in CheckDocker.
const dockerCheckTimeout = 20 * time.Second

// CheckDocker reports, as a plain error that says how to fix it, whether the
// docker CLI is missing or the daemon it is set up to use (DOCKER_HOST,
// `docker context`) does not answer.
func CheckDocker(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return errors.New("the docker CLI is not on PATH: install Docker (on Debian: apt-get install docker.io) and make sure `docker` is on PATH")
	}
	ctx, cancel := context.WithTimeout(ctx, dockerCheckTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	version := strings.TrimSpace(stdout.String())
	if err == nil && version != "" {
		return nil
	}
	where := "the default daemon socket"
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		where = "DOCKER_HOST=" + h
	} else if c := os.Getenv("DOCKER_CONTEXT"); c != "" {
		where = "docker context " + c
	} else if c := currentContext(); c != "" && c != "default" {
		where = "docker context " + c
	}
	why := strings.TrimSpace(stderr.String())
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		why = fmt.Sprintf("no answer within %s", dockerCheckTimeout)
	case why == "" && err != nil:
		why = err.Error()
	case why == "":
		why = "it reported no server version"
	}
	return fmt.Errorf("the docker daemon is not answering (%s): %s; start it (systemctl start docker, or dockerd &), "+
		"check DOCKER_HOST and `docker context ls`, and that this user may use it (root or the docker group)", where, lastLines(why, 3))
}

// currentContext is the name `docker context show` prints, or "".
func currentContext() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "context", "show").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// RunOptions are the docker run options of one benchmark cell.
type RunOptions struct {
	CPUs   string   // --cpus, e.g. "2" or "1.5"; "" for no limit
	Memory string   // --memory, e.g. "2g"; "" for no limit
	Env    []string // K=V pairs passed with -e (a bare K passes the caller's value of K, as docker does)

	// FutexSocket is the host path of a futex host tracer's socket
	// (internal/futex.Server). Its directory is mounted read-only at
	// FutexMount and the benchmark is told the socket's path there, so the
	// exact futex method measures the container's threads from the host:
	// the container needs no privilege for it.
	FutexSocket string
	// FutexHostUnavailable says why there is no host tracer; the
	// benchmark gives it as the reason when it falls back to its sampled
	// estimate.
	FutexHostUnavailable string

	// Privileged adds --privileged. A privileged container can see and
	// change the host, so it is off by default. Some daemons refuse it
	// (nested or sandboxed ones: "unable to apply caps"); FutexTracing is
	// the narrower choice for the exact futex method inside the container.
	Privileged bool
	// FutexTracing gives the container what the exact futex method needs
	// to run inside it, and no more: CAP_BPF and CAP_PERFMON (not
	// CAP_SYS_ADMIN), and Tracefs mounted read-only at
	// /sys/kernel/tracing, where the benchmark finds the tracepoints' ids.
	// Off by default: these capabilities reach beyond the container.
	FutexTracing bool
	Tracefs      string // the host's tracefs; "" for /sys/kernel/tracing
	// SeccompUnconfined adds --security-opt seccomp=unconfined: Docker's
	// default seccomp profile before 23.0 allows bpf() and
	// perf_event_open() only to CAP_SYS_ADMIN (see TracingNeedsSeccomp).
	SeccompUnconfined bool
	// SysAdmin gives CAP_SYS_ADMIN instead of CAP_BPF and CAP_PERFMON, for
	// engines that know neither (see KnowsBPFCaps).
	SysAdmin bool
}

// FutexMount is where RunPrefix mounts the directory of a futex host
// tracer's socket inside the container.
const FutexMount = "/allocbench-futex"

// TracefsMount is where the exact futex method looks for tracefs.
const TracefsMount = "/sys/kernel/tracing"

// RunPrefix returns the argv prefix that runs a command in image with binDir
// mounted read-only at /allocbench and no network:
//
//	docker run --rm --network none -v <binDir>:/allocbench:ro [--cpus N] [--memory M]
//	  [-e K=V]... [-v <socket dir>:/allocbench-futex:ro -e ALLOCBENCH_FUTEX_HOST=...]
//	  [--cap-add BPF --cap-add PERFMON (or SYS_ADMIN) -v <tracefs>:/sys/kernel/tracing:ro
//	   [--security-opt seccomp=unconfined]] [--privileged] <image>
//
// The caller appends "/allocbench/<binary>" and its arguments. A relative
// binDir is made absolute (docker would take it for a volume name).
func RunPrefix(image, binDir string, opts RunOptions) []string {
	if abs, err := filepath.Abs(binDir); err == nil {
		binDir = abs
	}
	argv := []string{"docker", "run", "--rm", "--network", "none", "-v", binDir + ":" + BinMount + ":ro"}
	if opts.CPUs != "" {
		argv = append(argv, "--cpus", opts.CPUs)
	}
	if opts.Memory != "" {
		argv = append(argv, "--memory", opts.Memory)
	}
	for _, kv := range opts.Env {
		argv = append(argv, "-e", kv)
	}
	if opts.FutexSocket != "" {
		sock := opts.FutexSocket
		if abs, err := filepath.Abs(sock); err == nil {
			sock = abs
		}
		argv = append(argv, "-v", filepath.Dir(sock)+":"+FutexMount+":ro",
			"-e", futex.HostEnv+"="+FutexMount+"/"+filepath.Base(sock))
	}
	if opts.FutexHostUnavailable != "" {
		argv = append(argv, "-e", futex.HostUnavailableEnv+"="+opts.FutexHostUnavailable)
	}
	if opts.FutexTracing {
		tracefs := opts.Tracefs
		if tracefs == "" {
			tracefs = TracefsMount
		}
		if opts.SysAdmin {
			argv = append(argv, "--cap-add", "SYS_ADMIN")
		} else {
			argv = append(argv, "--cap-add", "BPF", "--cap-add", "PERFMON")
		}
		argv = append(argv, "-v", tracefs+":"+TracefsMount+":ro")
		if opts.SeccompUnconfined && !opts.SysAdmin {
			argv = append(argv, "--security-opt", "seccomp=unconfined")
		}
	}
	if opts.Privileged {
		argv = append(argv, "--privileged")
	}
	return append(argv, image)
}

// TracingNeedsSeccomp reports whether an engine of this server version
// (`docker version --format {{.Server.Version}}`) refuses bpf() and
// perf_event_open() to CAP_BPF and CAP_PERFMON under its default seccomp
// profile: Docker before 23.0 allows them to CAP_SYS_ADMIN only. An
// unreadable version counts as old.
func TracingNeedsSeccomp(serverVersion string) bool {
	major, _, _ := strings.Cut(strings.TrimSpace(serverVersion), ".")
	n, err := strconv.Atoi(major)
	return err != nil || n < 23
}

// KnowsBPFCaps reports whether the engine accepts --cap-add BPF and
// --cap-add PERFMON: Docker 20.10 as Debian 12 builds it answers "unknown
// capability: CAP_BPF". It creates a container of image that never starts,
// and removes it.
func KnowsBPFCaps(ctx context.Context, image string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, dockerCheckTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", "create", "--network", "none", "--cap-add", "BPF", "--cap-add", "PERFMON", image, "/allocbench-probe")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if strings.Contains(stderr.String(), "unknown capability") {
			return false, nil
		}
		return false, fmt.Errorf("docker create --cap-add BPF --cap-add PERFMON %s: %v: %s", image, err, lastLines(stderr.String(), 3))
	}
	if id := strings.TrimSpace(stdout.String()); id != "" {
		_ = exec.CommandContext(ctx, "docker", "rm", "-f", id).Run()
	}
	return true, nil
}

// EngineVersion is the docker engine's version, as `docker version` says.
func EngineVersion(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, dockerCheckTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").Output()
	if err != nil {
		return "", fmt.Errorf("docker version: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// RemoteEngine says where the docker engine the CLI is set up to use runs
// when that is not this machine: the endpoint of DOCKER_HOST or of the
// current docker context, when it is not a unix socket. It is "" for a
// local engine (a unix socket, or no endpoint the CLI names).
func RemoteEngine(ctx context.Context) string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		if strings.HasPrefix(h, "unix://") {
			return ""
		}
		return "DOCKER_HOST=" + h
	}
	ctx, cancel := context.WithTimeout(ctx, dockerCheckTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "context", "inspect", "--format", "{{.Endpoints.docker.Host}}").Output()
	host := strings.TrimSpace(string(out))
	if err != nil || host == "" || strings.HasPrefix(host, "unix://") {
		return ""
	}
	name := currentContext()
	if c := os.Getenv("DOCKER_CONTEXT"); c != "" {
		name = c
	}
	return fmt.Sprintf("docker context %s at %s", name, host)
}

// imageExists reports whether the daemon has an image with this tag.
func imageExists(ctx context.Context, tag string) (bool, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", "images", "-q", tag)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return false, fmt.Errorf("docker images -q %s: %v: %s", tag, err, lastLines(stderr.String(), 3))
	}
	return strings.TrimSpace(stdout.String()) != "", nil
}

// run runs a command, copying its output to log, and returns an error that
// quotes the last lines of the output when it fails.
func run(ctx context.Context, log io.Writer, stdin io.Reader, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = stdin
	return runCmd(cmd, log)
}

// runCmd is run for a prepared command (its Stdin and Env are kept).
func runCmd(cmd *exec.Cmd, log io.Writer) error {
	name, args := cmd.Args[0], cmd.Args[1:]
	var tail tailBuffer
	w := io.Writer(&tail)
	if log != nil {
		w = io.MultiWriter(log, &tail)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if log != nil {
		fmt.Fprintf(log, "+ %s %s\n", name, strings.Join(args, " "))
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, lastLines(tail.String(), 15))
	}
	return nil
}

// tailBuffer keeps the last 64 KiB written to it.
type tailBuffer struct{ b []byte }

const tailMax = 64 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > tailMax {
		t.b = append(t.b[:0], t.b[len(t.b)-tailMax:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
