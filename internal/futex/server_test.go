//go:build linux

package futex

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listen starts a host tracer on a socket in a new directory, or skips
// where the tracepoint method cannot be opened.
func listen(t *testing.T) *Server {
	t.Helper()
	srv, err := Listen(filepath.Join(t.TempDir(), "futex.sock"), Options{})
	if err != nil {
		unavailable(t, "no host tracer here: %v", err)
	}
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	return srv
}

// waitState waits until the server's state satisfies ok.
func waitState(t *testing.T, srv *Server, ok func(ServerState) bool) ServerState {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	st := srv.State()
	for !ok(st) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		st = srv.State()
	}
	return st
}

// The host tracer measures a client's threads as exactly as the method
// run in the client itself.
func TestHostCalibration(t *testing.T) {
	moreProcs(t)
	srv := listen(t)
	m, err := Open(Options{Host: srv.Path()})
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, Tracepoint, m.Method())
	assert.True(t, m.OnHost())
	assert.Equal(t, srv.Meter().FollowsThreads(), m.FollowsThreads())
	assert.Equal(t, DefaultMaxThreads, m.MaxThreads())
	for range 2 {
		calibrate(t, m, 0.10)
	}
	assert.Equal(t, 2, srv.State().Windows)
}

// hostChildEnv tells the test binary that it is TestHostInPidNamespace's
// child, and where the host tracer is.
const hostChildEnv = "ALLOCBENCH_TEST_HOST_CHILD"

// A process in a pid namespace of its own, as in a container, names its
// threads by tids the host does not know; the tracer finds them.
func TestHostInPidNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a new pid namespace needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare command (util-linux)")
	}
	srv := listen(t)
	cmd := exec.Command(unshare, "--pid", "--fork", "--mount-proc", os.Args[0], "-test.run", "^TestHostChild$", "-test.v", "-test.count", "1")
	cmd.Env = append(os.Environ(), hostChildEnv+"="+srv.Path())
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	require.NoError(t, err)
	assert.Contains(t, string(out), "--- PASS: TestHostChild")
	assert.Contains(t, string(out), "in a pid namespace of its own")
	assert.Equal(t, 1, srv.State().Windows)
	st := waitState(t, srv, func(s ServerState) bool { return s.Clients == 0 })
	assert.Zero(t, st.Clients, "the child's connection ended with it")
}

// TestHostChild is the far end of TestHostInPidNamespace.
func TestHostChild(t *testing.T) {
	sock := os.Getenv(hostChildEnv)
	if sock == "" {
		t.Skip("run by TestHostInPidNamespace")
	}
	moreProcs(t)
	ns, err := currentPidNS()
	require.NoError(t, err)
	require.True(t, ns.use)
	t.Logf("in a pid namespace of its own: pid %d", os.Getpid())
	m, err := Open(Options{Host: sock})
	require.NoError(t, err)
	defer m.Close()
	require.True(t, m.OnHost(), m.Reason())
	calibrate(t, m, 0.10)
}

// Without a host tracer the meter is opened as before, and the reason says
// what happened to the host's.
func TestHostFallback(t *testing.T) {
	m, err := Open(Options{Host: filepath.Join(t.TempDir(), "none.sock")})
	require.NoError(t, err)
	defer m.Close()
	assert.False(t, m.OnHost())
	assert.Contains(t, m.Reason(), "host tracer: connecting to ")
	assert.Contains(t, m.Reason(), "none.sock")

	m2, err := Open(Options{HostUnavailable: "allocbench runs as uid 1000, not root"})
	require.NoError(t, err)
	defer m2.Close()
	assert.False(t, m2.OnHost())
	assert.Contains(t, m2.Reason(), "no host tracer: allocbench runs as uid 1000, not root")

	// The sampled method asks no host tracer.
	m3, err := Open(Options{Method: Sampled, Host: "/nonexistent/futex.sock"})
	require.NoError(t, err)
	defer m3.Close()
	assert.Equal(t, Sampled, m3.Method())
	assert.Empty(t, m3.Reason())

	// Something that does not speak the protocol.
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, "mute.sock"))
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			bufio.NewReader(c).ReadString('\n')
			c.Write([]byte("HTTP/1.0 400 Bad Request\n"))
			c.Close()
		}
	}()
	m4, err := Open(Options{Host: filepath.Join(dir, "mute.sock")})
	require.NoError(t, err)
	defer m4.Close()
	assert.False(t, m4.OnHost())
	assert.Contains(t, m4.Reason(), "host tracer: ")
	assert.Contains(t, m4.Reason(), "reading the host tracer's answer to hello")
}

// A client may only name its own threads.
func TestHostRefusesForeignThreads(t *testing.T) {
	srv := listen(t)
	m, err := Open(Options{Host: srv.Path()})
	require.NoError(t, err)
	defer m.Close()
	err = m.Begin([]int{1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tid 1 is not a thread of the connected process")
	assert.False(t, srv.State().Window, "nothing stays open")
	require.NoError(t, m.Begin([]int{newWorker(t).tid}))
	require.NoError(t, m.End())
}

// rawClient speaks the protocol by hand.
type rawClient struct {
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, path string) *rawClient {
	c, err := net.Dial("unix", path)
	require.NoError(t, err)
	rc := &rawClient{c: c, r: bufio.NewReader(c)}
	require.Empty(t, rc.call(t, hostRequest{Op: "hello", Version: hostVersion}).Error)
	return rc
}

func (rc *rawClient) call(t *testing.T, req hostRequest) hostReply {
	require.NoError(t, writeMessage(rc.c, req))
	var rep hostReply
	require.NoError(t, readMessage(rc.r, maxReply, &rep))
	return rep
}

// A client that goes away inside its window (a container killed) ends
// the window; the next client's window opens at once. While one is open,
// another client's begin waits and then says why it failed.
func TestHostClientGoneMidWindow(t *testing.T) {
	old := beginWait
	beginWait = 100 * time.Millisecond
	srv := listen(t)
	beginWait = old
	w := newWorker(t)
	rc := dialRaw(t, srv.Path())
	require.Empty(t, rc.call(t, hostRequest{Op: "begin", TIDs: []int{w.tid}}).Error)
	assert.True(t, srv.State().Window)

	other := dialRaw(t, srv.Path())
	rep := other.call(t, hostRequest{Op: "begin", TIDs: []int{w.tid}})
	assert.Contains(t, rep.Error, "another process's window stayed open")
	other.c.Close()

	rc.c.Close()
	st := waitState(t, srv, func(s ServerState) bool { return !s.Window && s.Clients == 0 })
	assert.False(t, st.Window, "the window ended with its client")
	assert.Zero(t, st.Clients)
	var k uint32
	var v tpValue
	assert.False(t, srv.Meter().b.(*tpBackend).m.Iterate().Next(&k, &v), "nothing is tracked after the client went away, found tid %d", k)

	m, err := Open(Options{Host: srv.Path()})
	require.NoError(t, err)
	defer m.Close()
	require.NoError(t, m.Begin([]int{w.tid}))
	require.NoError(t, m.End())

	bad := dialRaw(t, srv.Path())
	defer bad.c.Close()
	assert.Contains(t, bad.call(t, hostRequest{Op: "end"}).Error, "end without begin")
	assert.Contains(t, bad.call(t, hostRequest{Op: "strace"}).Error, `unknown request "strace"`)
	wrong, err := net.Dial("unix", srv.Path())
	require.NoError(t, err)
	defer wrong.Close()
	rw := &rawClient{c: wrong, r: bufio.NewReader(wrong)}
	assert.Contains(t, rw.call(t, hostRequest{Op: "hello", Version: 99}).Error, "protocol version 99")
	assert.Contains(t, rw.call(t, hostRequest{Op: "begin", TIDs: []int{w.tid}}).Error, "before hello")
}

// Many clients, each with its windows, leave no descriptor or goroutine
// behind in the server's process, and closing the server releases it all.
func TestHostNoLeaks(t *testing.T) {
	tids := []int{newWorker(t).tid, newWorker(t).tid}
	warm, err := Listen(filepath.Join(t.TempDir(), "warm.sock"), Options{})
	if err != nil {
		unavailable(t, "no host tracer here: %v", err)
	}
	require.NoError(t, warm.Close())

	fds, gs := countFDs(t), runtime.NumGoroutine()
	srv, err := Listen(filepath.Join(t.TempDir(), "futex.sock"), Options{})
	require.NoError(t, err)
	for range 200 {
		m, err := Open(Options{Host: srv.Path()})
		require.NoError(t, err)
		require.True(t, m.OnHost())
		require.NoError(t, m.Begin(tids))
		require.NoError(t, m.End())
		require.NoError(t, m.Close())
	}
	st := waitState(t, srv, func(s ServerState) bool { return s.Clients == 0 })
	assert.Zero(t, st.Clients)
	assert.Equal(t, 200, st.Windows)
	require.NoError(t, srv.Close())
	require.NoError(t, srv.Close(), "Close is idempotent")
	assert.LessOrEqual(t, countFDs(t), fds, "fds after 200 clients and Close")
	assert.LessOrEqual(t, settledGoroutines(gs), gs, "goroutines after 200 clients and Close")
	_, err = os.Stat(srv.Path())
	assert.True(t, os.IsNotExist(err), "the socket is removed")

	// Closing with a client connected and its window open.
	srv, err = Listen(filepath.Join(t.TempDir(), "futex.sock"), Options{})
	require.NoError(t, err)
	m, err := Open(Options{Host: srv.Path()})
	require.NoError(t, err)
	require.NoError(t, m.Begin(tids))
	require.NoError(t, srv.Close())
	err = m.End()
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "host tracer"), err.Error())
	require.NoError(t, m.Close())
	assert.LessOrEqual(t, countFDs(t), fds, "fds after closing a server with a client")
	assert.LessOrEqual(t, settledGoroutines(gs), gs, "goroutines after closing a server with a client")
}

// leastPrivilegeEnv marks TestLeastPrivilege's children.
const leastPrivilegeEnv = "ALLOCBENCH_TEST_LEAST_PRIVILEGE"

// The tracepoint method needs CAP_BPF and CAP_PERFMON, both and nothing
// more, in a pid namespace of its own as in a container (uid 0, every other
// capability dropped from the bounding set; tracefs is the host's).
func TestLeastPrivilege(t *testing.T) {
	if os.Getenv(leastPrivilegeEnv) != "" {
		t.Skip("a child of TestLeastPrivilege")
	}
	if os.Geteuid() != 0 {
		t.Skip("dropping capabilities in a new pid namespace needs root")
	}
	unshare, err1 := exec.LookPath("unshare")
	setpriv, err2 := exec.LookPath("setpriv")
	if err1 != nil || err2 != nil {
		t.Skip("needs unshare and setpriv (util-linux)")
	}
	if _, _, err := Tracefs(); err != nil {
		t.Skipf("tracefs: %v", err)
	}
	for caps, works := range map[string]bool{"+bpf,+perfmon": true, "+bpf": false, "+perfmon": false} {
		t.Run(caps, func(t *testing.T) {
			cmd := exec.Command(unshare, "--pid", "--fork", "--mount-proc", setpriv, "--inh-caps=-all", "--bounding-set=-all,"+caps,
				os.Args[0], "-test.run", "^TestCalibrationTracepoint$", "-test.v", "-test.count", "1")
			cmd.Env = append(os.Environ(), leastPrivilegeEnv+"=1", "ALLOCBENCH_REQUIRE=")
			out, err := cmd.CombinedOutput()
			t.Logf("%s", out)
			require.NoError(t, err)
			if works {
				assert.Contains(t, string(out), "--- PASS: TestCalibrationTracepoint")
			} else {
				assert.Contains(t, string(out), "--- SKIP: TestCalibrationTracepoint")
				assert.Regexp(t, `permission denied|operation not permitted`, string(out))
			}
		})
	}
}
