package procfs

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const statusFixture = `Name:	procfs.test
Umask:	0022
State:	R (running)
Pid:	4242
VmPeak:	 1264312 kB
VmSize:	 1264312 kB
VmHWM:	   20480 kB
VmRSS:	   10240 kB
RssAnon:	    4096 kB
Threads:	5
`

func TestParseStatus(t *testing.T) {
	m, err := ParseStatus(strings.NewReader(statusFixture))
	require.NoError(t, err)
	assert.Equal(t, uint64(10240*1024), m.RSS)
	assert.Equal(t, uint64(20480*1024), m.PeakRSS)
}

func TestParseStatusErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // substrings of the error
	}{
		{"missing RSS", "VmHWM:\t 1 kB\n", []string{"VmRSS", "missing"}},
		{"missing HWM", "VmRSS:\t 1 kB\n", []string{"VmHWM", "missing"}},
		{"empty", "", []string{"VmRSS", "missing"}},
		{"not a number", "VmHWM:\t 1 kB\nVmRSS:\t abc kB\n", []string{"VmRSS", "line 2", "abc"}},
		{"negative", "VmRSS:\t -5 kB\nVmHWM:\t 1 kB\n", []string{"VmRSS", "line 1", "-5"}},
		{"wrong unit", "VmRSS:\t 5 MB\nVmHWM:\t 1 kB\n", []string{"VmRSS", "line 1", "unit"}},
		{"no unit", "Name:\tx\nVmRSS:\t 5\nVmHWM:\t 1 kB\n", []string{"VmRSS", "line 2"}},
		{"overflow", "VmRSS:\t 1 kB\nVmHWM:\t 18446744073709551615 kB\n", []string{"VmHWM", "line 2", "overflow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseStatus(strings.NewReader(tt.input))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func requireLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("needs Linux /proc, running on %s", runtime.GOOS)
	}
}

func TestReadMemory(t *testing.T) {
	requireLinux(t)
	m, err := ReadMemory()
	require.NoError(t, err)
	assert.Positive(t, m.RSS)
	assert.GreaterOrEqual(t, m.PeakRSS, m.RSS)
}

// TestResetPeakRSS checks that touching a large buffer raises the peak RSS
// by about its size and that a reset brings the peak back to the current
// RSS. The bounds are generous; nothing here depends on timing.
func TestResetPeakRSS(t *testing.T) {
	requireLinux(t)
	const (
		size  = 64 << 20
		slack = 24 << 20
	)

	// Start from a heap whose free pages were returned to the OS, so the
	// buffer below is backed by fresh, untouched pages.
	debug.FreeOSMemory()
	require.NoError(t, ResetPeakRSS())
	before, err := ReadMemory()
	require.NoError(t, err)
	assert.Less(t, before.PeakRSS-before.RSS, uint64(slack), "peak right after reset should be near RSS: %+v", before)

	buf := make([]byte, size)
	page := os.Getpagesize()
	for i := 0; i < len(buf); i += page {
		buf[i] = 1
	}
	touched, err := ReadMemory()
	runtime.KeepAlive(buf)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, touched.PeakRSS, before.PeakRSS+size-slack, "peak should rise by about %d MiB: before %+v, after %+v", size>>20, before, touched)
	assert.GreaterOrEqual(t, touched.PeakRSS, touched.RSS)

	buf = nil
	runtime.GC()
	debug.FreeOSMemory()
	require.NoError(t, ResetPeakRSS())
	after, err := ReadMemory()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, after.PeakRSS, after.RSS)
	assert.Less(t, after.PeakRSS-after.RSS, uint64(slack), "peak after reset should be near RSS: %+v", after)
	assert.Less(t, after.PeakRSS, touched.PeakRSS, "reset after freeing the buffer should lower the peak: touched %+v, after %+v", touched, after)
}
