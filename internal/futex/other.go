//go:build !linux

package futex

import (
	"errors"
	"runtime"
)

var errNotLinux = errors.New("futex measurement needs Linux, not " + runtime.GOOS)

func openTracepoint(Options) (backend, string, string, error) { return nil, "", "", errNotLinux }

func openSampled(Options) (backend, error) { return nil, errNotLinux }

// Tracefs fails on systems other than Linux.
func Tracefs() (string, string, error) { return "", "", errNotLinux }

// Server is the host tracer, which needs Linux.
type Server struct{}

// Listen fails on systems other than Linux.
func Listen(string, Options) (*Server, error) { return nil, errNotLinux }

func (s *Server) Path() string       { return "" }
func (s *Server) Meter() *Meter      { return nil }
func (s *Server) State() ServerState { return ServerState{} }
func (s *Server) Close() error       { return nil }
