package procfs

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSchedstat(t *testing.T) {
	s, err := ParseSchedstat([]byte("123456789 2000 42\n"))
	require.NoError(t, err)
	assert.Equal(t, Schedstat{OnCPU: 123456789 * time.Nanosecond, RunQueue: 2 * time.Microsecond, Timeslices: 42}, s)

	s, err = ParseSchedstat([]byte("0 0 0"))
	require.NoError(t, err)
	assert.Zero(t, s)
}

func TestParseSchedstatErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"empty", "", []string{"want 3 fields, got 0"}},
		{"too few", "1 2\n", []string{"want 3 fields, got 2"}},
		{"too many", "1 2 3 4\n", []string{"want 3 fields, got 4"}},
		{"bad on-cpu", "x 2 3\n", []string{"field 1", "on-cpu", `"x"`}},
		{"bad run queue", "1 -2 3\n", []string{"field 2", "run-queue", `"-2"`}},
		{"bad timeslices", "1 2 3.5\n", []string{"field 3", "timeslices", `"3.5"`}},
		{"duration overflow", "9223372036854775808 0 0\n", []string{"field 1", "overflows"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSchedstat([]byte(tt.input))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestThreadSchedstat(t *testing.T) {
	requireLinux(t)
	// The main thread's tid is the process id.
	first, err := ThreadSchedstat(os.Getpid())
	require.NoError(t, err)
	second, err := ThreadSchedstat(os.Getpid())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, second.OnCPU, first.OnCPU, "counters never go back")
	assert.GreaterOrEqual(t, second.RunQueue, first.RunQueue)
	assert.GreaterOrEqual(t, second.Timeslices, first.Timeslices)

	_, err = ThreadSchedstat(0)
	assert.ErrorContains(t, err, "invalid tid 0")

	_, err = ThreadSchedstat(1 << 30) // beyond pid_max, never a thread of ours
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "/proc/self/task/1073741824/schedstat")
}
