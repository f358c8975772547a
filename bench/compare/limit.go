package compare

import (
	"bufio"
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
}

type longLine struct{ line, length int }

func newLineLimiter(r io.Reader) *lineLimiter {
	// A line of MaxLineBytes and its newline fill the buffer exactly.
	return &lineLimiter{r: bufio.NewReaderSize(r, MaxLineBytes+1)}
}

var newline = []byte{'\n'}

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
	}
	l.pending = b
	l.err = err
}
