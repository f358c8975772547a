package sysinfo

import (
	"sort"
	"strings"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/results"
)

// AffectsAllocator reports whether the environment variable name changes how
// an allocator or the C library behaves: whether an allocator's record
// names it (alloc.Spec's Env and EnvPrefixes; the C library's record has
// its tunables, its MALLOC_* variables and the dynamic linker's).
func AffectsAllocator(name string) bool {
	return alloc.EnvOwner(name) != ""
}

// ReexecMarker is the variable that marks the re-execution that adds the
// harness's tunable (see cgoalloc.PrepareProcess); harnessTunable is the
// tunable it appends to GLIBC_TUNABLES.
const (
	ReexecMarker   = "ALLOCBENCH_REEXECUTED"
	harnessTunable = "glibc.rtld.optional_static_tls"
)

// EnvConfigLines returns a configuration line for every variable of environ
// ("NAME=value" entries, as os.Environ gives them) that AffectsAllocator,
// ordered by name. A variable set to nothing reads "(empty)". When the
// process was re-executed by the harness to add its own glibc tunable, that
// tunable is recorded apart, under results.HarnessTunablesKey, and GLIBC_TUNABLES
// shows only what was set before.
func EnvConfigLines(environ []string) []KV {
	vars := map[string]string{}
	reexecuted := false
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if name == ReexecMarker && value != "" {
			reexecuted = true
		}
		if AffectsAllocator(name) {
			vars[name] = value
		}
	}
	var harness string
	if t, ok := vars["GLIBC_TUNABLES"]; ok && reexecuted {
		entries := strings.Split(t, ":")
		if last := entries[len(entries)-1]; strings.HasPrefix(last, harnessTunable+"=") {
			harness = last
			if len(entries) == 1 {
				delete(vars, "GLIBC_TUNABLES")
			} else {
				vars["GLIBC_TUNABLES"] = strings.Join(entries[:len(entries)-1], ":")
			}
		}
	}
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	var lines []KV
	for _, n := range names {
		v := singleLine(vars[n])
		if v == "" {
			v = "(empty)"
		}
		lines = append(lines, KV{results.EnvKey(n), v})
	}
	if harness != "" {
		lines = append(lines, KV{results.HarnessTunablesKey, harness + " (added by the harness to load jemalloc)"})
	}
	return lines
}
