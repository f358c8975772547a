package sysinfo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAffectsAllocator(t *testing.T) {
	for _, name := range []string{"GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_CONF", "MALLOC_CHECK_", "MIMALLOC_ARENA_EAGER_COMMIT",
		"TCMALLOC_RELEASE_RATE", "JEMALLOC_X", "LD_PRELOAD", "LD_LIBRARY_PATH",
		"TBB_MALLOC_USE_HUGE_PAGES", "JE_MALLOC_CONF", "_RJEM_MALLOC_CONF", "MALLOCSTATS", "PERFTOOLS_VERBOSE"} {
		assert.True(t, AffectsAllocator(name), name)
	}
	for _, name := range []string{"PATH", "HOME", "GOGC", "LD_PRELOADX", "XMALLOC_CONF", "ALLOCBENCH_FUTEX", "TBB_VERSION", "MALLOCSTATSX"} {
		assert.False(t, AffectsAllocator(name), name)
	}
}

func TestEnvConfigLines(t *testing.T) {
	lines := EnvConfigLines([]string{"PATH=/bin", "MALLOC_CONF=narenas:1,tcache:false", "GLIBC_TUNABLES=glibc.malloc.arena_max=1",
		"LD_PRELOAD=", "MIMALLOC_SHOW_STATS=1\nx", "MALLOC_WEIRD:NAME=1"})
	assert.Equal(t, []KV{
		{"env-glibc_tunables", "glibc.malloc.arena_max=1"},
		{"env-ld_preload", "(empty)"},
		{"env-malloc_conf", "narenas:1,tcache:false"},
		{"env-malloc_weird_name", "1"},
		{"env-mimalloc_show_stats", "1 x"},
	}, lines)
	for _, kv := range lines {
		assert.NoError(t, validKey(kv.Key))
	}
}

// The tunable the harness adds when it re-executes the test binary is
// recorded as the harness's own; the user's tunables stay under
// env-glibc_tunables.
func TestEnvConfigLinesHarnessTunable(t *testing.T) {
	assert.Equal(t, []KV{{results.HarnessTunablesKey, "glibc.rtld.optional_static_tls=16384 (added by the harness to load jemalloc)"}},
		EnvConfigLines([]string{"GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384", "ALLOCBENCH_REEXECUTED=1"}))
	assert.Equal(t, []KV{
		{"env-glibc_tunables", "glibc.malloc.arena_max=1"},
		{results.HarnessTunablesKey, "glibc.rtld.optional_static_tls=16384 (added by the harness to load jemalloc)"},
	}, EnvConfigLines([]string{"GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.rtld.optional_static_tls=16384", "ALLOCBENCH_REEXECUTED=1"}))
	assert.Equal(t, []KV{{"env-glibc_tunables", "glibc.rtld.optional_static_tls=4096"}},
		EnvConfigLines([]string{"GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096"}), "set by the user, not re-executed")
}

// The marker and the tunable read here are the ones cgoalloc sets when it
// re-executes the test binary.
func TestHarnessTunableMatchesCgoalloc(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "cgoalloc", "*.go"))
	require.NoError(t, err)
	var src strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		src.Write(data)
	}
	assert.Contains(t, src.String(), `"`+ReexecMarker+`"`)
	assert.Contains(t, src.String(), `"`+harnessTunable+`"`)
}
