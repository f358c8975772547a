package results

import (
	"bufio"
	"bytes"
	"io"
)

// lineLimiter passes a file's lines on unchanged, except that it replaces
// a line longer than MaxLineBytes by an empty line (so that benchfmt's
// reader goes on, and line numbers stay right) and notes it. It also notes
// the last line when no newline ends it: a file cut off while it was being
// written.
type lineLimiter struct {
	r       *bufio.Reader
	pending []byte
	line    int // lines passed on
	err     error
	long    []longLine
	// cutOff is the number of the last line when it has no newline,
	// once the end of the file is reached; 0 until then.
	cutOff int
	// other are the numbers of the lines passed on that are not result
	// lines (configuration lines among them), not yet taken by
	// otherLineBefore.
	other []int
}

type longLine struct{ line, length int }

func newLineLimiter(r io.Reader) *lineLimiter {
	// A line of MaxLineBytes and its newline fill the buffer exactly.
	return &lineLimiter{r: bufio.NewReaderSize(r, MaxLineBytes+1)}
}

// utf16 reports whether the input looks like UTF-16 text (as PowerShell's
// > writes it): a UTF-16 byte order mark, or NUL bytes in every other
// place of its start. Call it before reading.
func (l *lineLimiter) utf16() bool {
	start, _ := l.r.Peek(64)
	if bytes.HasPrefix(start, []byte{0xff, 0xfe}) || bytes.HasPrefix(start, []byte{0xfe, 0xff}) {
		return true
	}
	if len(start) < 8 {
		return false
	}
	even, odd := 0, 0
	for i, b := range start[:len(start)&^1] {
		if b == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	half := len(start) / 2
	return even == half || odd == half
}

var (
	newline         = []byte{'\n'}
	benchmarkPrefix = []byte("Benchmark")
)

// otherLineBefore reports whether a line other than a result line was
// passed on before line (and after the line of the previous call): if
// not, the configuration of the result on line is that of the result
// before it. The reader reads ahead; the lines after line are kept for
// the next call.
func (l *lineLimiter) otherLineBefore(line int) bool {
	n := 0
	for n < len(l.other) && l.other[n] < line {
		n++
	}
	if n == 0 {
		return false
	}
	l.other = append(l.other[:0], l.other[n:]...)
	return true
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		l.next()
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

func (l *lineLimiter) next() {
	b, err := l.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		n := len(b)
		for err == bufio.ErrBufferFull {
			b, err = l.r.ReadSlice('\n')
			n += len(b)
		}
		l.line++
		l.long = append(l.long, longLine{l.line, n})
		if err == nil {
			l.pending = newline
		}
		l.err = err
		return
	}
	if len(b) > 0 {
		l.line++
		if err == io.EOF {
			l.cutOff = l.line
		}
		if !bytes.HasPrefix(b, benchmarkPrefix) {
			l.other = append(l.other, l.line)
		}
	}
	l.pending = b
	l.err = err
}
