package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/infra/distro"
)

func TestBuildNeeds(t *testing.T) {
	o := options{variants: []string{"glibc", "musl"}, allocs: alloc.Names()}
	got := buildNeeds(o)
	for _, n := range []distro.Need{distro.CC, distro.LibcDev, "jemalloc", distro.MuslCC, distro.Make, distro.Binutils, distro.DpkgDev} {
		assert.Contains(t, got, n)
	}
	assert.NotContains(t, got, distro.Need("libc"))
	assert.NotContains(t, got, distro.Need("floor"))
	o = options{variants: []string{"musl"}, allocs: []string{alloc.Libc, alloc.Floor}}
	assert.Equal(t, []distro.Need{distro.MuslCC}, buildNeeds(o), "musl's malloc alone needs no allocator sources")
	o = options{variants: []string{"glibc"}, allocs: []string{alloc.Jemalloc}}
	assert.Equal(t, []distro.Need{distro.CC, distro.LibcDev, "jemalloc"}, buildNeeds(o))
}

// Both variants' packages are installed in one step, before either build
// starts: two apt-get runs at once would fight over apt's lock.
func TestOneInstallBeforeTheBuilds(t *testing.T) {
	var ran []string
	installer = func() distro.Installer {
		r, err := distro.Lookup("debian12")
		require.NoError(t, err)
		return distro.Installer{
			Release: r,
			Present: func(distro.Provides) bool { return false },
			Run: func(_ context.Context, argv []string) ([]byte, error) {
				ran = append(ran, strings.Join(argv, " "))
				if argv[1] == "install" {
					return []byte("E: stop here"), errors.New("exit status 100")
				}
				return nil, nil
			},
			Root: true,
		}
	}
	t.Cleanup(func() { installer = distro.NewInstaller })
	o := options{variants: []string{"glibc", "musl"}, allocs: alloc.Names()}

	_, _, _, err := buildPrivate(context.Background(), o, io.Discard)
	require.Error(t, err)
	d12, _ := distro.Lookup("debian12")
	want := "apt-get install -y --no-install-recommends " + strings.Join(d12.PackageNames(buildNeeds(o)...), " ")
	assert.Equal(t, []string{"apt-get update", want}, ran, "one install for both variants")
	assert.Contains(t, want, "gcc libc6-dev libjemalloc2")
	assert.Contains(t, want, "musl-tools make binutils dpkg-dev")
	assert.Contains(t, err.Error(), "E: stop here")

	// -no-install: the same one command, run by nobody.
	ran = nil
	o.noInstall = true
	_, _, _, err = buildPrivate(context.Background(), o, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "install with: apt-get update && "+want)
	assert.Empty(t, ran)
}
