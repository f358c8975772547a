package sysinfo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// osReleasePaths are the os-release files in order of precedence, see
// os-release(5).
var osReleasePaths = []string{"/etc/os-release", "/usr/lib/os-release"}

// OSRelease returns the variables of the first os-release file that can be
// read: /etc/os-release, else /usr/lib/os-release.
func OSRelease() (map[string]string, error) {
	var errs []error
	for _, p := range osReleasePaths {
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		vars, err := parseOSRelease(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return vars, nil
	}
	return nil, errors.Join(errs...)
}

// readDistro returns the distribution's PRETTY_NAME from the first of
// paths that can be read (falling back to NAME and VERSION when there is no
// PRETTY_NAME), or the reason none could be.
func readDistro(paths ...string) string {
	var errs []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		vars, err := parseOSRelease(f)
		f.Close()
		if err != nil {
			return unknown(fmt.Sprintf("%s: %v", p, err))
		}
		if v := vars["PRETTY_NAME"]; v != "" {
			return v
		}
		if v := strings.TrimSpace(vars["NAME"] + " " + vars["VERSION"]); v != "" {
			return v
		}
		return unknown("no PRETTY_NAME or NAME in " + p)
	}
	if len(errs) == 0 {
		return unknown("no os-release file given")
	}
	return unknown(strings.Join(errs, "; "))
}

// parseOSRelease parses os-release(5) text: KEY=value lines where the value
// may be unquoted or enclosed in single or double quotes, with backslash
// escapes. Blank lines and lines starting with '#' are skipped, as are
// lines without '='. An unterminated quote is an error naming the line.
func parseOSRelease(r io.Reader) (map[string]string, error) {
	vars := make(map[string]string)
	sc := bufio.NewScanner(r)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, raw, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			continue
		}
		val, err := unquoteShell(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", lineNo, line, err)
		}
		vars[key] = val
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return vars, nil
}

// unquoteShell undoes the shell-style quoting os-release allows: runs of
// unquoted text, '...' (literal) and "..." (with \" \\ \$ \` escapes),
// possibly concatenated.
func unquoteShell(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", errors.New("unterminated single quote")
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return "", errors.New("unterminated double quote")
			}
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// Release names the distribution release this machine runs, as os-release's
// ID and VERSION_ID without dots ("debian12", "ubuntu2404", "alpine321";
// Alpine's and Rocky's point releases are cut to major.minor and major), or
// "" when the os-release file cannot tell.
func Release() string {
	for _, p := range osReleasePaths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		vars, err := parseOSRelease(f)
		f.Close()
		if err != nil {
			return ""
		}
		return releaseID(vars["ID"], vars["VERSION_ID"])
	}
	return ""
}

func releaseID(id, version string) string {
	if id == "" || version == "" {
		return ""
	}
	parts := strings.Split(version, ".")
	switch id {
	case "alpine":
		if len(parts) > 2 {
			parts = parts[:2]
		}
	case "rocky", "debian":
		parts = parts[:1]
	}
	return id + strings.Join(parts, "")
}
