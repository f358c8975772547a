package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/workloads"
)

func TestFutexMethodChoice(t *testing.T) {
	t.Setenv(FutexEnv, "")
	m, err := FutexMethod("")
	assert.NoError(t, err)
	assert.Equal(t, workloads.FutexAuto, m)

	m, err = FutexMethod("off")
	assert.NoError(t, err)
	assert.Equal(t, workloads.FutexOff, m)

	t.Setenv(FutexEnv, "sampled")
	m, err = FutexMethod("")
	assert.NoError(t, err)
	assert.Equal(t, workloads.FutexSampled, m)
	m, err = FutexMethod("tracepoint")
	assert.NoError(t, err)
	assert.Equal(t, workloads.FutexTracepoint, m, "the flag wins over the environment")

	t.Setenv(FutexEnv, "strace")
	_, err = FutexMethod("")
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), FutexEnv)
		assert.Contains(t, err.Error(), `"strace"`)
		assert.Contains(t, err.Error(), "auto, tracepoint, sampled, off")
	}
}

func TestFutexConfigLines(t *testing.T) {
	lines := FutexConfigLines(workloads.FutexSampled)
	if assert.NotEmpty(t, lines) {
		assert.Equal(t, "futex-method", lines[0].Key)
		assert.Contains(t, []string{"sampled", "unavailable"}, lines[0].Value)
		if lines[0].Value == "unavailable" {
			assert.Len(t, lines, 2, "an unavailable method says why")
		}
	}
	assert.Equal(t, "off", FutexConfigLines(workloads.FutexOff)[0].Value)
}

// BenchmarkFutexOverhead shows what each futex method does to the run it
// measures: each iteration runs churn at two threads with the method off and
// on, and reports both and their ratio (measured/unmeasured ns/op). Build it
// with CC=musl-gcc (static) for musl's figures.
func BenchmarkFutexOverhead(b *testing.B) {
	for _, method := range []workloads.FutexMethod{workloads.FutexTracepoint, workloads.FutexSampled} {
		b.Run("workload=churn/alloc=libc/threads=2/method="+string(method), func(b *testing.B) {
			if used, reason, err := workloads.FutexMeterInfo(method); err != nil || used != string(method) {
				b.Skipf("%s unavailable: %v %s", method, err, reason)
			}
			cfg := workloads.Config{Workload: "churn", Alloc: "libc", Threads: 2, Ops: uint64(b.N)}
			off, err := workloads.Run(cfg)
			if err != nil {
				b.Fatal(err)
			}
			cfg.Futex = method
			on, err := workloads.Run(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(on.NsPerOp(), results.NsPerOp)
			b.ReportMetric(off.NsPerOp(), results.UnmeasuredNsecPerOp)
			b.ReportMetric(on.NsPerOp()/off.NsPerOp(), results.MeasuredPerUnmeasured)
		})
	}
}
