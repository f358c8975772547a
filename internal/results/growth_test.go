package results

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// configEntries counts the configuration entries the reader kept for f's
// results: those of each distinct configuration.
func configEntries(f *File) int {
	seen := map[*Configuration]bool{}
	n := 0
	for _, r := range f.Results {
		if !seen[r.Config] {
			seen[r.Config] = true
			n += len(r.Config.entries)
		}
	}
	return n
}

// A file that adds a configuration key before every result (4000 keys)
// made the reader keep every result's whole configuration, 8 million
// entries for a file of 300 KB; it keeps at most maxConfigWork and says
// from which line it ignores configuration lines. Every result is kept.
func TestNewKeyPerResultIsBounded(t *testing.T) {
	const n = 4000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "k%d: v\nBenchmarkX 1 %d ns/op\n", i, 10+i%3)
	}
	path := filepath.Join(t.TempDir(), "keys.txt")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	f, warns := ReadFile(Source{"keys", path})
	require.Len(t, f.Results, n)
	assert.LessOrEqual(t, configEntries(f), maxConfigWork)
	require.NotEmpty(t, warns)
	assert.Contains(t, warns[0].String(), fmt.Sprintf("more than %d configuration entries to read: configuration lines from here on are ignored", maxConfigWork))
	assert.Equal(t, "v", f.Results[0].GetConfig("k0"))
}

// Results whose configuration lines did not change share their
// configuration without it being compared again, and a configuration that
// comes back is shared with its first appearance.
func TestConfigurationsAreShared(t *testing.T) {
	in := "a: 1\nBenchmarkX 1 1 ns/op\nBenchmarkX 1 2 ns/op\na: 2\nBenchmarkX 1 3 ns/op\na: 1\nBenchmarkX 1 4 ns/op\n"
	f, warns := Read(Source{Label: "s", Path: "s.txt"}, strings.NewReader(in))
	require.Empty(t, warns)
	require.Len(t, f.Results, 4)
	assert.Same(t, f.Results[0].Config, f.Results[1].Config)
	assert.Same(t, f.Results[0].Config, f.Results[3].Config)
	assert.NotSame(t, f.Results[0].Config, f.Results[2].Config)
	assert.Equal(t, "2", f.Results[2].GetConfig("a"))
	assert.Equal(t, "s", f.Results[2].GetConfig(LabelKey))
}

// More distinct configuration keys than maxConfigKeys: the configuration
// lines from the one past the limit on are ignored, with a warning.
func TestTooManyConfigKeys(t *testing.T) {
	var b strings.Builder
	b.WriteString("BenchmarkX 1 1 ns/op\n")
	for i := range maxConfigKeys + 5 {
		fmt.Fprintf(&b, "k%d: v\n", i)
	}
	b.WriteString("BenchmarkX 1 2 ns/op\n")
	f, warns := Read(Source{Label: "k", Path: "k.txt"}, strings.NewReader(b.String()))
	require.Len(t, f.Results, 2)
	require.Len(t, warns, 1)
	assert.Equal(t, fmt.Sprintf("k.txt:%d: more than %d distinct configuration keys: configuration lines from here on are ignored", maxConfigKeys+7, maxConfigKeys), warns[0].String())
	assert.Equal(t, "", f.Results[1].GetConfig("k0"))
}

// More distinct units than maxUnits: the results that bring new ones past
// the limit are left out, with a warning.
func TestTooManyDistinctUnits(t *testing.T) {
	const per = 500
	lists := maxUnits/per + 3
	var b strings.Builder
	u := 0
	for range lists {
		b.WriteString("BenchmarkX 1 1 ns/op")
		for range per {
			fmt.Fprintf(&b, " 1 u%d", u)
			u++
		}
		b.WriteString("\n")
	}
	f, warns := Read(Source{Label: "u", Path: "u.txt"}, strings.NewReader(b.String()))
	// ns/op and per units a result: the results that fit in maxUnits.
	kept := (maxUnits - 1) / per
	require.Len(t, f.Results, kept)
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0].String(), fmt.Sprintf("u.txt:%d: more than", kept+1))
	assert.Contains(t, warns[0].String(), fmt.Sprintf("%d results with new ones from here on are left out", lists-kept))
}

// A UTF-16 file (PowerShell's go test -bench > out.txt) used to get "no
// benchmark results" alone; the warning says why and how to convert it.
func TestUTF16FileGetsAHint(t *testing.T) {
	text := "goos: linux\nBenchmarkX-8 \t 1000\t 10 ns/op\n"
	le := []byte{0xff, 0xfe}
	be := []byte{0xfe, 0xff}
	var noBOM []byte
	for _, r := range text {
		le = append(le, byte(r), 0)
		be = append(be, 0, byte(r))
		noBOM = append(noBOM, byte(r), 0)
	}
	for name, data := range map[string][]byte{"le": le, "be": be, "no-bom": noBOM} {
		f, warns := Read(Source{Label: name, Path: name + ".txt"}, bytes.NewReader(data))
		assert.Empty(t, f.Results, name)
		require.NotEmpty(t, warns, name)
		last := warns[len(warns)-1].String()
		assert.Equal(t, name+".txt: no benchmark results: the file is UTF-16 text (as Windows PowerShell's > writes it), and readers take UTF-8; convert it, e.g. iconv -f UTF-16 -t UTF-8", last, name)
	}
	_, warns := Read(Source{Label: "empty", Path: "empty.txt"}, strings.NewReader("goos: linux\n"))
	require.Len(t, warns, 1)
	assert.Equal(t, "empty.txt: no benchmark results", warns[0].String())
}
