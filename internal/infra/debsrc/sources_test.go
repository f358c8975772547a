package debsrc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/infra/aptsources"
)

// entry is an enabled entry read from file:line; fields are blank-separated
// lists.
func entry(file string, line int, types, uris, suites, components string) aptsources.Entry {
	list := func(s string) []string {
		if f := strings.Fields(s); len(f) > 0 {
			return f
		}
		return nil
	}
	return aptsources.Entry{Types: list(types), URIs: list(uris), Suites: list(suites), Components: list(components), Enabled: true, File: file, Line: line}
}

func TestSourceEntries(t *testing.T) {
	const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
	main := entry("debian.sources", 1, "deb", "http://deb.debian.org/debian", "bookworm bookworm-updates", "main")
	main.SignedBy = keyring
	security := entry("debian.sources", 8, "deb", "http://deb.debian.org/debian-security", "bookworm-security", "main")
	security.SignedBy = keyring
	disabled := entry("debian.sources", 20, "deb", "http://disabled.example/debian", "bookworm", "main")
	disabled.Enabled = false
	sys := []aptsources.Entry{
		main,
		security,
		entry("debian.sources", 14, "deb", "https://deb.nodesource.com/node_20.x", "nodistro", "main"),
		disabled,
	}
	cdrom := entry("sources.list", 2, "deb", "", "bookworm", "main")
	cdrom.URIs = []string{"cdrom:[Debian GNU/Linux 12]/"}
	signed := entry("sources.list", 4, "deb", "http://mirror.example/debian", "bookworm/updates", "main")
	signed.SignedBy = "/k.gpg"
	one := []aptsources.Entry{
		entry("sources.list", 1, "deb", "https://packages.cloud.google.com/apt", "cloud-sdk-bookworm", "main"),
		cdrom,
		entry("sources.list", 3, "deb", "http://deb.debian.org/debian", "bookworm", "main"),
		signed,
		entry("sources.list", 5, "rpm", "http://rpm.example/debian", "bookworm", "main"),
	}

	got := sourceEntries(append(sys, one...), "bookworm")
	require.Len(t, got, 3, "%+v", got)
	assert.Equal(t, []string{"deb-src"}, got[0].Types)
	assert.Equal(t, []string{"http://deb.debian.org/debian"}, got[0].URIs)
	assert.Equal(t, []string{"bookworm", "bookworm-updates"}, got[0].Suites)
	assert.Equal(t, keyring, got[0].SignedBy)
	assert.Equal(t, "debian.sources:1", got[0].Origin())
	assert.Equal(t, []string{"bookworm-security"}, got[1].Suites)
	assert.Equal(t, []string{"http://mirror.example/debian"}, got[2].URIs)
	assert.Equal(t, []string{"bookworm/updates"}, got[2].Suites)
	assert.Equal(t, "/k.gpg", got[2].SignedBy)
	assert.Equal(t, "sources.list:4", got[2].Origin())

	assert.Len(t, sourceEntries(sys, ""), 3, "without a codename every enabled entry counts")
	assert.Empty(t, sourceEntries(sys, "trixie"))
	both := entry("x.sources", 1, "deb deb-src", "cdrom:/media/cdrom/ http://a.example/debian", "bookworm", "main")
	assert.Equal(t, []string{"http://a.example/debian"}, sourceEntries([]aptsources.Entry{both}, "bookworm")[0].URIs, "cdrom URIs are left out")

	// The written file reads back as the same entries.
	text := formatDeb822(got)
	assert.Contains(t, text, "# from debian.sources:1\nTypes: deb-src\n")
	back, err := aptsources.ParseDeb822(strings.NewReader(text), "w")
	require.NoError(t, err)
	require.Len(t, back, len(got))
	for i := range got {
		back[i].File, back[i].Line = got[i].File, got[i].Line
		assert.Equal(t, got[i], back[i])
	}
	assert.Equal(t, "http://deb.debian.org/debian bookworm bookworm-updates main; http://deb.debian.org/debian-security bookworm-security main; http://mirror.example/debian bookworm/updates main",
		describeSources(got))
}

func TestFormatDeb822EmbeddedKey(t *testing.T) {
	s := []aptsources.Entry{{
		Types: []string{"deb-src"}, URIs: []string{"https://m.example/debian"}, Suites: []string{"bookworm"},
		Components: []string{"main"}, SignedBy: "\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n -----END PGP PUBLIC KEY BLOCK-----",
		Enabled: true, File: "o",
	}}
	text := formatDeb822(s)
	assert.Contains(t, text, "Signed-By: \n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n")
	back, err := aptsources.ParseDeb822(strings.NewReader(text), "w")
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
