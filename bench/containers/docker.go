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
	"strings"
	"time"
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

	// Privileged adds --privileged. The benchmark's exact futex method
	// (tracepoints: tracefs and perf events) needs privileges a default
	// container lacks; without them it falls back to its sampled estimate
	// and says so in its futex-method line. A privileged container can also
	// see and change the host, so it is off by default. Some daemons refuse
	// it (nested or sandboxed ones: "unable to apply caps"); FutexTracing is
	// the narrower choice.
	Privileged bool
	// FutexTracing adds --cap-add SYS_ADMIN, which is enough for the exact
	// futex method: the benchmark mounts tracefs in the container's own
	// mount namespace and opens the tracepoints. Less than Privileged, but
	// still a capability that reaches beyond the container; off by default.
	FutexTracing bool
}

// RunPrefix returns the argv prefix that runs a command in image with binDir
// mounted read-only at /allocbench and no network:
//
//	docker run --rm --network none -v <binDir>:/allocbench:ro [--cpus N] [--memory M]
//	  [-e K=V]... [--cap-add SYS_ADMIN] [--privileged] <image>
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
	if opts.FutexTracing {
		argv = append(argv, "--cap-add", "SYS_ADMIN")
	}
	if opts.Privileged {
		argv = append(argv, "--privileged")
	}
	return append(argv, image)
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
