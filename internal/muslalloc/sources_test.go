package muslalloc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Debian 12's default /etc/apt/sources.list.d/debian.sources.
const debianSources = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`

func TestParseDeb822(t *testing.T) {
	s, err := parseDeb822Sources(strings.NewReader(debianSources), "debian.sources")
	require.NoError(t, err)
	require.Len(t, s, 2)
	assert.Equal(t, []string{"deb"}, s[0].Types)
	assert.Equal(t, []string{"http://deb.debian.org/debian"}, s[0].URIs)
	assert.Equal(t, []string{"bookworm", "bookworm-updates"}, s[0].Suites)
	assert.Equal(t, []string{"main"}, s[0].Components)
	assert.Equal(t, "/usr/share/keyrings/debian-archive-keyring.gpg", s[0].SignedBy)
	assert.True(t, s[0].Enabled)
	assert.Equal(t, "debian.sources:1", s[0].Origin)
	assert.Equal(t, []string{"bookworm-security"}, s[1].Suites)
	assert.Equal(t, "debian.sources:8", s[1].Origin)
}

func TestParseDeb822Details(t *testing.T) {
	const src = `# a comment before everything

types: deb deb-src
uris: http://mirror.example/debian
  http://other.example/debian
suites: bookworm
components: main contrib
enabled: no

Types: deb
URIs: https://proxy.example/debian
Suites: bookworm
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NlOAtEs6UVy...
 -----END PGP PUBLIC KEY BLOCK-----
Trusted: yes
`
	s, err := parseDeb822Sources(strings.NewReader(src), "x.sources")
	require.NoError(t, err)
	require.Len(t, s, 2)
	assert.Equal(t, []string{"deb", "deb-src"}, s[0].Types, "field names are case-insensitive")
	assert.Equal(t, []string{"http://mirror.example/debian", "http://other.example/debian"}, s[0].URIs, "continuation lines")
	assert.False(t, s[0].Enabled)
	assert.True(t, s[1].Enabled)
	assert.Equal(t, "yes", s[1].Trusted)
	assert.True(t, strings.HasPrefix(s[1].SignedBy, "\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n"), "%q", s[1].SignedBy)

	_, err = parseDeb822Sources(strings.NewReader(" orphan continuation\n"), "bad.sources")
	assert.ErrorContains(t, err, "bad.sources:1")
	_, err = parseDeb822Sources(strings.NewReader("Types deb\n"), "bad.sources")
	assert.ErrorContains(t, err, "not a field")
}

func TestParseOneLine(t *testing.T) {
	const src = `# comment
deb http://deb.debian.org/debian bookworm main contrib # trailing comment
deb [ arch=amd64 signed-by=/usr/share/keyrings/a.gpg,/usr/share/keyrings/b.gpg ] http://security.debian.org/debian-security bookworm-security main

deb-src [trusted=yes] http://deb.debian.org/debian bookworm main
deb http://example.com/exact/path/ ./
`
	s, err := parseOneLineSources(strings.NewReader(src), "sources.list")
	require.NoError(t, err)
	require.Len(t, s, 4)
	assert.Equal(t, aptSource{
		Types: []string{"deb"}, URIs: []string{"http://deb.debian.org/debian"},
		Suites: []string{"bookworm"}, Components: []string{"main", "contrib"},
		Enabled: true, Origin: "sources.list:2",
	}, s[0])
	assert.Equal(t, "/usr/share/keyrings/a.gpg /usr/share/keyrings/b.gpg", s[1].SignedBy)
	assert.Equal(t, []string{"bookworm-security"}, s[1].Suites)
	assert.Equal(t, []string{"deb-src"}, s[2].Types)
	assert.Equal(t, "yes", s[2].Trusted)
	assert.Equal(t, []string{"./"}, s[3].Suites)
	assert.Empty(t, s[3].Components)

	_, err = parseOneLineSources(strings.NewReader("rpm http://x y\n"), "l")
	assert.ErrorContains(t, err, "unknown type")
	_, err = parseOneLineSources(strings.NewReader("deb [arch=amd64 http://x y\n"), "l")
	assert.ErrorContains(t, err, "unterminated")
	_, err = parseOneLineSources(strings.NewReader("deb http://x\n"), "l")
	assert.ErrorContains(t, err, "want a URI and a suite")
}

func TestReadSystemSources(t *testing.T) {
	etc := t.TempDir()
	d := filepath.Join(etc, "sources.list.d")
	require.NoError(t, os.Mkdir(d, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(d, "debian.sources"), []byte(debianSources), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(d, "extra.list"), []byte("deb http://ftp.example/debian bookworm-backports main\n"), 0o644))
	// Files APT ignores, and so must we.
	require.NoError(t, os.WriteFile(filepath.Join(d, "nodesource.sources.disabled-by-farm"), []byte("garbage"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(d, "old.list.save"), []byte("garbage"), 0o644))

	s, err := readSystemSources(etc)
	require.NoError(t, err)
	require.Len(t, s, 3, "no sources.list is fine; ignored files are ignored")
	assert.Equal(t, []string{"bookworm", "bookworm-updates"}, s[0].Suites)
	assert.Equal(t, []string{"bookworm-backports"}, s[2].Suites)

	require.NoError(t, os.WriteFile(filepath.Join(etc, "sources.list"), []byte("deb http://x\n"), 0o644))
	_, err = readSystemSources(etc)
	assert.ErrorContains(t, err, "sources.list:1")
}

func TestSourceEntries(t *testing.T) {
	sys, err := parseDeb822Sources(strings.NewReader(debianSources+`
Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main

Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Enabled: no
`), "s")
	require.NoError(t, err)
	one, err := parseOneLineSources(strings.NewReader(`deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main
deb cdrom:[Debian GNU/Linux 12]/ bookworm main
deb http://deb.debian.org/debian bookworm main
deb [signed-by=/k.gpg] http://mirror.example/debian bookworm/updates main
`), "l")
	require.NoError(t, err)

	got := sourceEntries(append(sys, one...), "bookworm")
	require.Len(t, got, 3, "%+v", got)
	assert.Equal(t, []string{"deb-src"}, got[0].Types)
	assert.Equal(t, []string{"http://deb.debian.org/debian"}, got[0].URIs)
	assert.Equal(t, []string{"bookworm", "bookworm-updates"}, got[0].Suites)
	assert.Equal(t, "/usr/share/keyrings/debian-archive-keyring.gpg", got[0].SignedBy)
	assert.Equal(t, []string{"bookworm-security"}, got[1].Suites)
	assert.Equal(t, []string{"http://mirror.example/debian"}, got[2].URIs)
	assert.Equal(t, []string{"bookworm/updates"}, got[2].Suites)
	assert.Equal(t, "/k.gpg", got[2].SignedBy)

	assert.Len(t, sourceEntries(sys, ""), 3, "without a codename every enabled entry counts")
	assert.Empty(t, sourceEntries(sys, "trixie"))

	// The written file reads back as the same entries.
	text := formatDeb822(got)
	back, err := parseDeb822Sources(strings.NewReader(text), "w")
	require.NoError(t, err)
	require.Len(t, back, len(got))
	for i := range got {
		back[i].Origin = got[i].Origin
		assert.Equal(t, got[i], back[i])
	}
	assert.Equal(t, "http://deb.debian.org/debian bookworm bookworm-updates main; http://deb.debian.org/debian-security bookworm-security main; http://mirror.example/debian bookworm/updates main",
		describeSources(got))
}

func TestFormatDeb822EmbeddedKey(t *testing.T) {
	s := []aptSource{{
		Types: []string{"deb-src"}, URIs: []string{"https://m.example/debian"}, Suites: []string{"bookworm"},
		Components: []string{"main"}, SignedBy: "\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n -----END PGP PUBLIC KEY BLOCK-----",
		Enabled: true, Origin: "o",
	}}
	text := formatDeb822(s)
	assert.Contains(t, text, "Signed-By: \n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n")
	back, err := parseDeb822Sources(strings.NewReader(text), "w")
	require.NoError(t, err)
	require.Len(t, back, 1)
	assert.Equal(t, s[0].SignedBy, back[0].SignedBy)
}

func TestOSCodename(t *testing.T) {
	assert.Equal(t, "bookworm", osCodename(`PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`))
	assert.Equal(t, "jammy", osCodename("NAME=\"Ubuntu\"\nVERSION_CODENAME=\"jammy\"\nUBUNTU_CODENAME=jammy\n"))
	assert.Equal(t, "", osCodename("ID=alpine\n"))
}
