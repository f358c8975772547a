package sysinfo

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Where the operating system describes its CPUs' topology.
const (
	defaultSysCPU  = "/sys/devices/system/cpu"
	defaultCPUInfo = "/proc/cpuinfo"
)

// physicalCores counts the cores as the operating system sees them: the
// distinct (package, core) pairs of the CPUs in sysCPU's cpuN/topology,
// else of /proc/cpuinfo's "physical id" and "core id". It is 0 when
// neither tells. cpuid's count is not used: under a hypervisor it is the
// width of the APIC ID field (254 on a 2-vCPU KVM guest), not a count.
func physicalCores(sysCPU, cpuinfo string) int {
	if n := sysfsCores(sysCPU); n > 0 {
		return n
	}
	return cpuinfoCores(cpuinfo)
}

func sysfsCores(dir string) int {
	cpus, _ := filepath.Glob(filepath.Join(dir, "cpu[0-9]*"))
	seen := map[[2]string]bool{}
	for _, c := range cpus {
		if _, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(c), "cpu")); err != nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(c, "online")); err == nil && strings.TrimSpace(string(b)) == "0" {
			continue
		}
		pkg, err1 := os.ReadFile(filepath.Join(c, "topology", "physical_package_id"))
		core, err2 := os.ReadFile(filepath.Join(c, "topology", "core_id"))
		if err1 != nil || err2 != nil {
			continue
		}
		seen[[2]string{strings.TrimSpace(string(pkg)), strings.TrimSpace(string(core))}] = true
	}
	return len(seen)
}

func cpuinfoCores(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	seen := map[[2]string]bool{}
	var pkg, core string
	flush := func() {
		if core != "" {
			seen[[2]string{pkg, core}] = true
		}
		pkg, core = "", ""
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			flush()
			continue
		}
		switch strings.TrimSpace(k) {
		case "physical id":
			pkg = strings.TrimSpace(v)
		case "core id":
			core = strings.TrimSpace(v)
		}
	}
	flush()
	return len(seen)
}
