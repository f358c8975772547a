package procfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// errNoNSpid says the kernel does not list a task's ids per pid namespace.
var errNoNSpid = errors.New("no NSpid line (Linux 4.1 or newer lists it)")

// InnerTIDs maps the threads of process pid, as the process itself sees
// them (the tid in its own, innermost pid namespace: the last field of the
// NSpid line of /proc/<pid>/task/<tid>/status), to their tids as this
// process sees them (the task's name under /proc). For a process in the
// same pid namespace both are equal. Threads that end while they are read
// are left out.
func InnerTIDs(pid int) (map[int]int, error) {
	if err := checkLinux("InnerTIDs"); err != nil {
		return nil, err
	}
	dir := fmt.Sprintf("/proc/%d/task", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("procfs: threads of process %d: %w", pid, err)
	}
	out := make(map[int]int, len(ents))
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(dir + "/" + e.Name() + "/status")
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			continue // the thread ended meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("procfs: thread %d of process %d: %w", tid, pid, err)
		}
		ids, err := ParseNSpid(data)
		if err != nil {
			return nil, fmt.Errorf("procfs: thread %d of process %d: %w", tid, pid, err)
		}
		out[ids[len(ids)-1]] = tid
	}
	return out, nil
}

// InnerTID returns the tid that thread tid (as this process sees it)
// has in its own, innermost pid namespace.
func InnerTID(tid int) (int, error) {
	if err := checkLinux("InnerTID"); err != nil {
		return 0, err
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return 0, fmt.Errorf("procfs: thread %d: %w", tid, err)
	}
	ids, err := ParseNSpid(data)
	if err != nil {
		return 0, fmt.Errorf("procfs: thread %d: %w", tid, err)
	}
	return ids[len(ids)-1], nil
}

// ParseNSpid reads the NSpid line of a /proc/<pid>/status file: the task's
// id in each pid namespace it belongs to, from the namespace of the /proc
// mount down to the task's own.
func ParseNSpid(status []byte) ([]int, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("NSpid:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) == 0 {
			return nil, errors.New("empty NSpid line")
		}
		ids := make([]int, len(fields))
		for i, f := range fields {
			n, err := strconv.Atoi(string(f))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("NSpid: bad id %q", f)
			}
			ids[i] = n
		}
		return ids, nil
	}
	return nil, errNoNSpid
}
