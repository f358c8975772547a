package procfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

const (
	statusPath    = "/proc/self/status"
	clearRefsPath = "/proc/self/clear_refs"
)

// Memory is the resident memory of the process, in bytes.
type Memory struct {
	RSS     uint64 // current resident set size (VmRSS)
	PeakRSS uint64 // high-water mark of RSS (VmHWM), see ResetPeakRSS
}

// ReadMemory returns the current and peak resident set size of the process
// from /proc/self/status.
func ReadMemory() (Memory, error) {
	if err := checkLinux("ReadMemory"); err != nil {
		return Memory{}, err
	}
	data, err := os.ReadFile(statusPath)
	if err != nil {
		return Memory{}, fmt.Errorf("procfs: %w", err)
	}
	m, err := ParseStatus(bytes.NewReader(data))
	if err != nil {
		return Memory{}, fmt.Errorf("%w (in %s)", err, statusPath)
	}
	return m, nil
}

// ParseStatus parses the text of a /proc/<pid>/status file and returns its
// VmRSS and VmHWM fields converted from kB to bytes. Both fields must be
// present; a malformed value is reported with its line number and text.
func ParseStatus(r io.Reader) (Memory, error) {
	var (
		m                Memory
		haveRSS, haveHWM bool
	)
	sc := bufio.NewScanner(r)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var dst *uint64
		switch name {
		case "VmRSS":
			dst, haveRSS = &m.RSS, true
		case "VmHWM":
			dst, haveHWM = &m.PeakRSS, true
		default:
			continue
		}
		v, err := parseKB(rest)
		if err != nil {
			return Memory{}, fmt.Errorf("procfs: bad %s on line %d %q: %w", name, lineNo, line, err)
		}
		*dst = v
	}
	if err := sc.Err(); err != nil {
		return Memory{}, fmt.Errorf("procfs: reading status: %w", err)
	}
	switch {
	case !haveRSS:
		return Memory{}, fmt.Errorf("procfs: field VmRSS missing from status")
	case !haveHWM:
		return Memory{}, fmt.Errorf("procfs: field VmHWM missing from status")
	}
	return m, nil
}

// parseKB parses a status value such as "   1234 kB" and returns bytes.
func parseKB(s string) (uint64, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf(`want "<number> kB", got %d fields`, len(f))
	}
	if f[1] != "kB" {
		return 0, fmt.Errorf(`unit %q, want "kB"`, f[1])
	}
	n, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return 0, err
	}
	if n > math.MaxUint64/1024 {
		return 0, fmt.Errorf("%d kB overflows uint64 bytes", n)
	}
	return n * 1024, nil
}

// ResetPeakRSS resets the process's peak RSS (VmHWM) to its current RSS by
// writing "5" to /proc/self/clear_refs. It needs Linux 4.0 or later.
func ResetPeakRSS() error {
	if err := checkLinux("ResetPeakRSS"); err != nil {
		return err
	}
	f, err := os.OpenFile(clearRefsPath, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("procfs: reset peak RSS: %w", err)
	}
	if _, err := f.Write([]byte("5")); err != nil {
		f.Close()
		return fmt.Errorf("procfs: reset peak RSS: write %s: %w", clearRefsPath, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("procfs: reset peak RSS: %w", err)
	}
	return nil
}
