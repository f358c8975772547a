//go:build cgo

package cgoalloc

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// glibc keeps a small surplus of static TLS for libraries opened with dlopen.
// Debian's libjemalloc uses initial-exec TLS (about 2.6 KiB) and fails to load
// with "cannot allocate memory in static TLS block" unless the surplus is
// raised, which glibc only reads at process start.
const (
	tlsTunableName = "glibc.rtld.optional_static_tls"
	tlsTunable     = "GLIBC_TUNABLES=" + tlsTunableName + "=16384"
	reexecMarker   = "ALLOCBENCH_REEXECUTED"
)

// PrepareProcess makes this process able to load every allocator. On a
// dynamic glibc build whose GLIBC_TUNABLES lacks a static TLS surplus, it
// re-executes the running program with the surplus set, once; it returns only
// when no re-execution is needed, or with the error that stopped it. Call it
// first thing in main or TestMain, before any other work.
func PrepareProcess() error {
	libc := Libc()
	if libc.Name != "glibc" || libc.Static {
		return nil
	}
	tunables := os.Getenv("GLIBC_TUNABLES")
	if strings.Contains(tunables, tlsTunableName) || os.Getenv(reexecMarker) != "" {
		return nil
	}
	value := tlsTunableName + "=16384"
	if tunables != "" {
		value = tunables + ":" + value
	}
	env := make([]string, 0, len(os.Environ())+2)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GLIBC_TUNABLES=") {
			env = append(env, kv)
		}
	}
	env = append(env, "GLIBC_TUNABLES="+value, reexecMarker+"=1")
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("re-executing with %s: %w", tlsTunable, err)
	}
	err = syscall.Exec(exe, os.Args, env)
	return fmt.Errorf("re-executing %s with %s: %w", exe, tlsTunable, err)
}
