// Package sysinfo describes the machine a benchmark runs on (kernel,
// distribution, CPU, Go scheduler settings, cgroup limits and the
// environment variables that change allocators) and prints
// that description as benchfmt configuration lines.
package sysinfo

import (
	"os"
	"runtime"

	"github.com/klauspost/cpuid/v2"
)

// Info describes the machine and the process's resource limits. String
// fields that could not be read hold a short reason such as
// "unknown (open /etc/os-release: no such file or directory)".
type Info struct {
	Kernel     string // uname release and version, e.g. "6.1.0-18-amd64 #1 SMP ..."
	Distro     string // PRETTY_NAME from os-release
	CPU        CPU
	NumCPU     int // runtime.NumCPU(): CPUs usable by this process
	GOMAXPROCS int // runtime.GOMAXPROCS(0)
	Cgroup     Cgroup
	// Env records the environment variables that change how an
	// allocator or the C library behaves (see EnvConfigLines).
	Env []KV
}

// CPU holds the processor facts reported by the cpuid instruction, but for
// PhysicalCores, which the operating system's topology gives (see
// physicalCores). Counts and sizes are zero or negative when they are not
// known.
type CPU struct {
	Brand          string
	PhysicalCores  int
	ThreadsPerCore int
	LogicalCores   int
	CacheLine      int // bytes
	L2             int // bytes
	L3             int // bytes
}

// Collect gathers Info for the running process. It never fails; see Info
// for how unreadable facts are reported.
func Collect() Info {
	c := cpuid.CPU
	return Info{
		Kernel: kernelVersion(),
		Distro: readDistro(osReleasePaths...),
		CPU: CPU{
			Brand:          c.BrandName,
			PhysicalCores:  physicalCores(defaultSysCPU, defaultCPUInfo),
			ThreadsPerCore: c.ThreadsPerCore,
			LogicalCores:   c.LogicalCores,
			CacheLine:      c.CacheLine,
			L2:             c.Cache.L2,
			L3:             c.Cache.L3,
		},
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Cgroup:     readCgroup(defaultCgroupRoot, selfCgroupPath),
		Env:        EnvConfigLines(os.Environ()),
	}
}

// unknown formats the reason a fact could not be read.
func unknown(reason string) string {
	return "unknown (" + reason + ")"
}
