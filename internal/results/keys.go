package results

import "strings"

// The configuration keys of a result file: each "key: value" line before
// the results it applies to. Every key written or read is named here, so
// that writers and readers agree on its spelling.

// go test's own keys, which every benchmark binary prints first.
const (
	GoosKey   = "goos"
	GoarchKey = "goarch"
	PkgKey    = "pkg"
	// CPUKey is go test's name of the processor; package sysinfo's
	// cpu-... keys describe it further.
	CPUKey = "cpu"
)

// The machine, as package sysinfo describes it.
const (
	KernelKey            = "kernel"
	DistroKey            = "distro"
	CPUBrandKey          = "cpu-brand"
	CPUCoresKey          = "cpu-cores"
	CPUThreadsPerCoreKey = "cpu-threads-per-core"
	CPULogicalKey        = "cpu-logical"
	CPUCacheLineKey      = "cpu-cache-line"
	CPUL2Key             = "cpu-l2"
	CPUL3Key             = "cpu-l3"
	NumCPUKey            = "numcpu"
	GOMAXPROCSKey        = "gomaxprocs"
	CgroupCPUQuotaKey    = "cgroup-cpu-quota"
	CgroupMemoryLimitKey = "cgroup-memory-limit"
	// CPUKeyPrefix and CgroupKeyPrefix begin the keys above that
	// describe the processor and the cgroup's limits.
	CPUKeyPrefix    = "cpu-"
	CgroupKeyPrefix = "cgroup-"
)

// The environment that changes allocators (see EnvKey).
const (
	// EnvKeyPrefix begins the configuration key of each environment
	// variable that changes an allocator: "env-" and the variable's name
	// in lower case (benchfmt keys have no upper-case letters), e.g.
	// env-glibc_tunables.
	EnvKeyPrefix = "env-"
	// HarnessTunablesKey records the glibc tunable that the harness adds
	// itself (cgoalloc.PrepareProcess re-executes the test binary with it
	// so that Debian's jemalloc can be opened); it is not the user's
	// setting.
	HarnessTunablesKey = "harness-glibc_tunables"
	// HarnessKeyPrefix begins the keys of what the harness set itself.
	HarnessKeyPrefix = "harness-"
)

// The C library, the allocators and how the benchmarks measured, as
// package bench writes them.
const (
	LibcKey        = "libc"
	LibcVersionKey = "libc-version"
	LibcPathKey    = "libc-path"
	// AllocKeyPrefix begins each allocator's key (see AllocKey): its
	// version and library, or why it was skipped.
	AllocKeyPrefix = "alloc-"
	// FutexMethodKey names how a result's futex figures were measured
	// (tracepoint, tracepoint (host), sampled, off, unavailable), and
	// FutexMethodReasonKey why not the best method.
	FutexMethodKey       = "futex-method"
	FutexMethodReasonKey = "futex-method-reason"
	// FutexKeyPrefix begins both.
	FutexKeyPrefix = "futex-"
	// FreshProcessKey says whether each run had a process of its own.
	FreshProcessKey = "fresh-process-per-run"
)

// The main job's keys.
const (
	// PrecisionTargetKey heads each result file of the main job: how far
	// its cells run.
	PrecisionTargetKey = "precision-target"
	// FailedKey marks the results of a cell that failed (it timed out,
	// crashed or failed a check): the main job writes "cell-failed:
	// <cell>: <why>" before them and "cell-failed:" (which removes the
	// key) after them. ReadFile leaves such results out and says so.
	FailedKey = "cell-failed"
)

// The keys of allocbench fidelity's original.txt: the original program,
// where its source came from, how it was built, its checksum, and each
// allocator's way in (OriginalAllocKeyPrefix and the allocator's name).
const (
	OriginalKey            = "original"
	OriginalSourceKey      = "original-source"
	OriginalBuildKey       = "original-build"
	OriginalSHA256Key      = "original-sha256"
	OriginalAllocKeyPrefix = "original-alloc-"
)

// The keys of allocbench exec's exec.txt: the command's label, each
// build of the program (ExecProgramKey, or ExecProgramKey-<label> with
// several builds), its arguments, the rounds' seed, the warm-up runs, the
// time limit of a run, the command run before each run and the file given
// as standard input.
const (
	ExecLabelKey   = "exec-label"
	ExecProgramKey = "exec-program"
	ExecArgsKey    = "exec-args"
	ExecSeedKey    = "exec-seed"
	ExecWarmupKey  = "exec-warmup"
	ExecTimeoutKey = "exec-timeout"
	ExecPrepareKey = "exec-prepare"
	ExecInputKey   = "exec-input"
)

// Keys that ReadFiles sets on every result, so that projections (-row,
// -col, -filter) can refer to the input a result came from.
const (
	// LabelKey is the label of the input file ("glibc" for
	// glibc=results/glibc.txt, or the base name without extension).
	LabelKey = ".label"
	// FileKey is the same label under the key benchstat users know.
	FileKey = ".file"
)

// AllocKey is the configuration key of the allocator name.
func AllocKey(name string) string { return AllocKeyPrefix + name }

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
