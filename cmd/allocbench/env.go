package main

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/allocbench/allocbench/internal/sysinfo"
)

// The environment of a cell is this process's, without the variables that
// change how an allocator or the C library behaves (sysinfo.AffectsAllocator)
// unless the user passes them on with -env: a GLIBC_TUNABLES or LD_PRELOAD
// left in a shell must not change the figures unseen. The benchmarks record
// the ones they get as configuration lines.

// envFlag collects -env NAME or -env NAME=value, in order.
type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, " ") }

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (e *envFlag) Set(s string) error {
	name, value, hasValue := strings.Cut(s, "=")
	if !envName.MatchString(name) {
		return fmt.Errorf("%q is not NAME or NAME=value with a variable name", s)
	}
	if !hasValue {
		v, ok := os.LookupEnv(name)
		if !ok {
			return fmt.Errorf("%s is not set here; give its value: -env %s=value", name, name)
		}
		value = v
	}
	*e = append(*e, name+"="+value)
	return nil
}

// cellBaseEnv is this process's environment without the variables that
// change allocators and without the harness's re-execution marker, plus
// the variables passed on with -env.
func cellBaseEnv(passed []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if sysinfo.AffectsAllocator(name) || name == sysinfo.ReexecMarker {
			continue
		}
		env = append(env, kv)
	}
	return append(env, passed...)
}

// envNotice says which variables the cells get with -env, and which ones set
// here they do not get; "" when there are none of either.
func envNotice(passed []string) string {
	given := map[string]bool{}
	var parts []string
	if len(passed) > 0 {
		parts = append(parts, "cells run with "+strings.Join(passed, " ")+" (-env)")
		for _, kv := range passed {
			name, _, _ := strings.Cut(kv, "=")
			given[name] = true
		}
	}
	var dropped []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if sysinfo.AffectsAllocator(name) && !given[name] {
			dropped = append(dropped, name)
		}
	}
	sort.Strings(dropped)
	if len(dropped) > 0 {
		parts = append(parts, "not passed to the cells: "+strings.Join(dropped, ", ")+" (pass one on with -env NAME)")
	}
	return strings.Join(parts, "; ")
}

// envNames are the names of the variables passed on with -env.
func envNames(passed []string) []string {
	var names []string
	for _, kv := range passed {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name)
	}
	return names
}
