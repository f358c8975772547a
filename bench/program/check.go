//go:build linux

package program

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// check makes the untimed check run of a cell and returns how the
// allocator was confirmed. For a dynamic program the dynamic linker
// writes its symbol bindings (LD_DEBUG=bindings) to files in a temporary
// directory; malloc must bind to the preloaded library, or for libc to
// the C library, in the program's own process (children may run other
// programs). A static program, or a musl one, is run as a warm-up and not
// checked: nothing is preloaded into it.
func (r *runner) check(ctx context.Context, c Cell, co *cellOutput) (string, error) {
	co.header("check run")
	if c.Binary.OwnMallocOnly() {
		run := r.run(ctx, co.spawn(c, false))
		if run.Err != "" {
			return "", fmt.Errorf("%s: check run: %s", c.Short(), run.Err)
		}
		if c.Binary.Static {
			return "static binary: its own malloc", nil
		}
		return "musl binary: musl's malloc, nothing preloaded", nil
	}
	dir, err := os.MkdirTemp("", "allocbench-exec-check-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	s := co.spawn(c, false)
	s.env = []string{"LD_DEBUG=bindings", "LD_DEBUG_OUTPUT=" + filepath.Join(dir, "ld")}
	run := r.run(ctx, s)
	if run.Err != "" {
		return "", fmt.Errorf("%s: check run: %s", c.Short(), run.Err)
	}
	// The program's own process writes ld.<pid>, the first to start.
	files, _ := filepath.Glob(filepath.Join(dir, "ld.*"))
	sort.Strings(files)
	var targets []string
	for _, f := range files {
		targets = append(targets, mallocTargets(f)...)
	}
	if len(targets) == 0 {
		why := "the program made no call to malloc through the dynamic linker in its check run"
		if run.Failed() != "" {
			why += " (it " + run.Failed() + ")"
		}
		return "", mislabelled("%s: cannot confirm that %s serves %s: %s", c.Short(), c.Alloc.Name, c.Binary.Path, why)
	}
	if !c.Alloc.Preloads() {
		for _, t := range targets {
			if !isCLibrary(t) {
				return "", mislabelled("%s: with nothing preloaded, malloc binds to %s, not to the C library: %s brings an allocator of its own, so its runs cannot be labelled libc; leave libc out (-allocs) and compare with another baseline (-baseline)", c.Short(), t, filepath.Base(c.Binary.Path))
			}
		}
		return "malloc binds to the C library (LD_DEBUG=bindings)", nil
	}
	want, err := os.Stat(c.Alloc.Library)
	if err != nil {
		return "", fmt.Errorf("%s: %w", c.Short(), err)
	}
	var other []string
	ok := false
	for _, t := range targets {
		if st, err := os.Stat(t); err == nil && os.SameFile(st, want) {
			ok = true
		} else {
			other = append(other, t)
		}
	}
	if !ok {
		return "", mislabelled("%s: with %s preloaded, malloc binds to %s: it does not serve the program's malloc (a library must define malloc, free and realloc under their own names to replace the C library's)",
			c.Short(), c.Alloc.Library, firstFew(dedup(other), 3))
	}
	return "malloc binds to " + c.Alloc.Library + " (LD_DEBUG=bindings)", nil
}

// mallocTargets reads one LD_DEBUG=bindings file and returns the files
// that malloc was bound to, lines like
//
//	1234:	binding file /bin/true [0] to /lib/x86_64-linux-gnu/libc.so.6 [0]: normal symbol `malloc' [GLIBC_2.2.5]
func mallocTargets(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "symbol `malloc'") {
			continue
		}
		_, rest, ok := strings.Cut(line, "] to ")
		if !ok {
			continue
		}
		target, _, ok := strings.Cut(rest, " [")
		if ok {
			out = append(out, target)
		}
	}
	return out
}

func isCLibrary(path string) bool {
	base := filepath.Base(path)
	return strings.HasPrefix(base, "libc.so") || strings.HasPrefix(base, "libc-") || strings.HasPrefix(base, "ld-musl")
}

func dedup(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
