package main

import (
	"context"
	"io"
	"slices"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/infra/distro"
	"github.com/allocbench/allocbench/internal/infra/muslalloc"
	"github.com/allocbench/allocbench/internal/sysinfo"
)

// buildNeeds is what building the variants of o needs, by the distribution
// table's names: the C compiler and headers, and the shared libraries of
// the chosen allocators the glibc variant has here (their packages come
// from the allocators' records); musl-gcc, and what the musl builds of
// jemalloc and mimalloc use, for musl.
func buildNeeds(o options) []distro.Need {
	var ns []distro.Need
	for _, v := range o.variants {
		switch v {
		case "glibc":
			ns = append(ns, distro.CC, distro.LibcDev)
			have, _ := variantAllocs(v, sysinfo.Release(), true)
			for _, a := range o.allocs {
				if s, err := alloc.Lookup(a); err == nil && s.Loadable() && !s.User() && slices.Contains(have, a) {
					ns = append(ns, distro.Need(a))
				}
			}
		case "musl":
			ns = append(ns, distro.MuslCC)
			if wantsMuslLibs(o.allocs) {
				ns = append(ns, muslalloc.Needs()...)
			}
		}
	}
	return ns
}

// installer is the distribution's installer; tests replace it.
var installer = distro.NewInstaller

// ensure installs what is missing of ns in one step, as root, saying what
// it installs; with noInstall, or where it cannot, it returns the command
// to run instead. notes name what this distribution does not ship.
func ensure(ctx context.Context, ns []distro.Need, noInstall bool, log io.Writer) (notes []string, err error) {
	return installer().Ensure(ctx, ns, distro.Options{NoInstall: noInstall, Log: log, Prefix: "allocbench: "})
}
