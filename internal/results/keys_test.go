package results

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvKeyAndBack(t *testing.T) {
	assert.Equal(t, "env-glibc_tunables", EnvKey("GLIBC_TUNABLES"))
	assert.Equal(t, "env-malloc_weird_name", EnvKey("MALLOC_WEIRD-NAME"))
	assert.Equal(t, "GLIBC_TUNABLES", EnvName("env-glibc_tunables"))
	assert.Equal(t, "", EnvName("libc"))
	assert.Equal(t, "alloc-jemalloc", AllocKey("jemalloc"))
}

// Every key is one benchfmt reads as a configuration key: ConfigLine
// takes "key: value" apart into the key and the value.
func TestKeysAreConfigKeys(t *testing.T) {
	for _, k := range []string{
		GoosKey, GoarchKey, PkgKey, CPUKey, KernelKey, DistroKey, CPUBrandKey, CPUCoresKey, CPUThreadsPerCoreKey,
		CPULogicalKey, CPUCacheLineKey, CPUL2Key, CPUL3Key, NumCPUKey, GOMAXPROCSKey, CgroupCPUQuotaKey,
		CgroupMemoryLimitKey, HarnessTunablesKey, LibcKey, LibcVersionKey, LibcPathKey, FutexMethodKey,
		FutexMethodReasonKey, FreshProcessKey, PrecisionTargetKey, FailedKey, OriginalKey, OriginalSourceKey,
		OriginalBuildKey, OriginalSHA256Key, AllocKey("mimalloc"), EnvKey("MALLOC_ARENA_MAX"),
		OriginalAllocKeyPrefix + "jemalloc",
	} {
		key, value, ok := ConfigLine(k + ": v")
		assert.True(t, ok, k)
		assert.Equal(t, k, key)
		assert.Equal(t, "v", value, k)
	}
}

// The format is a leaf: the harness writes it and the analysis reads it,
// so it imports none of them (nor anything else of the module).
func TestImportsNothingOfTheModule(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			assert.NotContains(t, imp.Path.Value, "github.com/allocbench/allocbench", "%s imports %s", name, imp.Path.Value)
		}
	}
}
