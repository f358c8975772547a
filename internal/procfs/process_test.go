package procfs

import (
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStartTime(t *testing.T) {
	stat := "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615"
	got, err := ParseStartTime([]byte(stat))
	require.NoError(t, err)
	assert.Equal(t, uint64(987654), got)

	for _, bad := range []string{"", "4242 (a S 1", "4242 (a) S 1 2 3", "4242 (a) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 x 1"} {
		_, err := ParseStartTime([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestStartTime(t *testing.T) {
	requireLinux(t)
	self, err := StartTime(os.Getpid())
	require.NoError(t, err)
	assert.NotZero(t, self)
	again, err := StartTime(os.Getpid())
	require.NoError(t, err)
	assert.Equal(t, self, again)

	_, err = StartTime(1 << 30) // above the kernel's pid limit
	assert.True(t, errors.Is(err, os.ErrNotExist), "%v", err)
}
