package sysinfo

import (
	"sort"
	"strings"

	"github.com/allocbench/allocbench/alloc"
)

// AffectsAllocator reports whether the environment variable name changes how
// an allocator or the C library behaves: whether an allocator's record
// names it (alloc.Spec's Env and EnvPrefixes; the C library's record has
// its tunables, its MALLOC_* variables and the dynamic linker's).
func AffectsAllocator(name string) bool {
	return alloc.EnvOwner(name) != ""
}

// EnvKeyPrefix begins the configuration key of each environment variable
// that AffectsAllocator: "env-" and the variable's name in lower case
// (benchfmt keys have no upper-case letters), e.g. env-glibc_tunables.
const EnvKeyPrefix = "env-"

// HarnessTunablesKey records the glibc tunable that the harness adds itself
// (cgoalloc.PrepareProcess re-executes the test binary with it so that
// Debian's jemalloc can be opened); it is not the user's setting.
const HarnessTunablesKey = "harness-glibc_tunables"

// ReexecMarker is the variable that marks the re-execution that adds the
// harness's tunable (see cgoalloc.PrepareProcess); harnessTunable is the
// tunable it appends to GLIBC_TUNABLES.
const (
	ReexecMarker   = "ALLOCBENCH_REEXECUTED"
	harnessTunable = "glibc.rtld.optional_static_tls"
)

// EnvKey is the configuration key that records environment variable name.
func EnvKey(name string) string {
	return EnvKeyPrefix + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '_'
	}, name)
}

// EnvName turns a key made by EnvKey back into the variable's name (in
// upper case, as allocator variables are spelt), or returns "" when key
// does not record an environment variable.
func EnvName(key string) string {
	if !strings.HasPrefix(key, EnvKeyPrefix) {
		return ""
	}
	return strings.ToUpper(strings.TrimPrefix(key, EnvKeyPrefix))
}

// EnvConfigLines returns a configuration line for every variable of environ
// ("NAME=value" entries, as os.Environ gives them) that AffectsAllocator,
// ordered by name. A variable set to nothing reads "(empty)". When the
// process was re-executed by the harness to add its own glibc tunable, that
// tunable is recorded apart, under HarnessTunablesKey, and GLIBC_TUNABLES
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
		lines = append(lines, KV{EnvKey(n), v})
	}
	if harness != "" {
		lines = append(lines, KV{HarnessTunablesKey, harness + " (added by the harness to load jemalloc)"})
	}
	return lines
}
