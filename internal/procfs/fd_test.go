package procfs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenFDs(t *testing.T) {
	requireLinux(t)
	n0, err := OpenFDs()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n0, 3, "stdin, stdout and stderr at least")

	again, err := OpenFDs()
	require.NoError(t, err)
	assert.Equal(t, n0, again, "counting must not leak descriptors")

	f, err := os.Create(filepath.Join(t.TempDir(), "fd"))
	require.NoError(t, err)
	open, err := OpenFDs()
	require.NoError(t, err)
	assert.Equal(t, n0+1, open, "one more while the file is open")

	require.NoError(t, f.Close())
	closed, err := OpenFDs()
	require.NoError(t, err)
	assert.Equal(t, n0, closed, "back to the start after close")
}
