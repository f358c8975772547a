package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// newTestRunDir is a run directory in a temporary directory.
func newTestRunDir(t *testing.T) *runDir {
	t.Helper()
	d, _, err := createRunDir(t.TempDir(), time.Now())
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	return d
}
