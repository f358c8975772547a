package sysinfo

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPhysicalCoresFromSysfs(t *testing.T) {
	dir := t.TempDir()
	// Two packages of two cores, each with two hyperthreads; cpu7 is
	// offline.
	for i, pc := range [][2]string{{"0", "0"}, {"0", "0"}, {"0", "1"}, {"0", "1"}, {"1", "0"}, {"1", "0"}, {"1", "1"}, {"1", "1"}} {
		cpu := filepath.Join(dir, "cpu"+string(rune('0'+i)))
		writeFile(t, filepath.Join(cpu, "topology", "physical_package_id"), pc[0]+"\n")
		writeFile(t, filepath.Join(cpu, "topology", "core_id"), pc[1]+"\n")
	}
	writeFile(t, filepath.Join(dir, "cpufreq", "x"), "")
	assert.Equal(t, 4, physicalCores(dir, filepath.Join(dir, "none")))
	writeFile(t, filepath.Join(dir, "cpu6", "online"), "0\n")
	writeFile(t, filepath.Join(dir, "cpu7", "online"), "0\n")
	assert.Equal(t, 3, physicalCores(dir, filepath.Join(dir, "none")))
}

func TestPhysicalCoresFromCPUInfo(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "cpuinfo")
	writeFile(t, info, "processor\t: 0\nphysical id\t: 0\ncore id\t\t: 0\n\nprocessor\t: 1\nphysical id\t: 0\ncore id\t\t: 1\n\n"+
		"processor\t: 2\nphysical id\t: 0\ncore id\t\t: 1\n")
	assert.Equal(t, 2, physicalCores(filepath.Join(dir, "nosys"), info))
	assert.Equal(t, 0, physicalCores(filepath.Join(dir, "nosys"), filepath.Join(dir, "none")))
}

// On this machine the count is at most the CPUs the OS lists.
func TestPhysicalCoresHere(t *testing.T) {
	n := physicalCores(defaultSysCPU, defaultCPUInfo)
	if n == 0 {
		t.Skip("this system describes no CPU topology")
	}
	cpus, _ := filepath.Glob(filepath.Join(defaultSysCPU, "cpu[0-9]*"))
	assert.LessOrEqual(t, n, len(cpus))
}
