package sysinfo

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/allocbench/allocbench/internal/results"
)

// KV is one benchfmt configuration line, printed as "key: value".
type KV struct {
	Key, Value string
}

// ConfigLines returns the Info as benchfmt configuration lines, in a fixed
// order, then the environment lines. Values are single-line; facts that are
// missing read "unknown".
func (i Info) ConfigLines() []KV {
	lines := []KV{
		{results.KernelKey, i.Kernel},
		{results.DistroKey, i.Distro},
		{results.CPUBrandKey, orUnknown(strings.TrimSpace(i.CPU.Brand))},
		{results.CPUCoresKey, count(i.CPU.PhysicalCores)},
		{results.CPUThreadsPerCoreKey, count(i.CPU.ThreadsPerCore)},
		{results.CPULogicalKey, count(i.CPU.LogicalCores)},
		{results.CPUCacheLineKey, count(i.CPU.CacheLine)},
		{results.CPUL2Key, size(i.CPU.L2)},
		{results.CPUL3Key, size(i.CPU.L3)},
		{results.NumCPUKey, count(i.NumCPU)},
		{results.GOMAXPROCSKey, count(i.GOMAXPROCS)},
		{results.CgroupCPUQuotaKey, i.Cgroup.CPU.String()},
		{results.CgroupMemoryLimitKey, i.Cgroup.Memory.String()},
	}
	for k := range lines {
		lines[k].Value = orUnknown(singleLine(lines[k].Value))
	}
	return append(lines, i.Env...)
}

// WriteConfig writes each line as "key: value\n". It checks every key
// against benchfmt's rule for configuration keys first and writes nothing
// if one is invalid. Values are made single-line.
func WriteConfig(w io.Writer, lines []KV) error {
	for _, kv := range lines {
		if err := validKey(kv.Key); err != nil {
			return err
		}
	}
	var b strings.Builder
	for _, kv := range lines {
		b.WriteString(kv.Key)
		b.WriteByte(':')
		if v := singleLine(kv.Value); v != "" {
			b.WriteByte(' ')
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// validKey checks benchfmt's rule for a configuration key: it begins with
// a lower-case letter and contains no space or upper-case characters. A
// colon would end the key early when read back, so it is refused too.
func validKey(key string) error {
	bad := func(why string) error {
		return fmt.Errorf("sysinfo: invalid config key %q: %s", key, why)
	}
	if key == "" {
		return errors.New("sysinfo: invalid config key \"\": empty")
	}
	if !utf8.ValidString(key) {
		return bad("not valid UTF-8")
	}
	if first, _ := utf8.DecodeRuneInString(key); !unicode.IsLower(first) {
		return bad("must begin with a lower-case letter")
	}
	for _, r := range key {
		switch {
		case unicode.IsSpace(r):
			return bad("contains a space")
		case unicode.IsUpper(r):
			return bad("contains an upper-case letter")
		case r == ':':
			return bad("contains a colon")
		case unicode.IsControl(r):
			return bad("contains a control character")
		}
	}
	return nil
}

// singleLine replaces newlines, tabs and other control characters with
// spaces and trims the result.
func singleLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s))
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// count formats a positive count; zero or negative means not reported.
func count(n int) string {
	if n <= 0 {
		return "unknown"
	}
	return strconv.Itoa(n)
}

// size formats a positive byte size with its human form.
func size(n int) string {
	if n <= 0 {
		return "unknown"
	}
	return bytesWithHuman(uint64(n))
}

// bytesWithHuman formats n as "1048576 (1 MiB)"; sizes under 1 KiB are
// printed as "512 B".
func bytesWithHuman(n uint64) string {
	return strconv.FormatUint(n, 10) + " (" + humanBytes(n) + ")"
}

// humanBytes formats n in binary units, exact when n is a whole number of
// the unit ("32 KiB") and with one decimal otherwise ("1.5 GiB").
func humanBytes(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	u, div := 0, uint64(1)
	for u+1 < len(units) && n/div >= 1024 {
		div *= 1024
		u++
	}
	if n%div == 0 {
		return strconv.FormatUint(n/div, 10) + " " + units[u]
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + units[u]
}
