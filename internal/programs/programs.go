// Package programs prepares real programs, none of them written for
// allocbench, for `allocbench exec`: ripgrep over a generated tree of text
// files, xz compressing a generated file, redis-server driven by
// redis-benchmark on 127.0.0.1, and examples/rayonmap (a Rust HashMap
// workload on rayon, built offline with Debian's cargo and the rayon
// sources librust-rayon-dev installs). Each Recipe says what it needs on
// PATH and the command line to measure; the generators write the same
// input for the same arguments.
package programs

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Recipe is one program to measure: its label in the results (cmd=Label),
// its command line and the commands it needs.
type Recipe struct {
	Label   string
	Command []string
	// Needs is the commands the recipe runs, looked up on PATH.
	Needs []string
	// Threaded says the program runs several threads that wait on each
	// other, so that a measurement sees futex calls.
	Threaded bool
	// NoLibc, when set, says why the program cannot run on the C
	// library's malloc with nothing preloaded (allocbench exec's check
	// refuses the label libc for it): Flags then leaves libc out and
	// compares with Baseline.
	NoLibc   string
	Baseline string
}

// Flags returns the allocbench exec flags r needs, given the allocators
// installed (libc and those exec finds): none, or for a NoLibc recipe the
// installed ones but libc and a -baseline among them.
func (r Recipe) Flags(installed []string) ([]string, error) {
	if r.NoLibc == "" {
		return nil, nil
	}
	var keep []string
	base := false
	for _, a := range installed {
		if a != "libc" {
			keep = append(keep, a)
			base = base || a == r.Baseline
		}
	}
	if !base {
		return nil, fmt.Errorf("%s: %s; its baseline %s is not installed (installed: %s)", r.Label, r.NoLibc, r.Baseline, strings.Join(installed, ", "))
	}
	return []string{"-allocs", strings.Join(keep, ","), "-baseline", r.Baseline}, nil
}

// Missing returns the commands of r's Needs that PATH lacks.
func (r Recipe) Missing() []string {
	var out []string
	for _, c := range r.Needs {
		if _, err := exec.LookPath(c); err != nil {
			out = append(out, c)
		}
	}
	return out
}

// Ripgrep writes a tree of files text files under dir/tree and returns the
// recipe that searches it with rg on threads threads, counting the lines
// of two patterns in each file.
func Ripgrep(dir string, files, threads int) (Recipe, error) {
	if threads < 1 {
		return Recipe{}, fmt.Errorf("ripgrep: %d threads: at least one", threads)
	}
	tree := filepath.Join(dir, "tree")
	if _, err := TextTree(tree, files, 1); err != nil {
		return Recipe{}, err
	}
	return Recipe{
		Label:    "rg",
		Command:  []string{"rg", "-j", strconv.Itoa(threads), "--count", "-e", Needle, "-e", `mutex \d+`, tree},
		Needs:    []string{"rg"},
		Threaded: threads > 1,
	}, nil
}

// Xz writes size bytes of text to dir/input.txt and returns the recipe
// that compresses it with xz on threads threads into dir/input.txt.xz
// (replaced every run). Blocks of 1 MiB give every thread work even for
// small inputs.
func Xz(dir string, size int64, threads int) (Recipe, error) {
	if threads < 1 {
		return Recipe{}, fmt.Errorf("xz: %d threads: at least one", threads)
	}
	in := filepath.Join(dir, "input.txt")
	if err := TextFile(in, size, 2); err != nil {
		return Recipe{}, err
	}
	return Recipe{
		Label:    "xz",
		Command:  []string{"xz", "-T", strconv.Itoa(threads), "-3", "--block-size=1MiB", "-k", "-f", in},
		Needs:    []string{"xz"},
		Threaded: threads > 1,
	}, nil
}

// Redis returns the recipe that runs script (examples/redis/redisbench.sh)
// on port: redis-server on 127.0.0.1 under the allocator, requests SETs
// and GETs from redis-benchmark's clients connections (the client without
// the allocator), then a shutdown.
func Redis(script string, port, requests, clients int) (Recipe, error) {
	if port < 1024 || port > 65535 {
		return Recipe{}, fmt.Errorf("redis: port %d: 1024 to 65535", port)
	}
	if requests < 1 || clients < 1 {
		return Recipe{}, fmt.Errorf("redis: %d requests from %d clients: both must be positive", requests, clients)
	}
	return Recipe{
		Label:   "redis",
		Command: []string{"sh", script, strconv.Itoa(port), strconv.Itoa(requests), strconv.Itoa(clients)},
		Needs:   []string{"sh", "env", "timeout", "redis-server", "redis-cli", "redis-benchmark"},
		// The server's main thread hands work to its background threads.
		Threaded: true,
		NoLibc:   "Debian's redis-server, redis-cli and redis-benchmark link jemalloc (libjemalloc2): with nothing preloaded their malloc is jemalloc's, not the C library's",
		Baseline: "jemalloc",
	}, nil
}

// RayonMap returns the recipe that runs a rayonmap binary (BuildRayonMap)
// on size items, threads threads; label names it, as a -binary does.
func RayonMap(label, binary string, size, threads int) (Recipe, error) {
	if size < 1 || threads < 1 {
		return Recipe{}, fmt.Errorf("rayonmap: size %d, %d threads: both must be positive", size, threads)
	}
	return Recipe{
		Label:    label,
		Command:  []string{binary, strconv.Itoa(size), strconv.Itoa(threads)},
		Threaded: threads > 1,
	}, nil
}

// FreePort returns a TCP port that nothing listens on at 127.0.0.1 now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("finding a free port on 127.0.0.1: not a TCP address")
	}
	return addr.Port, nil
}
