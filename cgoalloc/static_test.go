//go:build cgo && allocbench_static

package cgoalloc

// These tests run in the static musl binary that internal/infra/muslalloc's
// integration test builds with the allocbench_static tag; by hand:
//
//	CC=musl-gcc CGO_LDFLAGS=-L<dir> go test -tags allocbench_static \
//	  -ldflags "-linkmode external -extldflags -static -X '...cgoalloc.staticSources=...'" \
//	  -run '^TestStatic' ./cgoalloc

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
)

func TestStaticLibcIsStillMusl(t *testing.T) {
	l := Libc()
	require.Equal(t, "musl", l.Name, "the allocbench_static libraries are built with musl-gcc")
	assert.True(t, l.Static, "a static musl binary")
	a, err := Open(alloc.Libc)
	require.NoError(t, err)
	assert.Equal(t, "musl "+l.Version, a.Info().Version)
	exe, err := os.Executable()
	require.NoError(t, err)
	exe, err = filepath.EvalSymlinks(exe)
	require.NoError(t, err)
	assert.Equal(t, exe, a.Info().ServedBy)
}

func TestStaticAllocatorsLinkedIn(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	exe, err = filepath.EvalSymlinks(exe)
	require.NoError(t, err)
	for name, pattern := range map[string]string{
		alloc.Jemalloc: `^\d+\.\d+\.\d+-\d+-g[0-9a-f]+$`,
		alloc.Mimalloc: `^\d+\.\d+\.\d+$`,
	} {
		assert.True(t, Buildable(name), name)
		a, err := Open(name)
		require.NoError(t, err, name)
		info := a.Info()
		assert.Regexp(t, pattern, info.Version, name)
		assert.Equal(t, exe, info.ServedBy, "%s is part of the executable", name)
		assert.Regexp(t, `^static \(`, info.Library, name)
		if staticSources == "unknown sources" {
			t.Logf("%s: built without -X %s.staticSources; library=%q", name, "cgoalloc", info.Library)
		} else {
			src := staticSourceVersion(name, staticSources)
			require.NotEmpty(t, src, "staticSources %q names %s", staticSources, name)
			assert.Contains(t, info.Library, "Debian source "+name+" "+src, name)
			assert.Contains(t, info.Library, "built with ", name)
		}
		require.NoError(t, exerciseTable(a, 20000), name)
		a.Trim()
	}
	// The two are different allocators, and neither is the libc's.
	je, _ := Open(alloc.Jemalloc)
	mi, _ := Open(alloc.Mimalloc)
	lc, _ := Open(alloc.Libc)
	require.NotNil(t, je)
	require.NotNil(t, mi)
	assert.NotEqual(t, je.Table(), mi.Table())
	require.NotNil(t, lc)
	// The check that keeps the others honest: the libc's table is musl's
	// own malloc, and exerciseTable says so.
	err = exerciseTable(lc, 100)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the C library's")
}

func TestStaticLibraryText(t *testing.T) {
	sources := "jemalloc 5.3.0-1 and mimalloc 2.0.9+ds-2, Debian sources built with musl-gcc 1.2.3"
	assert.Equal(t, "5.3.0-1", staticSourceVersion(alloc.Jemalloc, sources))
	assert.Equal(t, "2.0.9+ds-2", staticSourceVersion(alloc.Mimalloc, sources))
	assert.Equal(t, "", staticSourceVersion(alloc.Tcmalloc, sources))
	assert.Equal(t, "static (Debian source jemalloc 5.3.0-1 built with musl-gcc 1.2.3)", staticLibrary(alloc.Jemalloc, sources))
	assert.Equal(t, "static (Debian source mimalloc 2.0.9+ds-2 built with musl-gcc 1.2.3)", staticLibrary(alloc.Mimalloc, sources))
	assert.Equal(t, "static (unknown sources)", staticLibrary(alloc.Jemalloc, "unknown sources"))

	assert.NoError(t, checkStaticVersion(alloc.Jemalloc, "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c", sources))
	assert.NoError(t, checkStaticVersion(alloc.Mimalloc, "2.0.9", sources))
	assert.NoError(t, checkStaticVersion(alloc.Mimalloc, "2.0.9", "unknown sources"))
	err := checkStaticVersion(alloc.Jemalloc, "5.2.1-0-gea6b3e973b477b8061e0076bb257dbd7f3faa756", sources)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reports version 5.2.1")
	assert.Error(t, checkStaticVersion(alloc.Mimalloc, "2.1.2", sources))
	assert.NoError(t, checkStaticVersion(alloc.Mimalloc, "2.0.9", "jemalloc 1:5.3.0-1 and mimalloc 2.0.9+ds-2, x"))
}
