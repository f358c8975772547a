package sysinfo

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sampleInfo = Info{
	Kernel: "6.1.0-18-amd64 #1 SMP\nPREEMPT_DYNAMIC Debian 6.1.76-1\t(2024-02-01)\n",
	Distro: "Debian GNU/Linux 12 (bookworm)",
	CPU: CPU{
		Brand:          "AMD EPYC 7B13 64-Core Processor ",
		PhysicalCores:  8,
		ThreadsPerCore: 2,
		LogicalCores:   16,
		CacheLine:      64,
		L2:             512 << 10,
		L3:             -1,
	},
	NumCPU:     16,
	GOMAXPROCS: 4,
	Cgroup: Cgroup{
		Version: 2,
		CPU:     CPUQuota{Limited: true, Quota: 200000, Period: 100000},
		Memory:  MemoryLimit{},
	},
}

func TestConfigLines(t *testing.T) {
	got := sampleInfo.ConfigLines()
	assert.Equal(t, []KV{
		{"kernel", "6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"},
		{"distro", "Debian GNU/Linux 12 (bookworm)"},
		{"cpu-brand", "AMD EPYC 7B13 64-Core Processor"},
		{"cpu-cores", "8"},
		{"cpu-threads-per-core", "2"},
		{"cpu-logical", "16"},
		{"cpu-cache-line", "64"},
		{"cpu-l2", "524288 (512 KiB)"},
		{"cpu-l3", "unknown"},
		{"numcpu", "16"},
		{"gomaxprocs", "4"},
		{"cgroup-cpu-quota", "2.00 CPUs (200000/100000)"},
		{"cgroup-memory-limit", "none"},
	}, got)
}

func TestConfigLinesValid(t *testing.T) {
	for _, info := range []Info{sampleInfo, {}, Collect()} {
		for _, kv := range info.ConfigLines() {
			assert.NoError(t, validKey(kv.Key))
			assert.NotEmpty(t, kv.Value, kv.Key)
			assert.NotContains(t, kv.Value, "\n", kv.Key)
			assert.NotContains(t, kv.Value, "\t", kv.Key)
			assert.NotContains(t, kv.Value, "\r", kv.Key)
		}
	}
}

func TestWriteConfig(t *testing.T) {
	var b strings.Builder
	require.NoError(t, WriteConfig(&b, []KV{
		{"goos", "linux"},
		{"cpu-l2", "1048576 (1 MiB)"},
		{"note", "two\nlines\r\n"},
		{"empty", ""},
		{"ключ", "unicode lower-case key"},
	}))
	assert.Equal(t, "goos: linux\ncpu-l2: 1048576 (1 MiB)\nnote: two lines\nempty:\nключ: unicode lower-case key\n", b.String())
}

func TestWriteConfigBadKeys(t *testing.T) {
	for _, key := range []string{"", "Kernel", "cpu brand", "cpuL2", "1cpu", "-x", "a:b", "tab\tkey", "bad\xff"} {
		var b strings.Builder
		err := WriteConfig(&b, []KV{{"good", "v"}, {key, "v"}})
		if assert.Error(t, err, "key %q", key) {
			assert.Contains(t, err.Error(), "invalid config key")
			assert.Contains(t, err.Error(), fmt.Sprintf("%q", key), "error names the key")
		}
		assert.Empty(t, b.String(), "nothing written when a key is bad")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteConfigWriteError(t *testing.T) {
	assert.EqualError(t, WriteConfig(failWriter{}, []KV{{"a", "b"}}), "disk full")
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[uint64]string{
		0:                   "0 B",
		512:                 "512 B",
		1024:                "1 KiB",
		1536:                "1.5 KiB",
		1 << 20:             "1 MiB",
		32 << 20:            "32 MiB",
		3 << 29:             "1.5 GiB",
		9223372036854771712: "8.0 EiB",
	} {
		assert.Equal(t, want, humanBytes(n), "%d", n)
	}
	assert.Equal(t, "1048576 (1 MiB)", bytesWithHuman(1<<20))
}
