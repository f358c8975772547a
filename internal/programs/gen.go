package programs

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// vocabulary is the words the generated text is made of: a small, fixed
// list, so that the text compresses like prose and searches find matches.
var vocabulary = strings.Fields(`
	alloc arena bin block bucket cache chunk class contention core extent
	free heap lock malloc memory page pool realloc region segment size slab
	span thread tcache arena_t mutex futex wait wake spin queue batch
	request response server client socket buffer string vector map tree
	node edge graph merge split sort search index token parse lexer
	return error result option value key entry table row column count`)

// Needle is a word that appears in some of TextTree's lines, for a search
// with matches (about one line in forty).
const Needle = "allocbench_needle"

// writeText writes n bytes or a little more of deterministic prose-like
// text to w, from r: lines of words and numbers, Needle in some.
func writeText(w *bufio.Writer, r *rand.Rand, n int64) (int64, error) {
	var written int64
	var line []byte
	for written < n {
		line = line[:0]
		words := 4 + r.IntN(12)
		for i := 0; i < words; i++ {
			if i > 0 {
				line = append(line, ' ')
			}
			switch k := r.IntN(40); {
			case k == 0:
				line = append(line, Needle...)
			case k < 4:
				line = fmt.Appendf(line, "%d", r.IntN(100000))
			default:
				line = append(line, vocabulary[r.IntN(len(vocabulary))]...)
			}
		}
		line = append(line, '\n')
		m, err := w.Write(line)
		written += int64(m)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// TextTree writes files text files (1 to 8 KiB each, by seed) into dir, a
// hundred to a directory, and returns how many bytes they hold. The same
// arguments always write the same tree.
func TextTree(dir string, files int, seed uint64) (int64, error) {
	if files < 1 {
		return 0, fmt.Errorf("text tree: %d files: it needs at least one", files)
	}
	r := rand.New(rand.NewPCG(seed, 0x7478))
	var total int64
	for i := 0; i < files; i++ {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return total, err
			}
		}
		n, err := writeFile(filepath.Join(sub, fmt.Sprintf("f%05d.txt", i)), r, int64(1024+r.IntN(7*1024)))
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// TextFile writes size bytes of the same kind of text into path: data that
// xz compresses about fourfold, the same for the same arguments.
func TextFile(path string, size int64, seed uint64) error {
	if size < 1 {
		return fmt.Errorf("text file %s: size %d: it must be positive", path, size)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	_, err := writeFile(path, rand.New(rand.NewPCG(seed, 0x7866)), size)
	if err != nil {
		return err
	}
	return os.Truncate(path, size)
}

func writeFile(path string, r *rand.Rand, n int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	written, err := writeText(w, r, n)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return written, fmt.Errorf("writing %s: %w", path, err)
	}
	return written, nil
}
