//go:build cgo

package cgoalloc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/infra/muslalloc"
)

func TestMain(m *testing.M) {
	if os.Getenv("ALLOCBENCH_OPEN_LIBC_CHILD") != "" {
		// Child of TestPreloadedMallocIsNotCalledLibc: report what the
		// libc loader says about this process and exit.
		if _, err := Open(alloc.Libc); err != nil {
			fmt.Println("open libc:", err)
			os.Exit(3)
		}
		fmt.Println("open libc: ok")
		os.Exit(0)
	}
	if err := PrepareProcess(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func requiredAll() bool { return os.Getenv("ALLOCBENCH_REQUIRE") == "all" }

// requiredHere: ALLOCBENCH_REQUIRE=all and the allocator is packaged for
// this release.
func requiredHere(name string) bool { return requiredAll() && Buildable(name) }

func TestLibcIdentified(t *testing.T) {
	l := Libc()
	require.Contains(t, []string{"glibc", "musl"}, l.Name)
	assert.NotEqual(t, "unknown", l.Version)
	assert.Regexp(t, `^\d+\.\d+`, l.Version)
	assert.FileExists(t, l.Path)
}

func TestEveryAllocatorIdentifiesItself(t *testing.T) {
	libc := Libc()
	for _, name := range alloc.Names() {
		a, err := Open(name)
		spec, _ := alloc.Lookup(name)
		if err != nil {
			if libc.Static && spec.Loadable() {
				assert.Contains(t, err.Error(), "statically", name)
				continue
			}
			if Required(name) {
				t.Errorf("%s: %v", name, err)
			} else {
				t.Logf("skipping %s: %v", name, err)
			}
			continue
		}
		info := a.Info()
		assert.Equal(t, name, info.Name)
		assert.NotEmpty(t, info.Version, name)
		assert.NotNil(t, a.Table(), name)
		switch {
		case name == alloc.Libc:
			assert.Equal(t, libc.Path, info.ServedBy, "libc's malloc is served by the libc")
			assert.Contains(t, info.Version, libc.Name)
		case strings.HasPrefix(info.Library, "static ("):
			// Linked in under allocbench_static: served by the executable.
			assert.Equal(t, libc.Path, info.ServedBy, "%s is linked into the executable", name)
		case spec.Loadable():
			assert.Equal(t, info.Library, info.ServedBy, "%s's entry points come from its own library", name)
			stem := strings.SplitN(spec.Sonames(release())[0], ".so", 2)[0]
			assert.True(t, strings.HasPrefix(filepath.Base(info.Library), stem), "%s loaded from %s", name, info.Library)
			assert.Regexp(t, `^[0-9a-f]{16,}$`, info.BuildID, "%s's library carries a GNU build-id", name)
		}
		again, err := Open(name)
		require.NoError(t, err)
		assert.Same(t, a, again, "allocators are loaded once")
	}
}

func TestVersions(t *testing.T) {
	for name, pattern := range map[string]string{
		alloc.Jemalloc:  `^\d+\.\d+\.\d+-`,
		alloc.Mimalloc:  `^\d+\.\d+\.\d+$`,
		alloc.Tcmalloc:  `^gperftools \d+\.\d+`,
		alloc.Mimalloc3: `^3\.\d+\.\d+$`,
		alloc.Tbbmalloc: `^unknown \(no version function\)$`,
	} {
		a, err := Open(name)
		if err != nil {
			if requiredHere(name) && !Libc().Static {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		assert.Regexp(t, pattern, a.Info().Version, name)
	}
}

func TestOpenUnknown(t *testing.T) {
	_, err := Open("hoard")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown allocator "hoard"`)
}

func TestLoadHint(t *testing.T) {
	spec, _ := alloc.Lookup(alloc.Jemalloc)
	assert.Contains(t, loadHint(spec, []string{"dlopen: libjemalloc.so.2: cannot allocate memory in static TLS block"}, "debian12"), "PrepareProcess")
	assert.Contains(t, loadHint(spec, []string{"dlopen: libjemalloc.so.2: cannot open shared object file: No such file or directory"}, "debian12"), "apt-get install libjemalloc2")
	tc, _ := alloc.Lookup(alloc.Tcmalloc)
	assert.Contains(t, loadHint(tc, []string{"dlopen: libtcmalloc_minimal.so.4: cannot open shared object file: No such file or directory"}, "debian13"), "apt-get install libtcmalloc-minimal4t64")
	mi3, _ := alloc.Lookup(alloc.Mimalloc3)
	h := loadHint(mi3, []string{"dlopen: libmimalloc.so.3: cannot open shared object file: No such file or directory"}, "debian12")
	assert.True(t, strings.HasPrefix(h, " (debian12 ships no package of it; it is packaged on debian13: libmimalloc3"), h)
	assert.True(t, strings.HasSuffix(h, ")"), h)
}

// An allocator not packaged for this release is not one that "all" can
// require here; one that is, is.
func TestBuildableFollowsTheRelease(t *testing.T) {
	if Libc().Static {
		t.Skip("a static binary has only what is linked in")
	}
	for _, s := range alloc.Builtin() {
		if !s.Loadable() {
			assert.True(t, Buildable(s.Name), s.Name)
			continue
		}
		_, packaged := s.On(release())
		assert.Equal(t, packaged || release() == "", Buildable(s.Name), s.Name)
	}
}

// A malloc library preloaded into the process replaces the libc's malloc
// for every caller; the libc allocator must refuse to carry the libc's name
// then.
func TestPreloadedMallocIsNotCalledLibc(t *testing.T) {
	if Libc().Static {
		t.Skip("a static binary cannot have a library preloaded")
	}
	lib := "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2"
	if _, err := os.Stat(lib); err != nil {
		if requiredAll() {
			t.Fatalf("%s is needed for this test: %v", lib, err)
		}
		t.Skipf("%s is not installed", lib)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), "ALLOCBENCH_OPEN_LIBC_CHILD=1", "LD_PRELOAD="+lib)
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the child must refuse: %s", out)
	assert.Contains(t, string(out), "malloc is served by /usr/lib/x86_64-linux-gnu/libmimalloc.so")
	assert.Contains(t, string(out), "not by the C library")

	cmd = exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), "ALLOCBENCH_OPEN_LIBC_CHILD=1")
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "without the preload the child opens libc: %s", out)
}

func TestFloorAllocates(t *testing.T) {
	a, err := Open(alloc.Floor)
	require.NoError(t, err)
	assert.False(t, a.Spec().CrossThreadFree)
	assert.Equal(t, "harness", a.Info().Version)
}

// TestEveryAllocatorPassesSelfCheck runs the allocators, floor among them,
// through malloc, realloc and free of many sizes.
func TestEveryAllocatorPassesSelfCheck(t *testing.T) {
	for _, name := range alloc.Names() {
		a, err := Open(name)
		if err != nil {
			if Required(name) {
				t.Fatalf("%s is required: %v", name, err)
			}
			t.Logf("%s not installed: %v", name, err)
			continue
		}
		assert.NoError(t, a.SelfCheck(), name)
	}
}

// BenchmarkCgoCall measures one empty call into C: the cost the harness
// pays once per thread per run, and what a kernel would pay per op if it
// crossed into C for every malloc.
func BenchmarkCgoCall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		nop()
	}
}

// The musl build's failures reach the alloc-<name> line by name.
func TestStaticSkipReason(t *testing.T) {
	skipped := "tcmalloc: musl-gcc cannot compile C++: error: new: No such file or directory; tbbmalloc: no C++"
	assert.Equal(t, "musl-gcc cannot compile C++: error: new: No such file or directory", staticSkipReason("tcmalloc", skipped))
	assert.Equal(t, "no C++", staticSkipReason("tbbmalloc", skipped))
	assert.Equal(t, "", staticSkipReason("jemalloc", skipped))
	assert.Equal(t, "", staticSkipReason("tcmalloc", ""))

	// A build of the libraries that failed as a whole names every
	// allocator, jemalloc and mimalloc too, with its error.
	failed := muslalloc.FailedText(errors.New("fetching the source packages: 404  Not Found"))
	for _, name := range []string{"jemalloc", "mimalloc"} {
		assert.Equal(t, "the musl libraries could not be built: fetching the source packages: 404  Not Found", staticSkipReason(name, failed), name)
	}
}
