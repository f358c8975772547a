package sysinfo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	defaultCgroupRoot = "/sys/fs/cgroup"
	selfCgroupPath    = "/proc/self/cgroup"

	// v1MemoryUnlimited is the smallest memory.limit_in_bytes taken to mean
	// "no limit". The kernel reports an unset limit as the largest page
	// count times the page size, e.g. 9223372036854771712 with 4 KiB pages.
	v1MemoryUnlimited = 1 << 62
)

// Cgroup describes the limits of the cgroup the process runs in. The
// tightest limit along the path from the process's cgroup up to the root
// of the mounted hierarchy applies.
type Cgroup struct {
	Version int // 1 or 2; 0 if no cgroup hierarchy was found
	CPU     CPUQuota
	Memory  MemoryLimit
}

// CPUQuota is a CFS bandwidth limit: Quota µs of CPU time every Period µs.
type CPUQuota struct {
	Limited bool
	Quota   int64  // µs per period, when Limited
	Period  int64  // µs, when Limited
	Dir     string // cgroup directory the applying limit came from
	Reason  string // "unknown (...)" when the quota could not be read
}

// CPUs returns the quota as a number of CPUs, or 0 when there is none.
func (q CPUQuota) CPUs() float64 {
	if !q.Limited || q.Period <= 0 {
		return 0
	}
	return float64(q.Quota) / float64(q.Period)
}

// String returns e.g. "2.00 CPUs (200000/100000)", "none" or the reason
// the quota is unknown.
func (q CPUQuota) String() string {
	switch {
	case q.Reason != "":
		return q.Reason
	case !q.Limited:
		return "none"
	}
	return fmt.Sprintf("%.2f CPUs (%d/%d)", q.CPUs(), q.Quota, q.Period)
}

// MemoryLimit is a cgroup memory limit (memory.max or
// memory.limit_in_bytes).
type MemoryLimit struct {
	Limited bool
	Bytes   uint64 // when Limited
	Dir     string // cgroup directory the applying limit came from
	Reason  string // "unknown (...)" when the limit could not be read
}

// String returns e.g. "2147483648 (2 GiB)", "none" or the reason the limit
// is unknown.
func (m MemoryLimit) String() string {
	switch {
	case m.Reason != "":
		return m.Reason
	case !m.Limited:
		return "none"
	}
	return bytesWithHuman(m.Bytes)
}

// cgroupLine is one line of /proc/<pid>/cgroup:
// hierarchy-ID:controller-list:cgroup-path.
type cgroupLine struct {
	id          string
	controllers []string
	path        string
}

func parseSelfCgroup(data []byte) ([]cgroupLine, error) {
	var lines []cgroupLine
	for i, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		parts := strings.SplitN(l, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("line %d %q: want id:controllers:path", i+1, l)
		}
		var ctrls []string
		if parts[1] != "" {
			ctrls = strings.Split(parts[1], ",")
		}
		lines = append(lines, cgroupLine{id: parts[0], controllers: ctrls, path: parts[2]})
	}
	if len(lines) == 0 {
		return nil, errors.New("empty")
	}
	return lines, nil
}

// readCgroup reads the limits of the cgroup listed in the file selfPath (in
// /proc/<pid>/cgroup format) from the cgroup file systems mounted at root.
// A root holding cgroup.controllers is a cgroup v2 (unified) hierarchy;
// otherwise v1 controllers are looked for in root/<controller> directories.
func readCgroup(root, selfPath string) Cgroup {
	root = filepath.Clean(root)
	data, err := os.ReadFile(selfPath)
	if err != nil {
		return unknownCgroup(err.Error())
	}
	lines, err := parseSelfCgroup(data)
	if err != nil {
		return unknownCgroup(fmt.Sprintf("parse %s: %v", selfPath, err))
	}
	if isFile(filepath.Join(root, "cgroup.controllers")) {
		return readCgroupV2(root, selfPath, lines)
	}
	return readCgroupV1(root, selfPath, lines)
}

func unknownCgroup(reason string) Cgroup {
	r := unknown(reason)
	return Cgroup{CPU: CPUQuota{Reason: r}, Memory: MemoryLimit{Reason: r}}
}

func readCgroupV2(root, selfPath string, lines []cgroupLine) Cgroup {
	var cgPath string
	found := false
	for _, l := range lines {
		if l.id == "0" && len(l.controllers) == 0 {
			cgPath, found = l.path, true
			break
		}
	}
	if !found {
		c := unknownCgroup("no cgroup v2 entry (0::/path) in " + selfPath)
		c.Version = 2
		return c
	}
	dir := resolveCgroupDir(root, cgPath)
	return Cgroup{
		Version: 2,
		CPU:     cpuQuotaAlong(root, dir, readCPUMax),
		Memory:  memoryLimitAlong(root, dir, readMemoryMax),
	}
}

func readCgroupV1(root, selfPath string, lines []cgroupLine) Cgroup {
	c := Cgroup{Version: 1}
	cpuRoot, cpuDir, err := v1ControllerDir(root, selfPath, lines, "cpu")
	if err != nil {
		c.CPU.Reason = unknown(err.Error())
	} else {
		c.CPU = cpuQuotaAlong(cpuRoot, cpuDir, readCFSQuota)
	}
	memRoot, memDir, err := v1ControllerDir(root, selfPath, lines, "memory")
	if err != nil {
		c.Memory.Reason = unknown(err.Error())
	} else {
		c.Memory = memoryLimitAlong(memRoot, memDir, readMemoryLimitInBytes)
	}
	if c.CPU.Reason != "" && c.Memory.Reason != "" && !anyV1Mounted(root, lines) {
		return unknownCgroup("no cgroup v1 or v2 hierarchy under " + root)
	}
	return c
}

// v1ControllerDir returns the mount directory of a v1 controller and the
// process's cgroup directory inside it.
func v1ControllerDir(root, selfPath string, lines []cgroupLine, controller string) (mount, dir string, err error) {
	for _, l := range lines {
		for _, c := range l.controllers {
			if c != controller {
				continue
			}
			// The mount point is usually named after the comma-joined
			// controller list ("cpu,cpuacct"), often with a symlink per
			// controller; try both.
			for _, m := range []string{strings.Join(l.controllers, ","), controller} {
				mount = filepath.Join(root, m)
				if isDir(mount) {
					return mount, resolveCgroupDir(mount, l.path), nil
				}
			}
			return "", "", fmt.Errorf("%s controller not mounted under %s", controller, root)
		}
	}
	return "", "", fmt.Errorf("no %s controller in %s", controller, selfPath)
}

func anyV1Mounted(root string, lines []cgroupLine) bool {
	for _, l := range lines {
		for _, c := range l.controllers {
			if isDir(filepath.Join(root, c)) {
				return true
			}
		}
	}
	return false
}

// resolveCgroupDir maps the cgroup path of /proc/self/cgroup onto the
// hierarchy mounted at mount. Inside a container the mounted hierarchy may
// start below the real root (the container's own cgroup is mounted as the
// root while /proc/self/cgroup still shows the host path), so leading path
// elements are dropped until an existing directory is found; the mount
// itself is the last resort.
func resolveCgroupDir(mount, cgPath string) string {
	p := path.Clean("/" + cgPath) // also stops ".." from leaving mount
	for p != "/" {
		d := filepath.Join(mount, filepath.FromSlash(p))
		if isDir(d) {
			return d
		}
		_, rest, _ := strings.Cut(p[1:], "/")
		p = "/" + rest
	}
	return mount
}

// ancestors returns dir and each parent of it up to and including root.
// dir must be root or lie below it.
func ancestors(root, dir string) []string {
	dirs := []string{dir}
	for d := dir; d != root; {
		parent := filepath.Dir(d)
		if parent == d || len(parent) < len(root) {
			break
		}
		d = parent
		dirs = append(dirs, d)
	}
	return dirs
}

// cpuReader reads the quota set in one cgroup directory. ok is false when
// the directory sets no quota file at all; limited is false for an
// explicit "no quota".
type cpuReader func(dir string) (quota, period int64, limited, ok bool, err error)

func cpuQuotaAlong(root, dir string, read cpuReader) CPUQuota {
	var best CPUQuota
	for _, d := range ancestors(root, dir) {
		quota, period, limited, ok, err := read(d)
		if err != nil {
			return CPUQuota{Reason: unknown(err.Error())}
		}
		if !ok || !limited {
			continue
		}
		q := CPUQuota{Limited: true, Quota: quota, Period: period, Dir: d}
		if !best.Limited || q.CPUs() < best.CPUs() {
			best = q
		}
	}
	return best
}

type memReader func(dir string) (limit uint64, limited, ok bool, err error)

func memoryLimitAlong(root, dir string, read memReader) MemoryLimit {
	var best MemoryLimit
	for _, d := range ancestors(root, dir) {
		limit, limited, ok, err := read(d)
		if err != nil {
			return MemoryLimit{Reason: unknown(err.Error())}
		}
		if !ok || !limited {
			continue
		}
		if !best.Limited || limit < best.Bytes {
			best = MemoryLimit{Limited: true, Bytes: limit, Dir: d}
		}
	}
	return best
}

// readCPUMax reads cgroup v2 cpu.max: "$MAX $PERIOD", $MAX may be "max".
func readCPUMax(dir string) (quota, period int64, limited, ok bool, err error) {
	s, ok, err := readOptional(filepath.Join(dir, "cpu.max"))
	if !ok || err != nil {
		return 0, 0, false, ok, err
	}
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return 0, 0, false, true, fmt.Errorf("%s: %q: want \"max|quota period\"", filepath.Join(dir, "cpu.max"), s)
	}
	if f[0] == "max" {
		return 0, 0, false, true, nil
	}
	if len(f) != 2 {
		return 0, 0, false, true, fmt.Errorf("%s: %q: missing period", filepath.Join(dir, "cpu.max"), s)
	}
	quota, err = parsePositive(filepath.Join(dir, "cpu.max"), "quota", f[0])
	if err != nil {
		return 0, 0, false, true, err
	}
	period, err = parsePositive(filepath.Join(dir, "cpu.max"), "period", f[1])
	if err != nil {
		return 0, 0, false, true, err
	}
	return quota, period, true, true, nil
}

// readCFSQuota reads cgroup v1 cpu.cfs_quota_us (-1 = no quota) and
// cpu.cfs_period_us.
func readCFSQuota(dir string) (quota, period int64, limited, ok bool, err error) {
	qPath := filepath.Join(dir, "cpu.cfs_quota_us")
	s, ok, err := readOptional(qPath)
	if !ok || err != nil {
		return 0, 0, false, ok, err
	}
	quota, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, 0, false, true, fmt.Errorf("%s: %w", qPath, err)
	}
	if quota < 0 {
		return 0, 0, false, true, nil
	}
	if quota == 0 {
		return 0, 0, false, true, fmt.Errorf("%s: quota 0", qPath)
	}
	pPath := filepath.Join(dir, "cpu.cfs_period_us")
	p, pok, err := readOptional(pPath)
	if err == nil && !pok {
		err = fmt.Errorf("%s missing next to %s", pPath, qPath)
	}
	if err != nil {
		return 0, 0, false, true, err
	}
	period, err = parsePositive(pPath, "period", p)
	if err != nil {
		return 0, 0, false, true, err
	}
	return quota, period, true, true, nil
}

// readMemoryMax reads cgroup v2 memory.max: bytes or "max".
func readMemoryMax(dir string) (limit uint64, limited, ok bool, err error) {
	p := filepath.Join(dir, "memory.max")
	s, ok, err := readOptional(p)
	if !ok || err != nil || s == "max" {
		return 0, false, ok, err
	}
	limit, err = strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false, true, fmt.Errorf("%s: %w", p, err)
	}
	return limit, true, true, nil
}

// readMemoryLimitInBytes reads cgroup v1 memory.limit_in_bytes, where a
// huge value means no limit.
func readMemoryLimitInBytes(dir string) (limit uint64, limited, ok bool, err error) {
	p := filepath.Join(dir, "memory.limit_in_bytes")
	s, ok, err := readOptional(p)
	if !ok || err != nil {
		return 0, false, ok, err
	}
	limit, err = strconv.ParseUint(s, 10, 64)
	if err != nil {
		// -1 is accepted as "no limit" when written but is not expected
		// to be read back; treat it like the kernel's huge value anyway.
		if s == "-1" {
			return 0, false, true, nil
		}
		return 0, false, true, fmt.Errorf("%s: %w", p, err)
	}
	if limit >= v1MemoryUnlimited {
		return 0, false, true, nil
	}
	return limit, true, true, nil
}

// readOptional reads a small file and trims it. ok is false, with no
// error, when the file does not exist.
func readOptional(p string) (s string, ok bool, err error) {
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return strings.TrimSpace(string(data)), true, nil
}

func parsePositive(file, what, s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %s: %w", file, what, err)
	}
	if n <= 0 {
		return 0, fmt.Errorf("%s: %s %d is not positive", file, what, n)
	}
	return n, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
