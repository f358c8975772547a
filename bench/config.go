package bench

import (
	"io"

	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/sysinfo"
)

// ConfigLines returns the benchfmt configuration lines that describe where a
// run is measured: the C library, every named allocator (with its version
// and the object that serves it, or why it was skipped), the kernel, the
// distribution, the CPU and the cgroup limits.
func ConfigLines(allocs []string) []sysinfo.KV {
	libc := cgoalloc.Libc()
	path := libc.Path
	if libc.Static {
		path += " (static)"
	}
	lines := []sysinfo.KV{
		{Key: results.LibcKey, Value: libc.Name},
		{Key: results.LibcVersionKey, Value: libc.Version},
		{Key: results.LibcPathKey, Value: path},
	}
	for _, info := range cgoalloc.Probe(allocs) {
		lines = append(lines, sysinfo.KV{Key: info.ConfigKey(), Value: info.ConfigValue()})
	}
	return append(lines, sysinfo.Collect().ConfigLines()...)
}

// WriteConfig writes ConfigLines to w in benchfmt's `key: value` form.
func WriteConfig(w io.Writer, allocs []string) error {
	return sysinfo.WriteConfig(w, ConfigLines(allocs))
}
