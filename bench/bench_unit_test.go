package bench

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/workloads"
)

func TestDefaultThreads(t *testing.T) {
	ts := DefaultThreads()
	n := runtime.NumCPU()
	assert.Contains(t, ts, 1)
	assert.Contains(t, ts, 2)
	assert.Contains(t, ts, n)
	assert.Contains(t, ts, 2*n)
	for i := 1; i < len(ts); i++ {
		assert.Less(t, ts[i-1], ts[i], "increasing, no duplicates")
	}
}

func TestParseThreads(t *testing.T) {
	ts, err := ParseThreads("8, 1,2,8")
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 8}, ts)

	for in, want := range map[string]string{
		"":       "empty thread list",
		"0":      "thread count 0 is out of range (valid: 1..4096)",
		"4097":   "thread count 4097 is out of range",
		"-2":     "thread count -2",
		"two":    `thread count "two" is not a whole number`,
		"1,,2":   `thread count "" is not a whole number`,
		"1.5":    `thread count "1.5"`,
		"1;2":    `thread count "1;2"`,
		"999999": "thread count 999999",
	} {
		_, err := ParseThreads(in)
		if assert.Error(t, err, "%q", in) {
			assert.Contains(t, err.Error(), want, "%q", in)
		}
	}
}

func TestRequired(t *testing.T) {
	t.Setenv(RequireEnv, "")
	assert.False(t, Required("libc"))
	t.Setenv(RequireEnv, "all")
	assert.True(t, Required("tcmalloc"))
	t.Setenv(RequireEnv, "libc, mimalloc")
	assert.True(t, Required("mimalloc"))
	assert.False(t, Required("jemalloc"))
}

func TestCheckRequired(t *testing.T) {
	t.Setenv(RequireEnv, "libc,floor")
	assert.NoError(t, CheckRequired(), "libc and floor are always there")

	t.Setenv(RequireEnv, "libc,hoard")
	err := CheckRequired()
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), `unknown allocator "hoard"`)
	}

	if cgoalloc.Libc().Static {
		t.Setenv(RequireEnv, "jemalloc")
		err := CheckRequired()
		if assert.Error(t, err, "a static build cannot load jemalloc") {
			assert.Contains(t, err.Error(), "jemalloc")
		}
		t.Setenv(RequireEnv, "all")
		assert.NoError(t, CheckRequired(), "in a static build, all means the allocators linked in")
	}
}

// The configuration lines must be read back by benchfmt, the reader
// benchstat uses, with every key we print.
func TestConfigLinesReadByBenchfmt(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteConfig(&buf, alloc.Names()))
	buf.WriteString("BenchmarkWorkloads/workload=churn/alloc=libc/threads=1-2 100 12.5 ns/op 3.5 " + results.P99Nsec + "\n")

	r := benchfmt.NewReader(&buf, "config")
	var res *benchfmt.Result
	for r.Scan() {
		if rec, ok := r.Result().(*benchfmt.Result); ok {
			res = rec.Clone()
		} else if se, ok := r.Result().(*benchfmt.SyntaxError); ok {
			t.Errorf("benchfmt: %v", se)
		}
	}
	require.NoError(t, r.Err())
	require.NotNil(t, res, "the benchmark line is read")

	libc := cgoalloc.Libc()
	assert.Equal(t, libc.Name, res.GetConfig("libc"))
	assert.Equal(t, libc.Version, res.GetConfig("libc-version"))
	for _, key := range []string{"kernel", "distro", "cpu-brand", "cpu-cores", "cpu-threads-per-core",
		"cpu-cache-line", "cpu-l2", "cpu-l3", "gomaxprocs", "cgroup-cpu-quota", "cgroup-memory-limit"} {
		assert.NotEmpty(t, res.GetConfig(key), key)
	}
	for _, name := range alloc.Names() {
		v := res.GetConfig("alloc-" + name)
		assert.NotEmpty(t, v, name)
		if strings.HasPrefix(v, "skipped: ") {
			assert.Greater(t, len(v), len("skipped: "), "%s says why it was skipped", name)
		}
	}
	name, _ := res.Name.Parts()
	assert.Equal(t, "Workloads", string(name))
	byUnit := map[string]float64{}
	for _, v := range res.Values {
		if v.OrigUnit != "" {
			byUnit[v.OrigUnit] = v.OrigValue
		} else {
			byUnit[v.Unit] = v.Value
		}
	}
	assert.Equal(t, map[string]float64{results.NsPerOp: 12.5, results.P99Nsec: 3.5}, byUnit)
}

// A skipped allocator is named once, with the reason, whatever -v says.
func TestSayUnavailable(t *testing.T) {
	var buf bytes.Buffer
	why := errors.New("libnosuch.so.1: cannot open shared object file")
	sayUnavailable(&buf, "nosuchalloc", why)
	sayUnavailable(&buf, "nosuchalloc", why)
	assert.Equal(t, "allocbench: skipping the benchmarks of nosuchalloc: libnosuch.so.1: cannot open shared object file (set "+RequireEnv+"=nosuchalloc to make this an error)\n", buf.String())
	sayUnavailable(&buf, "otheralloc", why)
	assert.Equal(t, 2, strings.Count(buf.String(), "\n"), "once per allocator")
}

// Main's options: the flag wins over the environment, which wins over the
// defaults; bad values name themselves.
func TestResolveSettings(t *testing.T) {
	t.Setenv(ThreadsEnv, "")
	t.Setenv(FutexEnv, "")
	s, err := resolveSettings("", "", "")
	require.NoError(t, err)
	assert.Equal(t, DefaultThreads(), s.threads)
	assert.Equal(t, workloads.FutexAuto, s.futex)

	t.Setenv(ThreadsEnv, "3")
	t.Setenv(FutexEnv, "off")
	s, err = resolveSettings("", "", "")
	require.NoError(t, err)
	assert.Equal(t, []int{3}, s.threads)
	assert.Equal(t, workloads.FutexOff, s.futex)

	s, err = resolveSettings("1,4", "sampled", "")
	require.NoError(t, err)
	assert.Equal(t, []int{1, 4}, s.threads)
	assert.Equal(t, workloads.FutexSampled, s.futex)

	_, err = resolveSettings("0", "", "")
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), "-allocbench.threads: thread count 0 is out of range")
	}
	t.Setenv(ThreadsEnv, "many")
	_, err = resolveSettings("", "", "")
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), ThreadsEnv+`: thread count "many"`)
	}
	_, err = resolveSettings("1", "strace", "")
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), `unknown futex method "strace"`)
	}

	t.Setenv(ThreadsEnv, "")
	t.Setenv(FreshEnv, "")
	s, err = resolveSettings("", "", "")
	require.NoError(t, err)
	assert.False(t, s.fresh, "runs share the process unless asked")
	t.Setenv(FreshEnv, "true")
	s, err = resolveSettings("", "", "")
	require.NoError(t, err)
	assert.True(t, s.fresh)
	s, err = resolveSettings("", "", "false")
	require.NoError(t, err)
	assert.False(t, s.fresh, "the flag wins over the environment")
	_, err = resolveSettings("", "", "maybe")
	require.EqualError(t, err, `-allocbench.fresh: "maybe" is not true or false`)
	t.Setenv(FreshEnv, "sometimes")
	_, err = resolveSettings("", "", "")
	require.EqualError(t, err, FreshEnv+`: "sometimes" is not true or false`)
}

// The user's libraries are checked before any work, from the flag, else
// from the environment, and the message says which one was wrong.
func TestUserLibsInput(t *testing.T) {
	t.Setenv(LibsEnv, "")
	libs, err := UserLibs("")
	require.NoError(t, err)
	assert.Empty(t, libs)

	_, err = UserLibs("mine=/nowhere/libmine.so")
	require.Error(t, err)
	assert.Equal(t, "-allocbench.libs: allocator mine: /nowhere/libmine.so does not exist", err.Error())

	t.Setenv(LibsEnv, "libc=/nowhere/libmine.so")
	_, err = UserLibs("")
	require.Error(t, err)
	assert.Contains(t, err.Error(), LibsEnv+`: allocator name "libc" is taken by the built-in allocator`)
}
