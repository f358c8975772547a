package aptsources

import (
	"io"
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

const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

// deb is an enabled entry of type deb read from f at line n.
func deb(f string, n int, uri, suite string, components ...string) Entry {
	return Entry{Types: []string{"deb"}, URIs: []string{uri}, Suites: []string{suite}, Components: components, Enabled: true, File: f, Line: n}
}

// signed is e with Signed-By keys.
func signed(e Entry, keys string) Entry {
	e.SignedBy = keys
	return e
}

// parseCase is a parser's input, the entries it should return, and
// substrings of the error it should return (none for no error).
type parseCase struct {
	name, in string
	want     []Entry
	err      []string
}

// runParse runs parse on each case, naming the input file.
func runParse(t *testing.T, cases []parseCase, parse func(io.Reader, string) ([]Entry, error), file string) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(strings.NewReader(tc.in), file)
			assert.Equal(t, tc.want, got)
			if len(tc.err) == 0 {
				assert.NoError(t, err)
			}
			for _, e := range tc.err {
				assert.ErrorContains(t, err, e)
			}
		})
	}
}

func TestParseOneLine(t *testing.T) {
	runParse(t, []parseCase{
		{
			name: "plain, comments and blank lines",
			in:   "# comment\n\ndeb http://deb.debian.org/debian bookworm main contrib # trailing comment\n   \n",
			want: []Entry{deb("l", 3, "http://deb.debian.org/debian", "bookworm", "main", "contrib")},
		},
		{
			name: "options with blanks, several signed-by keys",
			in:   "deb [ arch=amd64 signed-by=/usr/share/keyrings/a.gpg,/usr/share/keyrings/b.gpg ] http://security.debian.org/debian-security bookworm-security main\n",
			want: []Entry{signed(deb("l", 1, "http://security.debian.org/debian-security", "bookworm-security", "main"),
				"/usr/share/keyrings/a.gpg /usr/share/keyrings/b.gpg")},
		},
		{
			name: "options without blanks, option names in any case",
			in:   "deb-src [Trusted=yes arch=amd64] http://ftp.de.debian.org/debian/ bookworm main contrib\n",
			want: []Entry{{
				Types: []string{"deb-src"}, URIs: []string{"http://ftp.de.debian.org/debian/"}, Suites: []string{"bookworm"},
				Components: []string{"main", "contrib"}, Trusted: "yes", Enabled: true, File: "l", Line: 1,
			}},
		},
		{
			name: "exact path suite, tabs, CRLF",
			in:   "deb\thttp://example.com/exact/path/ \t./\r\n",
			want: []Entry{deb("l", 1, "http://example.com/exact/path/", "./")},
		},
		{
			name: "suite with a slash",
			in:   "deb [signed-by=/k.gpg] http://mirror.example/debian bookworm/updates main\n",
			want: []Entry{signed(deb("l", 1, "http://mirror.example/debian", "bookworm/updates", "main"), "/k.gpg")},
		},
		{
			name: "bracketed and quoted words",
			in:   "deb cdrom:[Debian GNU/Linux 12 _Bookworm_]/ bookworm main\ndeb \"http://a.example/with space\" bookworm main\n",
			want: []Entry{
				deb("l", 1, "cdrom:[Debian GNU/Linux 12 _Bookworm_]/", "bookworm", "main"),
				deb("l", 2, "http://a.example/with space", "bookworm", "main"),
			},
		},
		{
			name: "malformed lines are left out and named",
			in: "rpm http://x y\n" +
				"deb http://good.example/debian bookworm main\n" +
				"deb [arch=amd64 http://x y\n" +
				"deb http://x\n" +
				"deb [arch=amd64] http://x\n" +
				"deb \"http://x y\n" +
				"deb-src http://good.example/debian bookworm main\n",
			want: []Entry{
				deb("l", 2, "http://good.example/debian", "bookworm", "main"),
				{Types: []string{"deb-src"}, URIs: []string{"http://good.example/debian"}, Suites: []string{"bookworm"},
					Components: []string{"main"}, Enabled: true, File: "l", Line: 7},
			},
			err: []string{`l:1: unknown type "rpm"`, "l:3: unterminated options", "l:4: want a URI and a suite", "l:5: want a URI and a suite", "l:6: unterminated quote"},
		},
	}, ParseOneLine, "l")
}

func TestParseDeb822(t *testing.T) {
	const key = "\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBGPL0BUBEADmW5NlOAtEs6UVy...\n -----END PGP PUBLIC KEY BLOCK-----"
	runParse(t, []parseCase{
		{
			name: "Debian's default",
			in:   debianSources,
			want: []Entry{
				{Types: []string{"deb"}, URIs: []string{"http://deb.debian.org/debian"}, Suites: []string{"bookworm", "bookworm-updates"},
					Components: []string{"main"}, SignedBy: keyring, Enabled: true, File: "s", Line: 1},
				{Types: []string{"deb"}, URIs: []string{"http://deb.debian.org/debian-security"}, Suites: []string{"bookworm-security"},
					Components: []string{"main"}, SignedBy: keyring, Enabled: true, File: "s", Line: 8},
			},
		},
		{
			name: "field names in any case, several values, continuation lines, comments, blank lines",
			in: "# a comment before everything\n\n\n" +
				"types: deb deb-src\n" +
				"uris: http://mirror.example/debian\n" +
				"  http://other.example/debian\n" +
				"# a comment inside\n" +
				"SUITES: bookworm\n" +
				"\tbookworm-updates\n" +
				"Components: main contrib non-free-firmware\n" +
				"URIs:\n" +
				" http://third.example/debian/\n",
			want: []Entry{{
				Types: []string{"deb", "deb-src"}, URIs: []string{"http://third.example/debian/"},
				Suites: []string{"bookworm", "bookworm-updates"}, Components: []string{"main", "contrib", "non-free-firmware"},
				Enabled: true, File: "s", Line: 4,
			}},
		},
		{
			name: "embedded key, Trusted",
			in:   "Types: deb\nURIs: https://proxy.example/debian\nSuites: bookworm\nComponents: main\nSigned-By:" + key + "\nTrusted: yes\n",
			want: []Entry{{
				Types: []string{"deb"}, URIs: []string{"https://proxy.example/debian"}, Suites: []string{"bookworm"},
				Components: []string{"main"}, SignedBy: key, Trusted: "yes", Enabled: true, File: "s", Line: 1,
			}},
		},
		{
			name: "Enabled as APT reads booleans",
			in: "Types: deb\nEnabled: no\n\nTypes: deb\nEnabled: False\n\nTypes: deb\nEnabled: 0\n\nTypes: deb\nEnabled: off\n\n" +
				"Types: deb\nEnabled: yes\n\nTypes: deb\nEnabled: 1\n\nTypes: deb\nEnabled: maybe\n",
			want: func() []Entry {
				var out []Entry
				for i, on := range []bool{false, false, false, false, true, true, true} {
					out = append(out, Entry{Types: []string{"deb"}, Enabled: on, File: "s", Line: 1 + 3*i})
				}
				return out
			}(),
		},
		{
			name: "CRLF",
			in:   "Types: deb\r\nURIs: http://m.example/debian\r\nSuites: trixie\r\nSigned-By: /k.gpg\r\n\r\nTypes: deb-src\r\n",
			want: []Entry{
				{Types: []string{"deb"}, URIs: []string{"http://m.example/debian"}, Suites: []string{"trixie"}, SignedBy: "/k.gpg", Enabled: true, File: "s", Line: 1},
				{Types: []string{"deb-src"}, Enabled: true, File: "s", Line: 6},
			},
		},
		{
			name: "malformed lines are left out and named",
			in:   " orphan continuation\nTypes: deb\nURIs = x\nSuites: sid\n\n\tanother orphan\n",
			want: []Entry{{Types: []string{"deb"}, Suites: []string{"sid"}, Enabled: true, File: "s", Line: 2}},
			err:  []string{"s:1: continuation line outside a field", `s:3: not a field: "URIs = x"`, "s:6: continuation line outside a field"},
		},
	}, ParseDeb822, "s")
}

func TestParseLongLine(t *testing.T) {
	long := "deb http://m.example/debian bookworm " + strings.Repeat("c", 100_000) + "\n"
	got, err := ParseOneLine(strings.NewReader(long), "l")
	require.NoError(t, err)
	require.Len(t, got, 1)
	_, err = ParseOneLine(strings.NewReader(strings.Repeat("x", maxLine+1)), "l")
	assert.ErrorContains(t, err, "l: ")
}

// files writes text under root at each relative path.
func files(t *testing.T, root string, text map[string]string) {
	t.Helper()
	for rel, s := range text {
		p := filepath.Join(root, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	}
}

func TestRead(t *testing.T) {
	etc := t.TempDir()
	got, err := Read(etc)
	assert.NoError(t, err, "no sources at all")
	assert.Empty(t, got)
	got, err = Read(filepath.Join(etc, "missing"))
	assert.NoError(t, err)
	assert.Empty(t, got)

	d := filepath.Join(etc, "sources.list.d")
	files(t, d, map[string]string{
		"debian.sources": debianSources,
		"b-extra.list":   "deb http://ftp.example/debian bookworm-backports main\n",
		"z.sources":      "Types: deb\nURIs: http://z.example/debian\nSuites: sid\nEnabled: no\n",
		// Files APT ignores, and so must we.
		"nodesource.sources.disabled-by-farm": "garbage",
		"old.list.save":                       "garbage",
		"backup~.list":                        "garbage",
		"with space.list":                     "garbage",
		"README":                              "garbage",
	})
	require.NoError(t, os.Mkdir(filepath.Join(d, "dir.list"), 0o755))

	got, err = Read(etc)
	require.NoError(t, err, "no sources.list is fine; ignored files are ignored")
	var origins []string
	for _, e := range got {
		origins = append(origins, strings.TrimPrefix(e.Origin(), etc+"/"))
	}
	assert.Equal(t, []string{"sources.list.d/b-extra.list:1", "sources.list.d/debian.sources:1", "sources.list.d/debian.sources:8", "sources.list.d/z.sources:1"}, origins,
		".list and .sources files in one name order")
	assert.Equal(t, []string{"bookworm", "bookworm-updates"}, got[1].Suites)
	assert.False(t, got[3].Enabled)

	// sources.list comes first; a malformed line is named, and the rest is
	// still read.
	files(t, etc, map[string]string{"sources.list": "deb http://first.example/debian bookworm main\ndeb http://x\n"})
	got, err = Read(etc)
	assert.ErrorContains(t, err, filepath.Join(etc, "sources.list")+":2: want a URI and a suite")
	require.Len(t, got, 5)
	assert.Equal(t, []string{"http://first.example/debian"}, got[0].URIs)
	assert.Equal(t, filepath.Join(etc, "sources.list")+":1", got[0].Origin())
	assert.Equal(t, []string{"http://ftp.example/debian"}, got[1].URIs)

	if os.Geteuid() != 0 {
		require.NoError(t, os.Chmod(filepath.Join(d, "b-extra.list"), 0))
		got, err = Read(etc)
		assert.ErrorContains(t, err, "b-extra.list: permission denied")
		assert.Len(t, got, 4, "an unreadable file is left out")
	}
}

func TestEntryHelpers(t *testing.T) {
	e := Entry{Types: []string{"deb", "deb-src"}, File: "f"}
	assert.True(t, e.HasType("deb-src"))
	assert.False(t, e.HasType("rpm"))
	assert.Equal(t, "f", e.Origin())
	e.Line = 3
	assert.Equal(t, "f:3", e.Origin())
}
