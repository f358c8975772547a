package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/allocbench/allocbench/internal/results"
)

// What a cell prints is read line by line as it comes, by the rules of the
// result files' readers (package compare): result lines and the
// configuration lines the benchmarks print go into the result file; any
// other line, and everything on stderr, goes to the cell's log. Nothing is
// buffered without a limit.

// benchConfigKey matches the configuration keys the benchmark binary prints:
// go test's own, the C library and allocators, the machine (package
// sysinfo), the environment that changes allocators and the futex method.
// Other "key: value" lines (warning: ..., debug: ...) are chatter.
var benchConfigKey = regexp.MustCompile(`^(` + strings.Join([]string{
	results.GoosKey, results.GoarchKey, results.PkgKey, results.CPUKey,
	results.LibcKey, results.LibcVersionKey, results.LibcPathKey,
	results.KernelKey, results.DistroKey, results.NumCPUKey, results.GOMAXPROCSKey,
	results.AllocKeyPrefix + `[a-z0-9_.+-]+`, results.CPUKeyPrefix + `[a-z0-9-]+`, results.CgroupKeyPrefix + `[a-z0-9-]+`,
	results.FutexKeyPrefix + `[a-z0-9-]+`, results.EnvKeyPrefix + `[a-z0-9_]+`, results.HarnessKeyPrefix + `[a-z0-9_-]+`,
}, "|") + `)$`)

// crashLine finds the Go runtime's or the C library's word on a crash: a
// signal the Go runtime caught (a C kernel's segfault arrives that way), a
// fatal error, a panic.
var crashLine = regexp.MustCompile(`^(SIG[A-Z]+: .*|fatal error: .*|panic: .*|.*double free.*|.*corrupted.*|.*Aborted.*)$`)

// Limits on what one cell may print into the result file, and on how much
// of its log is kept (the start and the end).
const (
	maxConfigBytes = 1 << 20
	maxResultBytes = 16 << 20
	logHead        = 16 << 10
	logTail        = 16 << 10
	maxLogLine     = 1 << 10
)

// cellOutput collects what a cell prints. Its methods are called from the
// goroutines that copy the cell's stdout and stderr.
type cellOutput struct {
	mu sync.Mutex
	// name is what the cell's results are called (before go test's
	// -GOMAXPROCS suffix); a result of another name is refused. Empty
	// takes any.
	name        string
	maxResults  int
	results     []string
	resultBytes int
	config      []string
	configBytes int
	problem     error // why the output cannot be written as it is
	failedBench bool
	skipReason  string
	lastSkip    bool
	lastLog     string // the benchmark's last t.Log line, "file.go:N: " cut

	crash string
	log   boundedText
}

func newCellOutput(maxResults int) *cellOutput {
	return &cellOutput{maxResults: maxResults, log: boundedText{head: logHead, tail: logTail}}
}

func (o *cellOutput) fail(err error) {
	if o.problem == nil {
		o.problem = err
	}
}

// stdoutLine takes one line of the cell's stdout, of length bytes (more
// than len(line) when it was too long to keep whole).
func (o *cellOutput) stdoutLine(line string, length int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seeCrash(line)
	trimmed := strings.TrimSpace(line)
	skip := o.lastSkip
	o.lastSkip = false
	if isResult, err := results.ResultLine(line); isResult {
		switch {
		case length > len(line):
			o.fail(fmt.Errorf("printed a result line of %d bytes, longer than readers accept (%d)", length, results.MaxLineBytes))
		case err != nil:
			o.fail(fmt.Errorf("printed a result line that readers would reject (%v): %.200q", err, line))
		case o.name != "" && !isCellResult(line, o.name):
			o.fail(fmt.Errorf("printed a result of another benchmark, %.200q: this cell's results are %s", strings.Fields(line)[0], o.name))
		case len(o.results) == o.maxResults || o.resultBytes+len(line) > maxResultBytes:
			o.fail(fmt.Errorf("printed more than %d result lines or %d bytes of them", o.maxResults, maxResultBytes))
		default:
			o.results = append(o.results, line)
			o.resultBytes += len(line)
			return
		}
		o.log.line(line, length)
		return
	}
	if key, _, ok := results.ConfigLine(line); ok && benchConfigKey.MatchString(key) {
		line = results.TruncateConfigLine(line, length)
		if o.configBytes+len(line) > maxConfigBytes {
			o.fail(fmt.Errorf("printed more than %d bytes of configuration lines", maxConfigBytes))
			o.log.line(line, length)
			return
		}
		o.config = append(o.config, line)
		o.configBytes += len(line)
		return
	}
	// go test prints a benchmark's b.Skip message before its "--- SKIP:"
	// line; a message printed after it is taken too.
	lastLog := o.lastLog
	o.lastLog = ""
	switch {
	case strings.HasPrefix(trimmed, "--- SKIP:"):
		o.lastSkip = true
		if o.skipReason == "" && lastLog != "" {
			o.skipReason = lastLog
		}
	case strings.HasPrefix(trimmed, "--- FAIL:"):
		o.failedBench = true
	case skip && trimmed != "" && o.skipReason == "":
		o.skipReason = stripFileLine(trimmed)
	case strings.HasPrefix(line, "    ") && strings.Contains(trimmed, ".go:"):
		o.lastLog = stripFileLine(trimmed)
	}
	o.log.line(line, length)
}

// stderrLine takes one line of the cell's stderr: it goes to the log.
func (o *cellOutput) stderrLine(line string, length int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seeCrash(line)
	o.log.line(line, length)
}

func (o *cellOutput) seeCrash(line string) {
	if o.crash == "" && crashLine.MatchString(line) {
		o.crash = strings.TrimSpace(line)
	}
}

// boundedText keeps the first head bytes and the last tail bytes of the
// lines written to it, and counts what it left out between them.
type boundedText struct {
	head, tail int
	start      strings.Builder
	end        []string // lines, oldest first
	endBytes   int
	left       int // bytes left out between start and end
}

func (b *boundedText) line(line string, length int) {
	if len(line) > maxLogLine {
		cut := maxLogLine
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut]
	}
	if length > len(line) {
		line += fmt.Sprintf(" …[%d bytes in all]", length)
	}
	line += "\n"
	if b.start.Len()+len(line) <= b.head && len(b.end) == 0 {
		b.start.WriteString(line)
		return
	}
	b.end = append(b.end, line)
	b.endBytes += len(line)
	for len(b.end) > 1 && b.endBytes > b.tail {
		b.left += len(b.end[0])
		b.endBytes -= len(b.end[0])
		b.end = b.end[1:]
	}
	if len(b.end) == 1 && b.endBytes > b.tail {
		// One line longer than the tail: keep its end.
		cut := b.endBytes - b.tail
		b.left += cut
		b.end[0] = b.end[0][cut:]
		b.endBytes = b.tail
	}
}

func (b *boundedText) String() string {
	var s strings.Builder
	s.WriteString(b.start.String())
	if b.left > 0 {
		fmt.Fprintf(&s, "…[%d bytes left out]…\n", b.left)
	}
	for _, l := range b.end {
		s.WriteString(l)
	}
	return s.String()
}

// lineWriter is an io.Writer that splits what is written into lines and
// hands each to emit, with its length. A line longer than max is handed on
// cut to max bytes; the rest of it is counted, not kept.
type lineWriter struct {
	max    int
	emit   func(line string, length int)
	buf    []byte
	length int // of the current line, kept or not
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := w.max - len(w.buf); room > 0 {
			w.buf = append(w.buf, chunk[:min(room, len(chunk))]...)
		}
		w.length += len(chunk)
		if i < 0 {
			break
		}
		w.flushLine()
		p = p[i+1:]
	}
	return n, nil
}

func (w *lineWriter) flushLine() {
	line := strings.TrimSuffix(string(w.buf), "\r")
	w.emit(line, max(w.length, len(line)))
	w.buf, w.length = w.buf[:0], 0
}

// Close hands on a last line that no newline ended.
func (w *lineWriter) Close() error {
	if w.length > 0 {
		w.flushLine()
	}
	return nil
}

// isCellResult reports whether the result line is named name, or name with
// go test's -GOMAXPROCS suffix.
func isCellResult(line, name string) bool {
	got := strings.Fields(line)[0]
	rest, ok := strings.CutPrefix(got, name)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	digits, ok := strings.CutPrefix(rest, "-")
	if !ok || digits == "" {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
