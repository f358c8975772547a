package futex

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"
)

// Measuring from the host. A process in a container cannot load BPF
// programs (a default container has neither CAP_BPF nor CAP_PERFMON, and
// its seccomp profile refuses bpf()). A Server on the host, run by root,
// has the Tracepoint method and measures the threads of processes that
// connect to its unix socket; the socket is bind-mounted into the
// container, and Options.Host names it there.
//
// The protocol is one JSON object per line, each request answered by one
// reply: "hello" (version; the reply says whether threads are followed
// and how many tids a window takes), "begin" with the tids as the client
// sees them, "end" (the reply holds the window's ThreadStats under the
// client's tids and the host meter's warnings), "abort". Closing the
// connection ends an open window.

// Environment variables through which a benchmark process learns about a
// host tracer (read by package workloads).
const (
	// HostEnv holds the path of a host tracer's socket.
	HostEnv = "ALLOCBENCH_FUTEX_HOST"
	// HostUnavailableEnv holds why there is no host tracer.
	HostUnavailableEnv = "ALLOCBENCH_FUTEX_HOST_UNAVAILABLE"
)

// ServerState is what a Server is doing.
type ServerState struct {
	Clients int  // connected clients
	Window  bool // a client's window is open
	Windows int  // windows opened so far
}

// hostVersion is the protocol's version; a server answers only its own.
const hostVersion = 1

const (
	// hostCallTimeout bounds one request and its reply.
	hostCallTimeout = 30 * time.Second
	// hostDialTimeout bounds connecting to the server.
	hostDialTimeout = 5 * time.Second
	// maxRequest bounds a request the server reads; a begin with
	// MaxThreadsLimit tids of 7 digits fits.
	maxRequest = 40 << 20
	// maxReply bounds a reply the client reads: the ThreadStats of a
	// window with every thread the host meter can track.
	maxReply = 256 << 20
)

type hostRequest struct {
	Op      string `json:"op"` // hello, begin, end, abort
	Version int    `json:"version,omitempty"`
	TIDs    []int  `json:"tids,omitempty"`
}

type hostReply struct {
	Error string `json:"error,omitempty"`
	// hello
	Note       string `json:"note,omitempty"`
	Follows    bool   `json:"follows,omitempty"`
	MaxThreads int    `json:"max_threads,omitempty"`
	// end
	Threads  []ThreadStats `json:"threads,omitempty"`
	Warnings []string      `json:"warnings,omitempty"`
}

// readMessage reads one line of at most limit bytes from r and decodes it
// into v.
func readMessage(r *bufio.Reader, limit int, v any) error {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > limit {
			return fmt.Errorf("a message longer than %d bytes", limit)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
	return json.Unmarshal(line, v)
}

func writeMessage(c net.Conn, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = c.Write(append(data, '\n'))
	return err
}

// hostBackend is the Tracepoint method run by a Server for this process.
type hostBackend struct {
	conn    net.Conn
	r       *bufio.Reader
	follows bool
	limit   int
	note    string
}

// openHost connects to the server at path and greets it.
func openHost(path string) (*hostBackend, error) {
	c, err := net.DialTimeout("unix", path, hostDialTimeout)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			err = op.Err
		}
		return nil, fmt.Errorf("connecting to %s: %w", path, err)
	}
	h := &hostBackend{conn: c, r: bufio.NewReaderSize(c, 64<<10)}
	rep, err := h.call(hostRequest{Op: "hello", Version: hostVersion})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h.follows, h.limit, h.note = rep.Follows, rep.MaxThreads, rep.Note
	return h, nil
}

// call sends req and reads the reply; a reply's Error is returned as an
// error, with the rest of the reply.
func (h *hostBackend) call(req hostRequest) (hostReply, error) {
	var rep hostReply
	if err := h.conn.SetDeadline(time.Now().Add(hostCallTimeout)); err != nil {
		return rep, err
	}
	if err := writeMessage(h.conn, req); err != nil {
		return rep, fmt.Errorf("asking the host tracer to %s: %w", req.Op, err)
	}
	if err := readMessage(h.r, maxReply, &rep); err != nil {
		return rep, fmt.Errorf("reading the host tracer's answer to %s: %w", req.Op, err)
	}
	if rep.Error != "" {
		return rep, errors.New(rep.Error)
	}
	return rep, nil
}

func (h *hostBackend) begin(tids []int) error {
	if _, err := h.call(hostRequest{Op: "begin", TIDs: tids}); err != nil {
		return fmt.Errorf("futex: host tracer: %w", err)
	}
	return nil
}

func (h *hostBackend) end() ([]ThreadStats, []string, error) {
	rep, err := h.call(hostRequest{Op: "end"})
	if err != nil {
		err = fmt.Errorf("futex: host tracer: %w", err)
	}
	return rep.Threads, rep.Warnings, err
}

func (h *hostBackend) abort() { _, _ = h.call(hostRequest{Op: "abort"}) }

func (h *hostBackend) close() error { return h.conn.Close() }

func (h *hostBackend) followsThreads() bool { return h.follows }

func (h *hostBackend) followsProcesses() bool { return false }

func (h *hostBackend) maxThreads() int { return h.limit }
