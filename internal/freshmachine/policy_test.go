package freshmachine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParsePolicy(t *testing.T) {
	const out = `gcc:
  Installed: (none)
  Candidate: 4:14.2.0-1
  Version table:
     4:14.2.0-1 500
        500 http://deb.debian.org/debian trixie/main amd64 Packages
libmimalloc2.0:
  Installed: (none)
  Candidate: (none)
  Version table:
N: Unable to locate package libnothing
`
	got := parsePolicy(out)
	assert.Equal(t, map[string]string{"gcc": "4:14.2.0-1", "libmimalloc2.0": "(none)"}, got)
}

func TestSourcesUnavailable(t *testing.T) {
	const failed = "[ 24.0s] note: musl: jemalloc and mimalloc could not be built for musl, so only musl's malloc and floor run there: fetching the source packages: apt-get ... source jemalloc=5.3.0-3: exit status 100\n" +
		"\tErr:1 http://deb.debian.org/debian trixie/main jemalloc 5.3.0-3 (dsc)\n" +
		"\tE: Failed to fetch http://deb.debian.org/debian/pool/main/j/jemalloc/jemalloc_5.3.0-3.dsc  404  Not Found [IP: 192.0.2.1 80]\n"
	assert.Equal(t, "Failed to fetch http://deb.debian.org/debian/pool/main/j/jemalloc/jemalloc_5.3.0-3.dsc  404  Not Found [IP: 192.0.2.1 80]", sourcesUnavailable(failed))
	assert.Equal(t, "", sourcesUnavailable(strings.Replace(failed, "404  Not Found", "Connection refused", 1)), "only a missing file is excused")
	assert.Equal(t, "", sourcesUnavailable("note: musl: jemalloc and mimalloc could not be built for musl, so only musl's malloc and floor run there: building jemalloc: make: exit status 2\nE: Failed to fetch x 404"), "a build failure is not")
	assert.Equal(t, "", sourcesUnavailable("allocbench: 69 cells in 1m29s"))
}

func TestAllocsByVariant(t *testing.T) {
	d13 := allocsByVariant("debian13")
	assert.Contains(t, d13["glibc"], "mimalloc3")
	assert.NotContains(t, d13["glibc"], "mimalloc", "Debian 13 packages mimalloc 3 only")
	assert.Contains(t, d13["musl"], "jemalloc")
	assert.NotContains(t, d13["musl"], "tcmalloc")
	assert.Contains(t, allocsByVariant("debian12")["glibc"], "mimalloc")
}
