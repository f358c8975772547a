package bench

import (
	"fmt"
	"os"
	"strings"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/sysinfo"
	"github.com/allocbench/allocbench/workloads"
)

// FutexEnv names the environment variable that picks the futex measurement:
// auto (the default), tracepoint, sampled or off.
const FutexEnv = "ALLOCBENCH_FUTEX"

// FutexMethod turns a user's choice (flag value, else FutexEnv, else auto)
// into a workloads.Config.Futex value.
func FutexMethod(flagValue string) (workloads.FutexMethod, error) {
	v := strings.TrimSpace(flagValue)
	src := "-allocbench.futex"
	if v == "" {
		v, src = strings.TrimSpace(os.Getenv(FutexEnv)), FutexEnv
	}
	m, err := workloads.ParseFutexMethod(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", src, err)
	}
	return m, nil
}

// FutexConfigLines says which futex method the run uses, and why when it is
// not the one asked for or none works.
func FutexConfigLines(method workloads.FutexMethod) []sysinfo.KV {
	if method.Off() {
		return []sysinfo.KV{{Key: results.FutexMethodKey, Value: "off"}}
	}
	used, reason, err := workloads.FutexMeterInfo(method)
	if err != nil {
		return []sysinfo.KV{
			{Key: results.FutexMethodKey, Value: "unavailable"},
			{Key: results.FutexMethodReasonKey, Value: err.Error()},
		}
	}
	lines := []sysinfo.KV{{Key: results.FutexMethodKey, Value: used}}
	if reason != "" {
		lines = append(lines, sysinfo.KV{Key: results.FutexMethodReasonKey, Value: reason})
	}
	return lines
}
