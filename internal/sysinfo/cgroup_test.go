package sysinfo

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cgroupFixture lays out files (relative path -> content) under a temp dir
// and returns the cgroup root and the path of a /proc/self/cgroup file
// holding self.
func cgroupFixture(t *testing.T, self string, files map[string]string) (root, selfPath string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "sys", "fs", "cgroup")
	selfPath = filepath.Join(dir, "proc", "self", "cgroup")
	writeFile(t, selfPath, self)
	for p, content := range files {
		writeFile(t, filepath.Join(root, filepath.FromSlash(p)), content)
	}
	return root, selfPath
}

func TestCgroupV2(t *testing.T) {
	const self = "0::/user.slice/bench.scope\n"
	const dir = "user.slice/bench.scope/"
	tests := []struct {
		name     string
		files    map[string]string
		cpu      string
		cpus     float64
		cpuDir   string
		mem      string
		memBytes uint64
		memDir   string
	}{
		{
			name: "quota and limit",
			files: map[string]string{
				"cgroup.controllers": "cpu memory",
				dir + "cpu.max":      "200000 100000\n",
				dir + "memory.max":   "2147483648\n",
			},
			cpu: "2.00 CPUs (200000/100000)", cpus: 2, cpuDir: dir,
			mem: "2147483648 (2 GiB)", memBytes: 2 << 30, memDir: dir,
		},
		{
			name: "no quota, no limit",
			files: map[string]string{
				"cgroup.controllers": "cpu memory",
				dir + "cpu.max":      "max 100000\n",
				dir + "memory.max":   "max\n",
			},
			cpu: "none", mem: "none",
		},
		{
			name: "controllers not enabled",
			files: map[string]string{
				"cgroup.controllers": "",
				dir + "cgroup.procs": "1\n",
			},
			cpu: "none", mem: "none",
		},
		{
			name: "tighter parent",
			files: map[string]string{
				"cgroup.controllers":       "cpu memory",
				"user.slice/cpu.max":       "50000 100000\n",
				"user.slice/memory.max":    "4294967296\n",
				dir + "cpu.max":            "400000 100000\n",
				dir + "memory.max":         "1073741824\n",
				"user.slice/cgroup.procs":  "",
				"other.slice/cpu.max":      "1000 100000\n",
				"other.slice/memory.max":   "1024\n",
				"other.slice/cgroup.procs": "",
			},
			cpu: "0.50 CPUs (50000/100000)", cpus: 0.5, cpuDir: "user.slice/",
			mem: "1073741824 (1 GiB)", memBytes: 1 << 30, memDir: dir,
		},
		{
			name: "fractional quota",
			files: map[string]string{
				"cgroup.controllers": "cpu memory",
				dir + "cpu.max":      "150000 100000\n",
				dir + "memory.max":   "1610612736\n",
			},
			cpu: "1.50 CPUs (150000/100000)", cpus: 1.5, cpuDir: dir,
			mem: "1610612736 (1.5 GiB)", memBytes: 3 << 29, memDir: dir,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, selfPath := cgroupFixture(t, self, tt.files)
			c := readCgroup(root, selfPath)
			require.Equal(t, 2, c.Version)
			assert.Equal(t, tt.cpu, c.CPU.String())
			assert.InDelta(t, tt.cpus, c.CPU.CPUs(), 1e-9)
			assert.Equal(t, tt.mem, c.Memory.String())
			assert.Equal(t, tt.memBytes, c.Memory.Bytes)
			if tt.cpuDir != "" {
				assert.Equal(t, filepath.Join(root, tt.cpuDir), c.CPU.Dir)
			}
			if tt.memDir != "" {
				assert.Equal(t, filepath.Join(root, tt.memDir), c.Memory.Dir)
			}
		})
	}
}

// In a container with its own cgroup namespace /proc/self/cgroup says
// "0::/" and the limits sit directly in the mounted root; without a
// namespace it shows the host path, which does not exist in the mount.
func TestCgroupV2Container(t *testing.T) {
	files := map[string]string{
		"cgroup.controllers": "cpu memory",
		"cpu.max":            "300000 100000\n",
		"memory.max":         "536870912\n",
	}
	for _, self := range []string{"0::/\n", "0::/docker/0123abcd\n", "0::/../../escape\n"} {
		t.Run(strings.TrimSpace(self), func(t *testing.T) {
			root, selfPath := cgroupFixture(t, self, files)
			c := readCgroup(root, selfPath)
			require.Equal(t, 2, c.Version)
			assert.Equal(t, "3.00 CPUs (300000/100000)", c.CPU.String())
			assert.Equal(t, "536870912 (512 MiB)", c.Memory.String())
			assert.Equal(t, root, c.CPU.Dir)
		})
	}

	// The tail of the host path that exists in the mount is used.
	root, selfPath := cgroupFixture(t, "0::/kubepods/pod1/ctr\n", map[string]string{
		"cgroup.controllers": "cpu memory",
		"cpu.max":            "300000 100000\n",
		"pod1/ctr/cpu.max":   "100000 100000\n",
	})
	c := readCgroup(root, selfPath)
	assert.Equal(t, "1.00 CPUs (100000/100000)", c.CPU.String())
	assert.Equal(t, filepath.Join(root, "pod1", "ctr"), c.CPU.Dir)
}

func TestCgroupV1(t *testing.T) {
	const self = `12:pids:/user/bench
4:memory:/user/bench
3:cpu,cpuacct:/user/bench
1:name=systemd:/user/bench
0::/user/bench
`
	tests := []struct {
		name  string
		files map[string]string
		cpu   string
		mem   string
	}{
		{
			name: "quota and limit",
			files: map[string]string{
				"cpu,cpuacct/user/bench/cpu.cfs_quota_us":  "200000\n",
				"cpu,cpuacct/user/bench/cpu.cfs_period_us": "100000\n",
				"memory/user/bench/memory.limit_in_bytes":  "1073741824\n",
			},
			cpu: "2.00 CPUs (200000/100000)",
			mem: "1073741824 (1 GiB)",
		},
		{
			name: "no quota, no limit",
			files: map[string]string{
				"cpu,cpuacct/cpu.cfs_quota_us":             "-1\n",
				"cpu,cpuacct/cpu.cfs_period_us":            "100000\n",
				"cpu,cpuacct/user/bench/cpu.cfs_quota_us":  "-1\n",
				"cpu,cpuacct/user/bench/cpu.cfs_period_us": "100000\n",
				"memory/memory.limit_in_bytes":             "9223372036854771712\n",
				"memory/user/bench/memory.limit_in_bytes":  "9223372036854771712\n",
			},
			cpu: "none",
			mem: "none",
		},
		{
			name: "tighter parent",
			files: map[string]string{
				"cpu,cpuacct/user/cpu.cfs_quota_us":        "100000\n",
				"cpu,cpuacct/user/cpu.cfs_period_us":       "100000\n",
				"cpu,cpuacct/user/bench/cpu.cfs_quota_us":  "-1\n",
				"cpu,cpuacct/user/bench/cpu.cfs_period_us": "100000\n",
				"memory/memory.limit_in_bytes":             "9223372036854771712\n",
				"memory/user/memory.limit_in_bytes":        "268435456\n",
				"memory/user/bench/memory.limit_in_bytes":  "1073741824\n",
			},
			cpu: "1.00 CPUs (100000/100000)",
			mem: "268435456 (256 MiB)",
		},
		{
			name: "controllers mounted separately, limits at the root",
			files: map[string]string{
				"cpu/cpu.cfs_quota_us":         "50000\n",
				"cpu/cpu.cfs_period_us":        "100000\n",
				"memory/memory.limit_in_bytes": "104857600\n",
			},
			cpu: "0.50 CPUs (50000/100000)",
			mem: "104857600 (100 MiB)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, selfPath := cgroupFixture(t, self, tt.files)
			c := readCgroup(root, selfPath)
			require.Equal(t, 1, c.Version)
			assert.Equal(t, tt.cpu, c.CPU.String())
			assert.Equal(t, tt.mem, c.Memory.String())
		})
	}
}

func TestCgroupUnknown(t *testing.T) {
	t.Run("no /proc/self/cgroup", func(t *testing.T) {
		dir := t.TempDir()
		selfPath := filepath.Join(dir, "missing")
		c := readCgroup(dir, selfPath)
		assert.Equal(t, 0, c.Version)
		assert.True(t, strings.HasPrefix(c.CPU.String(), "unknown (open "+selfPath+": "), c.CPU.String())
		assert.Equal(t, c.CPU.String(), c.Memory.String())
	})
	t.Run("malformed /proc/self/cgroup", func(t *testing.T) {
		root, selfPath := cgroupFixture(t, "garbage\n", nil)
		c := readCgroup(root, selfPath)
		assert.Contains(t, c.CPU.String(), "unknown (parse "+selfPath+": line 1")
	})
	t.Run("no hierarchy", func(t *testing.T) {
		root, selfPath := cgroupFixture(t, "3:cpu:/\n4:memory:/\n", nil)
		c := readCgroup(root, selfPath)
		assert.Equal(t, 0, c.Version)
		assert.Equal(t, "unknown (no cgroup v1 or v2 hierarchy under "+root+")", c.CPU.String())
	})
	t.Run("v2 entry missing", func(t *testing.T) {
		root, selfPath := cgroupFixture(t, "3:cpu:/\n", map[string]string{"cgroup.controllers": ""})
		c := readCgroup(root, selfPath)
		assert.Contains(t, c.Memory.String(), "no cgroup v2 entry")
	})
	t.Run("v1 cpu controller not mounted", func(t *testing.T) {
		root, selfPath := cgroupFixture(t, "3:cpu:/\n4:memory:/\n", map[string]string{
			"memory/memory.limit_in_bytes": "4096\n",
		})
		c := readCgroup(root, selfPath)
		assert.Equal(t, "unknown (cpu controller not mounted under "+root+")", c.CPU.String())
		assert.Equal(t, "4096 (4 KiB)", c.Memory.String())
	})

	bad := []struct {
		name, file, content, want string
	}{
		{"cpu.max garbage", "cpu.max", "lots 100000\n", "cpu.max: quota"},
		{"cpu.max no period", "cpu.max", "200000\n", "missing period"},
		{"cpu.max zero period", "cpu.max", "200000 0\n", "period 0 is not positive"},
		{"cpu.max too many fields", "cpu.max", "1 2 3\n", "cpu.max"},
		{"memory.max garbage", "memory.max", "lots\n", "memory.max"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			root, selfPath := cgroupFixture(t, "0::/\n", map[string]string{
				"cgroup.controllers": "cpu memory",
				tt.file:              tt.content,
			})
			c := readCgroup(root, selfPath)
			s := c.CPU.String()
			if strings.HasPrefix(tt.file, "memory") {
				s = c.Memory.String()
			}
			assert.True(t, strings.HasPrefix(s, "unknown ("), s)
			assert.Contains(t, s, filepath.Join(root, tt.file))
			assert.Contains(t, s, tt.want)
		})
	}

	t.Run("v1 quota without period", func(t *testing.T) {
		root, selfPath := cgroupFixture(t, "3:cpu:/\n", map[string]string{"cpu/cpu.cfs_quota_us": "100000\n"})
		c := readCgroup(root, selfPath)
		assert.Contains(t, c.CPU.String(), "cpu.cfs_period_us missing")
	})
}
