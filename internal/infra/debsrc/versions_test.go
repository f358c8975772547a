package debsrc

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDpkgQuery(t *testing.T) {
	src, v, ok := ParseDpkgQuery("installed jemalloc 5.3.0-1\n")
	assert.True(t, ok)
	assert.Equal(t, "jemalloc", src)
	assert.Equal(t, "5.3.0-1", v)

	_, _, ok = ParseDpkgQuery("config-files jemalloc 5.3.0-1\n")
	assert.False(t, ok, "removed, only its configuration left")
	_, _, ok = ParseDpkgQuery("not-installed libjemalloc2 \n")
	assert.False(t, ok)
	_, _, ok = ParseDpkgQuery("dpkg-query: no packages found matching libjemalloc2\n")
	assert.False(t, ok)
}

func TestParsePolicyCandidate(t *testing.T) {
	assert.Equal(t, "5.3.0-1", ParsePolicyCandidate(`libjemalloc2:
  Installed: (none)
  Candidate: 5.3.0-1
  Version table:
     5.3.0-1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
`))
	assert.Equal(t, "", ParsePolicyCandidate("libjemalloc2:\n  Installed: (none)\n  Candidate: (none)\n"))
	assert.Equal(t, "", ParsePolicyCandidate("N: Unable to locate package libjemalloc2\n"))
}

func TestSourceAndUpstreamVersions(t *testing.T) {
	assert.Equal(t, "5.3.0-1", SourceVersion("5.3.0-1+b1"), "a binNMU")
	assert.Equal(t, "5.3.0-1", SourceVersion("5.3.0-1"))
	assert.Equal(t, "2.0.9+ds-2", SourceVersion("2.0.9+ds-2"))
	assert.Equal(t, "2.0.9+ds", UpstreamVersion("2.0.9+ds-2"))
	assert.Equal(t, "5.3.0", UpstreamVersion("5.3.0-1"))
	assert.Equal(t, "1.2.3", UpstreamVersion("1.2.3"), "no revision: a native version, or musl's own")
	assert.Equal(t, "2.0", UpstreamVersion("1:2.0-1"))
	assert.Equal(t, "2.0-1", StripEpoch("1:2.0-1"))
	assert.Equal(t, "2.0-1", StripEpoch("2.0-1"))

	for _, ok := range []string{"5.3.0-1", "2.0.9+ds-2", "1:2.0~rc1-1", "1.2.3"} {
		assert.NoError(t, CheckVersion("x", ok), ok)
	}
	for _, bad := range []string{"", "(none)", "5.3.0 -1", "v5", "5;rm -rf /", "a:1"} {
		assert.Error(t, CheckVersion("x", bad), bad)
	}
}

func TestParseShowsrcVersions(t *testing.T) {
	const out = `Package: jemalloc
Binary: libjemalloc-dev, libjemalloc2
Version: 5.3.0-1
Maintainer: Faidon Liambotis <paravoid@debian.org>
Files:
 b1f4aa4fcbf9e0d4b3c8f7e2d2f7c1ab 1977 jemalloc_5.3.0-1.dsc

Package: jemalloc
Version: 5.3.0-3~bpo12+1

Package: jemalloc-other
Version: 9.9-1
`
	assert.Equal(t, []string{"5.3.0-1", "5.3.0-3~bpo12+1"}, ParseShowsrcVersions(out, "jemalloc"))
	requireDpkg(t)
	v, err := NewestVersion(context.Background(), ParseShowsrcVersions(out, "jemalloc"))
	require.NoError(t, err)
	assert.Equal(t, "5.3.0-3~bpo12+1", v)
	v, err = NewestVersion(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "", v)
	_, err = NewestVersion(context.Background(), []string{"1.0-1", "-rf"})
	assert.ErrorContains(t, err, `"-rf" is not a Debian version`, "nothing unchecked reaches dpkg's command line")
}

func requireDpkg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("dpkg"); err != nil {
		if os.Getenv("ALLOCBENCH_REQUIRE") == "all" {
			t.Fatal("dpkg is needed")
		}
		t.Skip("no dpkg")
	}
}

// Debian's order is dpkg's: these cases check that allocbench asks dpkg
// the right question.
func TestVersionOrder(t *testing.T) {
	requireDpkg(t)
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"5.3.0-1", "5.3.0-1", 0},
		{"5.3.0-1", "5.3.0-2", -1},
		{"5.3.0-10", "5.3.0-9", 1},
		{"5.3.0-1", "5.2.1-1", 1},
		{"1:1.0-1", "9.0-1", 1},
		{"1.0~rc1-1", "1.0-1", -1},
		{"1.0-1~bpo12+1", "1.0-1", -1},
		{"1.0-1+b1", "1.0-1", 1},
		{"2.0.9+ds-2", "2.0.9-2", 1},
		{"1.0a-1", "1.0-1", 1},
		{"1.0a-1", "1.0+-1", -1}, // letters sort before other characters
		{"1.01-1", "1.1-1", 0},
		{"1.0", "1.0-0", 0},
		{"1.0~~", "1.0~", -1},
	} {
		newer, err := VersionNewer(context.Background(), c.a, c.b)
		require.NoError(t, err)
		assert.Equal(t, c.want > 0, newer, "%s vs %s", c.a, c.b)
		older, err := VersionNewer(context.Background(), c.b, c.a)
		require.NoError(t, err)
		assert.Equal(t, c.want < 0, older, "%s vs %s", c.b, c.a)
	}
}
