package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// -futex-tracing on an engine that knows neither CAP_BPF nor CAP_PERFMON
// (Docker 20.10 as Debian 12 builds it) used to give the containers
// CAP_SYS_ADMIN with only a note; that is opt-in now (=admin), and without
// it the host's tracer measures the containers.
func TestTracingPlan(t *testing.T) {
	run, note := tracingPlan(tracingCaps, "20.10.24+dfsg1", false, "/sys/kernel/tracing")
	assert.False(t, run.FutexTracing, "the containers do not trace themselves")
	assert.False(t, run.SysAdmin)
	assert.Contains(t, note, "docker 20.10.24+dfsg1 knows neither CAP_BPF nor CAP_PERFMON, so the containers do not trace themselves: the host's tracer measures them (-futex-tracing=admin gives them CAP_SYS_ADMIN instead)")

	run, note = tracingPlan(tracingAdmin, "20.10.24+dfsg1", false, "/sys/kernel/tracing")
	assert.True(t, run.FutexTracing)
	assert.True(t, run.SysAdmin)
	assert.Contains(t, note, "the containers get CAP_SYS_ADMIN (-futex-tracing=admin), and /sys/kernel/tracing read-only")

	for _, mode := range []tracingMode{tracingCaps, tracingAdmin} {
		run, note = tracingPlan(mode, "20.10.5", true, "/t")
		assert.True(t, run.FutexTracing)
		assert.False(t, run.SysAdmin, "an engine that knows the capabilities never gets CAP_SYS_ADMIN")
		assert.True(t, run.SeccompUnconfined)
		run, note = tracingPlan(mode, "27.1.0", true, "/t")
		assert.False(t, run.SysAdmin || run.SeccompUnconfined)
		assert.Equal(t, "the containers get CAP_BPF and CAP_PERFMON, and /t read-only", note)
	}
}

func TestFutexTracingFlag(t *testing.T) {
	for args, want := range map[string]tracingMode{
		"":                     tracingHost,
		"-futex-tracing":       tracingCaps,
		"-futex-tracing=on":    tracingCaps,
		"-futex-tracing=admin": tracingAdmin,
		"-futex-tracing=false": tracingHost,
	} {
		var a []string
		if args != "" {
			a = []string{args}
		}
		co, err := parseContainerFlags(a, &bytes.Buffer{})
		require.NoError(t, err, args)
		assert.Equal(t, want, co.futexTracing, args)
	}
	var stderr bytes.Buffer
	_, err := parseContainerFlags([]string{"-futex-tracing=sysadmin"}, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"sysadmin" is not on (or no value), off or admin`)
}
