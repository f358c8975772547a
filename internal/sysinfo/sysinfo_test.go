package sysinfo

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCollect(t *testing.T) {
	info := Collect()
	assert.NotEmpty(t, info.Kernel)
	if runtime.GOOS == "linux" {
		assert.False(t, strings.HasPrefix(info.Kernel, "unknown"), info.Kernel)
	}
	assert.NotEmpty(t, info.Distro)
	assert.Positive(t, info.NumCPU)
	assert.Positive(t, info.GOMAXPROCS)
	assert.NotEmpty(t, info.Cgroup.CPU.String())
	assert.NotEmpty(t, info.Cgroup.Memory.String())
	t.Logf("%+v", info)
}
