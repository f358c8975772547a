package glibcbench

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/allocbench/allocbench/internal/infra/debsrc"
)

// hpTiming replaces glibc's sysdeps hp-timing.h.
//
//go:embed hp-timing.h
var hpTiming []byte

// durationLine is the #define the build edits.
var durationLine = regexp.MustCompile(`(?m)^#define[ \t]+BENCHMARK_DURATION[ \t]+[0-9]+[ \t]*$`)

// setDuration edits the benchmark's BENCHMARK_DURATION to seconds. The
// line must be there exactly once.
func setDuration(src []byte, seconds int) ([]byte, error) {
	if n := len(durationLine.FindAllIndex(src, -1)); n != 1 {
		return nil, fmt.Errorf("%s.c has %d lines #define BENCHMARK_DURATION <seconds>, not one: %w", Name, n, errChanged)
	}
	return durationLine.ReplaceAll(src, []byte("#define BENCHMARK_DURATION\t"+strconv.Itoa(seconds))), nil
}

// binaryRecord is written beside a binary once it is in place.
type binaryRecord struct {
	Key     string            `json:"key"`
	SHA256  string            `json:"sha256"`
	Compile []string          `json:"compile"`
	Sources map[string]string `json:"sources"` // name -> SHA-256 of the pristine file
	Built   time.Time         `json:"built"`
}

func recordPath(bin string) string { return bin + ".json" }

// cachedBinary returns the program for k when its binary is in place and
// its content is what was built.
func (b *builder) cachedBinary(k key) (Program, bool) {
	bin := b.binaryPath(k)
	data, err := os.ReadFile(recordPath(bin))
	if err != nil {
		return Program{}, false
	}
	var r binaryRecord
	if json.Unmarshal(data, &r) != nil || r.Key != k.String() || r.SHA256 == "" {
		return Program{}, false
	}
	sum, err := fileSHA256(bin)
	if err != nil || sum != r.SHA256 {
		return Program{}, false
	}
	return k.program(bin, sum), true
}

func (k key) program(path, sum string) Program {
	return Program{Path: path, SHA256: sum, Duration: k.Duration, Source: k.Source, Version: k.Version, CC: k.CC}
}

// compile builds the binary for k from the sources in src: a copy of the
// benchmark with the duration edited in, the timing header, gcc -O2.
func (b *builder) compile(ctx context.Context, k key, src string) (Program, error) {
	rec, ok := cachedSources(src, k.Source, k.Version)
	if !ok {
		return Program{}, fmt.Errorf("the sources in %s do not match their record", src)
	}
	work, err := os.MkdirTemp(b.opts.CacheDir, ".work-")
	if err != nil {
		return Program{}, err
	}
	defer os.RemoveAll(work)
	for _, f := range sourceFiles {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return Program{}, err
		}
		if f == Name+".c" {
			if data, err = setDuration(data, int(k.Duration/time.Second)); err != nil {
				return Program{}, err
			}
		}
		if err := os.WriteFile(filepath.Join(work, f), data, 0o644); err != nil {
			return Program{}, err
		}
	}
	shim := filepath.Join(work, "shim")
	if err := os.MkdirAll(shim, 0o755); err != nil {
		return Program{}, err
	}
	if err := os.WriteFile(filepath.Join(shim, "hp-timing.h"), hpTiming, 0o644); err != nil {
		return Program{}, err
	}

	argv := []string{cc}
	argv = append(argv, cflags...)
	argv = append(argv, "-I", "shim", "-I", ".", "-o", Name, Name+".c", "json-lib.c")
	argv = append(argv, ldlibs...)
	b.logf("compiling %s (%s)", Name, k)
	if _, err := b.run(ctx, debsrc.Step{What: "compiling " + Name, Argv: argv, Dir: work}); err != nil {
		return Program{}, err
	}
	built := filepath.Join(work, Name)
	sum, err := fileSHA256(built)
	if err != nil {
		return Program{}, err
	}
	bin := b.binaryPath(k)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return Program{}, err
	}
	// The record goes last: a binary without one is never used.
	os.Remove(recordPath(bin))
	if err := os.Rename(built, bin); err != nil {
		return Program{}, err
	}
	data, err := json.MarshalIndent(binaryRecord{
		Key: k.String(), SHA256: sum, Compile: argv, Sources: rec.Files,
		Built: time.Now().UTC().Truncate(time.Second),
	}, "", "  ")
	if err != nil {
		return Program{}, err
	}
	if err := debsrc.WriteFileAtomic(recordPath(bin), append(data, '\n')); err != nil {
		return Program{}, err
	}
	b.logf("built %s", bin)
	return k.program(bin, sum), nil
}
