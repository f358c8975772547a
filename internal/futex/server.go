//go:build linux

package futex

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/allocbench/allocbench/internal/procfs"
)

// beginWait is how long a begin waits for another client's window to end
// (a client that just went away has its window ended when the server
// notices). A variable for the tests.
var beginWait = 10 * time.Second

// Server runs the Tracepoint method for the threads of processes that
// connect to its unix socket (see Options.Host): the benchmarks in
// containers, which cannot load BPF programs. A client names its threads
// by the tids it sees in its own pid namespace. The server knows the client
// process by the socket's peer credentials, which the kernel gives as a pid
// of the server's pid namespace, and finds each thread's tid there through
// the NSpid lines under /proc/<pid>/task. One window is open at a time,
// whichever client opened it; a client that goes away (its container
// killed) has its window ended.
type Server struct {
	meter *Meter
	ln    *net.UnixListener
	// window holds a token while a window is open.
	window    chan struct{}
	beginWait time.Duration

	mu      sync.Mutex
	conns   map[net.Conn]bool
	closed  bool
	windows int // windows opened so far
	wg      sync.WaitGroup
}

// Listen opens the Tracepoint method (opts.Method and opts.Host are
// ignored) and serves it on a new unix socket at path, whose directory
// decides who may connect. It fails when the method cannot be opened here.
func Listen(path string, opts Options) (*Server, error) {
	opts.Method, opts.Host, opts.HostUnavailable = Tracepoint, "", ""
	m, err := Open(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("futex: host tracer socket: %w", err)
	}
	s := &Server{meter: m, ln: ln, window: make(chan struct{}, 1), beginWait: beginWait, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.ln.Addr().String() }

// Meter is the meter the server runs (its Reason says what opening it did).
func (s *Server) Meter() *Meter { return s.meter }

// State says how many clients are connected and whether a window is open.
func (s *Server) State() ServerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ServerState{Clients: len(s.conns), Window: len(s.window) > 0, Windows: s.windows}
}

// Close stops serving: it closes the socket and every connection, ends an
// open window and closes the meter. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	err := s.ln.Close()
	for _, c := range conns {
		c.Close()
	}
	s.wg.Wait()
	return errors.Join(err, s.meter.Close())
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return
			}
			// A transient failure (out of fds): try again shortly.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c)
	}
}

// session is one client's state.
type session struct {
	pid   int   // the client process, in the server's pid namespace
	err   error // why the client cannot be served
	hello bool
	open  bool
	tids  []int // the window's tids as the client sees them
}

func (s *Server) serve(c *net.UnixConn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	sess := &session{}
	sess.pid, sess.err = peerPID(c)
	defer func() {
		if sess.open {
			s.endWindow(sess)
		}
	}()
	r := bufio.NewReaderSize(c, 64<<10)
	for {
		var req hostRequest
		if err := readMessage(r, maxRequest, &req); err != nil {
			return // gone, or speaking something else
		}
		rep := s.answer(sess, req)
		if err := c.SetWriteDeadline(time.Now().Add(hostCallTimeout)); err != nil {
			return
		}
		if err := writeMessage(c, rep); err != nil {
			return
		}
	}
}

func (s *Server) answer(sess *session, req hostRequest) hostReply {
	fail := func(format string, args ...any) hostReply { return hostReply{Error: fmt.Sprintf(format, args...)} }
	if sess.err != nil {
		return fail("%v", sess.err)
	}
	if req.Op != "hello" && !sess.hello {
		return fail("%q before hello", req.Op)
	}
	switch req.Op {
	case "hello":
		if req.Version != hostVersion {
			return fail("protocol version %d; this host tracer speaks version %d (a test binary from another allocbench?)", req.Version, hostVersion)
		}
		sess.hello = true
		return hostReply{Note: s.meter.Reason(), Follows: s.meter.FollowsThreads(), MaxThreads: s.meter.MaxThreads()}
	case "begin":
		if sess.open {
			return fail("begin on a window that is already open")
		}
		select {
		case s.window <- struct{}{}:
		case <-time.After(s.beginWait):
			return fail("another process's window stayed open on the host tracer for %v", s.beginWait)
		}
		host, err := hostTIDs(sess.pid, req.TIDs)
		if err == nil {
			err = s.meter.Begin(host)
		}
		if err != nil {
			<-s.window
			return fail("%v", err)
		}
		sess.open, sess.tids = true, req.TIDs
		s.mu.Lock()
		s.windows++
		s.mu.Unlock()
		return hostReply{}
	case "end":
		if !sess.open {
			return fail("end without begin")
		}
		st, warns, err := s.endWindow(sess)
		rep := hostReply{Threads: st, Warnings: warns}
		if err != nil {
			rep.Error = err.Error()
		}
		return rep
	case "abort":
		if sess.open {
			s.endWindow(sess)
		}
		return hostReply{}
	}
	return fail("unknown request %q", req.Op)
}

// endWindow ends the session's window and returns its results under the
// client's tids: the tids given to begin in their order, then the threads
// they started (under the client's tid where the thread still exists),
// then the aggregate.
func (s *Server) endWindow(sess *session) ([]ThreadStats, []string, error) {
	err := s.meter.End()
	st := s.meter.Threads()
	warns := s.meter.Warnings()
	tids := sess.tids
	sess.open, sess.tids = false, nil
	<-s.window
	for i := range st {
		switch {
		case i < len(tids):
			st[i].TID = tids[i]
		case st[i].TID != 0:
			if inner, ierr := procfs.InnerTID(st[i].TID); ierr == nil {
				st[i].TID = inner
			}
		}
	}
	return st, warns, err
}

// peerPID is the pid of the process at the other end of c, in this
// process's pid namespace.
func peerPID(c *net.UnixConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if cerr != nil {
		return 0, fmt.Errorf("the host tracer cannot tell which process connected: %w", cerr)
	}
	if cred.Pid <= 0 {
		return 0, errors.New("the connecting process is not in the host tracer's pid namespace or below it " +
			"(is the tracer itself in a container, or the engine on another machine?)")
	}
	return int(cred.Pid), nil
}

// hostTIDs turns tids of process pid, as that process sees them, into
// tids of this pid namespace.
func hostTIDs(pid int, tids []int) ([]int, error) {
	inner, err := procfs.InnerTIDs(pid)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("the connected process (pid %d on the host) is gone", pid)
		}
		return nil, err
	}
	out := make([]int, len(tids))
	for i, t := range tids {
		h, ok := inner[t]
		if !ok {
			return nil, fmt.Errorf("tid %d is not a thread of the connected process (pid %d on the host)", t, pid)
		}
		out[i] = h
	}
	return out, nil
}
