package sysinfo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOSRelease(t *testing.T) {
	const text = `# comment line
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME='Debian GNU/Linux'
VERSION_ID=12

  ID=debian  
` + "QUOTED=\"say \\\"hi\\\" for \\$5 \\\\ \\` ok\"\n" + `SINGLE='keeps \ backslash'
MIXED="a b"'c d'e
EMPTY=
not a variable line
`
	vars, err := parseOSRelease(strings.NewReader(text))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)",
		"NAME":        "Debian GNU/Linux",
		"VERSION_ID":  "12",
		"ID":          "debian",
		"QUOTED":      "say \"hi\" for $5 \\ ` ok",
		"SINGLE":      `keeps \ backslash`,
		"MIXED":       "a bc de",
		"EMPTY":       "",
	}, vars)
}

func TestParseOSReleaseErrors(t *testing.T) {
	_, err := parseOSRelease(strings.NewReader("ID=x\nPRETTY_NAME=\"Broken\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 2")
	assert.Contains(t, err.Error(), "unterminated double quote")

	_, err = parseOSRelease(strings.NewReader("NAME='x\n"))
	assert.ErrorContains(t, err, "unterminated single quote")
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func TestReadDistro(t *testing.T) {
	dir := t.TempDir()
	etc := filepath.Join(dir, "etc", "os-release")
	lib := filepath.Join(dir, "usr", "lib", "os-release")

	missing := readDistro(etc, lib)
	assert.True(t, strings.HasPrefix(missing, "unknown (open "+etc), missing)
	assert.Contains(t, missing, lib)

	writeFile(t, lib, "PRETTY_NAME=\"From Lib 1.0\"\n")
	assert.Equal(t, "From Lib 1.0", readDistro(etc, lib), "falls back to /usr/lib")

	writeFile(t, etc, "PRETTY_NAME='From Etc 2.0'\n")
	assert.Equal(t, "From Etc 2.0", readDistro(etc, lib), "/etc takes precedence")

	writeFile(t, etc, "NAME=Minimal\nVERSION=\"3 (x)\"\n")
	assert.Equal(t, "Minimal 3 (x)", readDistro(etc, lib), "NAME VERSION without PRETTY_NAME")

	writeFile(t, etc, "ID=bare\n")
	assert.Equal(t, "unknown (no PRETTY_NAME or NAME in "+etc+")", readDistro(etc, lib))

	writeFile(t, etc, "PRETTY_NAME=\"oops\n")
	assert.Contains(t, readDistro(etc, lib), "unterminated double quote")
}

func TestReleaseID(t *testing.T) {
	for _, c := range []struct{ id, version, want string }{
		{"debian", "12", "debian12"},
		{"debian", "13", "debian13"},
		{"ubuntu", "24.04", "ubuntu2404"},
		{"alpine", "3.21.2", "alpine321"},
		{"rocky", "9.4", "rocky9"},
		{"debian", "", ""},
		{"", "12", ""},
	} {
		assert.Equal(t, c.want, releaseID(c.id, c.version), "%s %s", c.id, c.version)
	}
}

func TestOSRelease(t *testing.T) {
	vars, err := OSRelease()
	if err != nil {
		t.Skipf("no os-release file here: %v", err)
	}
	assert.NotEmpty(t, vars["ID"], "os-release names the distribution")
	assert.Equal(t, readDistro(osReleasePaths...), vars["PRETTY_NAME"], "the same file as the distro line's")
}
