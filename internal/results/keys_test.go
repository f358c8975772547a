package results

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
