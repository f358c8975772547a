package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// StartTime returns when process pid started, in clock ticks after boot
// (field 22 of /proc/<pid>/stat). With the pid it names one process for
// good: a pid that is reused later has another start time. A process that
// does not exist gives an error wrapping os.ErrNotExist.
func StartTime(pid int) (uint64, error) {
	if err := checkLinux("StartTime"); err != nil {
		return 0, err
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("procfs: start time of process %d: %w", pid, err)
	}
	t, err := ParseStartTime(data)
	if err != nil {
		return 0, fmt.Errorf("procfs: start time of process %d: %w", pid, err)
	}
	return t, nil
}

// ParseStartTime reads the start time from the contents of a
// /proc/<pid>/stat file. The command name in field 2 may hold spaces and
// parentheses, so the fields are counted after its last ')'.
func ParseStartTime(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no ')' after the command name")
	}
	// Fields after the name start at field 3 (state); start time is 22.
	fields := bytes.Fields(stat[i+1:])
	const index = 22 - 3
	if len(fields) <= index {
		return 0, fmt.Errorf("%d fields after the command name, want more than %d", len(fields), index)
	}
	t, err := strconv.ParseUint(string(fields[index]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("start time: %w", err)
	}
	return t, nil
}
