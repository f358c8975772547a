// Package aptsources reads APT's source lists: the one-line format of
// sources.list and sources.list.d/*.list, and the deb822 format of
// sources.list.d/*.sources, in the order APT reads them.
//
//	entries, err := aptsources.Read("/etc/apt")
//
// The parsers are lenient the way a caller looking for a mirror wants and
// strict the way a caller writing a source list wants: they return every
// well-formed entry, and an error naming each line (file:line) they could
// not read, so a caller can either use what there is or refuse.
package aptsources

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Entry is one source: a line of a .list file or a paragraph of a .sources
// file.
type Entry struct {
	Types      []string // "deb", "deb-src"
	URIs       []string
	Suites     []string
	Components []string // empty for an exact path suite ("./")
	// SignedBy is the Signed-By field or signed-by option as written (the
	// commas of the one-line option made spaces): keyring paths, key
	// fingerprints, or an embedded key, whose continuation lines keep their
	// newline and leading space.
	SignedBy string
	// Trusted is the Trusted field or trusted option as written ("yes").
	Trusted string
	// Enabled is false for a deb822 paragraph with Enabled: no.
	Enabled bool
	// File and Line say where the entry was read: the name given to the
	// parser (the path, for Read) and the line of the one-line entry or of
	// the paragraph's first field.
	File string
	Line int
}

// Origin is where the entry was read, "file:line", for messages.
func (e Entry) Origin() string {
	if e.Line == 0 {
		return e.File
	}
	return fmt.Sprintf("%s:%d", e.File, e.Line)
}

// HasType reports whether t ("deb", "deb-src") is one of the entry's types.
func (e Entry) HasType(t string) bool {
	for _, x := range e.Types {
		if x == t {
			return true
		}
	}
	return false
}

// maxLine bounds a line; an embedded key is a few kilobytes in all.
const maxLine = 1 << 20

func newScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	return sc
}

// ParseOneLine reads the one-line format of sources.list, name being the
// file's name for File and for errors:
//
//	deb [signed-by=/usr/share/keyrings/k.gpg arch=amd64] http://deb.debian.org/debian bookworm main
//
// A "#" starts a comment, as in APT even in the middle of a line. A word may
// be grouped with double quotes (which are dropped) or square brackets
// (which are kept), as in cdrom:[Debian GNU/Linux 12]/. Of the options only
// signed-by and trusted are kept. A malformed line is left out, and the
// error names it.
func ParseOneLine(r io.Reader, name string) ([]Entry, error) {
	var out []Entry
	var errs []error
	sc := newScanner(r)
	n := 0
	for sc.Scan() {
		n++
		e, ok, err := parseLine(sc.Text())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, n, err))
			continue
		}
		if ok {
			e.File, e.Line = name, n
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	return out, errors.Join(errs...)
}

// parseLine parses one line of a .list file; ok is false for a blank or
// comment line.
func parseLine(line string) (e Entry, ok bool, err error) {
	text := line
	if i := strings.IndexByte(text, '#'); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return Entry{}, false, nil
	}
	typ, rest := text, ""
	if i := strings.IndexAny(text, " \t"); i >= 0 {
		typ, rest = text[:i], strings.TrimSpace(text[i:])
	}
	if typ != "deb" && typ != "deb-src" {
		return Entry{}, false, fmt.Errorf("unknown type %q", typ)
	}
	e = Entry{Types: []string{typ}, Enabled: true}
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return Entry{}, false, errors.New("unterminated options")
		}
		for _, opt := range strings.Fields(rest[1:end]) {
			k, v, _ := strings.Cut(opt, "=")
			switch strings.ToLower(k) {
			case "signed-by":
				e.SignedBy = strings.ReplaceAll(v, ",", " ")
			case "trusted":
				e.Trusted = v
			}
		}
		rest = rest[end+1:]
	}
	words, err := splitWords(rest)
	if err != nil {
		return Entry{}, false, err
	}
	if len(words) < 2 {
		return Entry{}, false, fmt.Errorf("want a URI and a suite: %q", strings.TrimSpace(line))
	}
	e.URIs = words[:1:1]
	e.Suites = words[1:2:2]
	if len(words) > 2 {
		e.Components = words[2:]
	}
	return e, true, nil
}

// splitWords splits s at blanks, except inside double quotes (dropped) or
// square brackets (kept), as APT's ParseQuoteWord does.
func splitWords(s string) ([]string, error) {
	var words []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return words, nil
		}
		var w strings.Builder
		i := 0
		for i < len(s) && s[i] != ' ' && s[i] != '\t' {
			switch s[i] {
			case '"':
				j := strings.IndexByte(s[i+1:], '"')
				if j < 0 {
					return nil, errors.New("unterminated quote")
				}
				w.WriteString(s[i+1 : i+1+j])
				i += j + 2
			case '[':
				j := strings.IndexByte(s[i+1:], ']')
				if j < 0 {
					return nil, errors.New("unterminated [")
				}
				w.WriteString(s[i : i+2+j])
				i += j + 2
			default:
				w.WriteByte(s[i])
				i++
			}
		}
		words = append(words, w.String())
		s = s[i:]
	}
}

// ParseDeb822 reads the deb822 format of a .sources file, name being the
// file's name for File and for errors: paragraphs of "Field: value" lines
// separated by blank lines, field names in any case, continuation lines
// starting with a blank, and "#" comment lines anywhere. Types, URIs, Suites
// and Components take several values. A line that is neither a field nor a
// continuation of one is left out, and the error names it.
func ParseDeb822(r io.Reader, name string) ([]Entry, error) {
	var out []Entry
	var errs []error
	fields := map[string]string{}
	last := ""
	start := 0 // the line of the paragraph's first field
	flush := func() {
		if len(fields) > 0 {
			out = append(out, Entry{
				Types:      words(fields["types"]),
				URIs:       words(fields["uris"]),
				Suites:     words(fields["suites"]),
				Components: words(fields["components"]),
				SignedBy:   fields["signed-by"],
				Trusted:    strings.TrimSpace(fields["trusted"]),
				Enabled:    parseBool(fields["enabled"], true),
				File:       name,
				Line:       start,
			})
		}
		fields = map[string]string{}
		last = ""
	}
	sc := newScanner(r)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.TrimSpace(text) == "":
			flush()
		case text[0] == '#':
			// A comment, between or inside paragraphs.
		case text[0] == ' ' || text[0] == '\t':
			if last == "" {
				errs = append(errs, fmt.Errorf("%s:%d: continuation line outside a field", name, n))
				continue
			}
			fields[last] += "\n" + text
		default:
			k, v, ok := strings.Cut(text, ":")
			if !ok {
				errs = append(errs, fmt.Errorf("%s:%d: not a field: %q", name, n, text))
				continue
			}
			if len(fields) == 0 {
				start = n
			}
			last = strings.ToLower(strings.TrimSpace(k))
			fields[last] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	flush()
	return out, errors.Join(errs...)
}

// words splits a field's value at blanks; nil for none.
func words(s string) []string {
	if w := strings.Fields(s); len(w) > 0 {
		return w
	}
	return nil
}

// parseBool reads a boolean field as APT's StringToBool does: 0 and 1, or
// no/false/without/off/disable and yes/true/with/on/enable in any case; def
// for anything else, an absent field included.
func parseBool(s string, def bool) bool {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && (n == 0 || n == 1) {
		return n == 1
	}
	switch strings.ToLower(s) {
	case "no", "false", "without", "off", "disable":
		return false
	case "yes", "true", "with", "on", "enable":
		return true
	}
	return def
}

// Read reads the source lists under etcDir (normally /etc/apt) as APT
// does: sources.list, then the .list and .sources files of sources.list.d
// in name order. Other files there (.disabled, .save, names with
// characters other than letters, digits, "_", "-", ":" and "."), and
// anything that is not a regular file, are ignored, as APT ignores them;
// missing files are no error. It returns the entries of everything it could
// read, and an error for every file or line it could not.
func Read(etcDir string) ([]Entry, error) {
	files, err := listFiles(etcDir)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	var all []Entry
	for _, path := range files {
		parse := ParseOneLine
		if strings.HasSuffix(path, ".sources") {
			parse = ParseDeb822
		}
		entries, err := readFile(path, parse)
		all = append(all, entries...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return all, errors.Join(errs...)
}

func readFile(path string, parse func(io.Reader, string) ([]Entry, error)) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parse(f, path)
}

// listFiles returns the source lists under etcDir in the order APT reads
// them.
func listFiles(etcDir string) ([]string, error) {
	var files []string
	main := filepath.Join(etcDir, "sources.list")
	if regular(main) {
		files = append(files, main)
	}
	parts := filepath.Join(etcDir, "sources.list.d")
	ents, err := os.ReadDir(parts) // sorted by name
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return files, err
	}
	for _, d := range ents {
		name := d.Name()
		if !validName(name) || !(strings.HasSuffix(name, ".list") || strings.HasSuffix(name, ".sources")) {
			continue
		}
		if p := filepath.Join(parts, name); regular(p) {
			files = append(files, p)
		}
	}
	return files, nil
}

// regular reports whether path is a regular file, after symbolic links.
func regular(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// validName reports whether APT reads a file of this name from a parts
// directory (its run-parts rule).
func validName(name string) bool {
	for _, c := range name {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == '-', c == ':', c == '.':
		default:
			return false
		}
	}
	return true
}
