package results

import (
	"bufio"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"
)

// What one line of a result file is, by the rules of benchfmt's reader
// (which benchstat uses too). The main job classifies what a cell prints
// with the same functions, so that it never writes a line its readers
// cannot read.

// MaxLineBytes is the longest line, without its newline, that benchfmt's
// reader can read: its bufio.Scanner stops the whole file at a longer one.
// ReadFile skips longer lines with a warning instead.
const MaxLineBytes = bufio.MaxScanTokenSize - 1

// ConfigLine reports whether benchfmt reads line as a configuration line,
// and its key and value: the key begins with a lower-case letter, has no
// space or upper-case letter and ends at the first colon; the value follows
// after spaces or tabs. An empty value deletes the key.
func ConfigLine(line string) (key, value string, ok bool) {
	i := 0
	for i < len(line) {
		r, n := utf8.DecodeRuneInString(line[i:])
		if i == 0 && !unicode.IsLower(r) {
			return "", "", false
		}
		if unicode.IsSpace(r) || unicode.IsUpper(r) {
			return "", "", false
		}
		if i > 0 && r == ':' {
			break
		}
		i += n
	}
	if i == 0 || i >= len(line) {
		return "", "", false
	}
	key, value = line[:i], line[i+1:]
	if value == "" {
		return key, "", true
	}
	trimmed := strings.TrimLeft(value, " \t")
	if len(trimmed) == len(value) {
		return "", "", false // "key:value" is not a configuration line
	}
	return key, trimmed, true
}

// TruncateConfigLine shortens a configuration line to MaxLineBytes, cutting
// its value at a character boundary and ending it with a marker that says
// how long the line was. line holds the line, or its start when it was too
// long to keep whole; length is the length of the whole line. Lines that
// fit are returned unchanged.
func TruncateConfigLine(line string, length int) string {
	if length <= MaxLineBytes && len(line) <= MaxLineBytes {
		return line
	}
	marker := fmt.Sprintf(" …[truncated: %d bytes]", max(length, len(line)))
	cut := MaxLineBytes - len(marker)
	for cut > 0 && !utf8.RuneStart(line[cut]) {
		cut--
	}
	return line[:cut] + marker
}

// ResultLine reads line as benchfmt does. isResult is false for a line that
// benchfmt does not read as a result (a configuration line, go test -v's bare
// benchmark name, any other text). For a result line, err says why benchfmt
// cannot parse it or why one of its values cannot be a measurement.
func ResultLine(line string) (isResult bool, err error) {
	if !strings.HasPrefix(line, "Benchmark") {
		return false, nil
	}
	if len(line) > MaxLineBytes {
		return true, fmt.Errorf("result line of %d bytes is longer than readers accept (%d)", len(line), MaxLineBytes)
	}
	r := benchfmt.NewReader(strings.NewReader(line+"\n"), "")
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			for _, v := range rec.Values {
				unit, val := OrigUnit(v)
				if why := ValueProblem(unit, val); why != "" {
					return true, fmt.Errorf("%s %s", why, unit)
				}
			}
			return true, nil
		case *benchfmt.SyntaxError:
			return true, fmt.Errorf("%s", rec.Msg)
		}
	}
	return false, r.Err()
}

// ValueProblem says why v cannot be a measurement in unit ("NaN",
// "infinite", "negative", out of the unit's physical range), or returns ""
// when it can. Negative values are impossible in units that measure an
// amount: times, sizes, counts and rates per op or per second, percentages
// and ratios of two amounts (every unit with a "/"). Other units may be
// negative. Each unit has a physical range (Range): a share is at
// most 100%, a time per op at most an hour, and no value other than 0 is
// smaller in size than MinMagnitude.
func ValueProblem(unit string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 0):
		return "infinite"
	case v < 0 && nonNegative(unit):
		return fmt.Sprintf("negative (%g)", v)
	case v != 0 && math.Abs(v) < MinMagnitude:
		return fmt.Sprintf("too small to be a measurement (under %g in size): %g", MinMagnitude, v)
	}
	lo, hi, what := Range(unit)
	if v < lo || v > hi {
		return fmt.Sprintf("outside the physical range of %s (%g to %g): %g", what, lo, hi, v)
	}
	return ""
}

// nonNegative reports whether unit measures an amount that cannot be
// negative.
func nonNegative(unit string) bool {
	if strings.Contains(unit, "/") || benchunit.ClassOf(unit) == benchunit.Binary {
		return true
	}
	for _, suffix := range []string{"nsec", "ns", "sec", "-pct", "-bytes", "-byte", "bytes"} {
		if strings.HasSuffix(unit, suffix) {
			return true
		}
	}
	return false
}
