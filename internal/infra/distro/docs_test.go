package distro

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/docs"
)

// aptInstalls returns the packages of every `apt-get install` in a shell
// text (continuation lines joined), leaving out installs from another suite
// (-t bookworm-backports).
func aptInstalls(text string) [][]string {
	text = strings.ReplaceAll(text, "\\\n", " ")
	var out [][]string
	for _, line := range strings.Split(text, "\n") {
		for _, m := range regexp.MustCompile(`apt-get install ([^&;#]*)`).FindAllStringSubmatch(line, -1) {
			var pkgs []string
			other := false
			for _, f := range strings.Fields(m[1]) {
				switch {
				case f == "-t":
					other = true
				case strings.HasPrefix(f, "-"):
				default:
					pkgs = append(pkgs, f)
				}
			}
			if !other {
				out = append(out, pkgs)
			}
		}
	}
	return out
}

// The README's test command and .ci/run install exactly what the table
// says the tests need, by Debian 12's names, and docs/allocators.md shows
// the table.
func TestDocsFollowTheTable(t *testing.T) {
	d12, err := Lookup("debian12")
	require.NoError(t, err)
	want := d12.PackageNames(append(Needs(), Allocators()...)...)

	readme, err := os.ReadFile("../../../README.md")
	require.NoError(t, err)
	installs := aptInstalls(string(readme))
	require.NotEmpty(t, installs, "the README's test command installs with apt-get")
	assert.ElementsMatch(t, want, installs[0], "the README's test command")
	text, err := docs.Read("../../..")
	require.NoError(t, err)
	assert.Contains(t, text, Markdown(), "the docs show the table as Markdown() renders it")

	ci, err := os.ReadFile("../../../.ci/run")
	require.NoError(t, err)
	installs = aptInstalls(string(ci))
	require.Len(t, installs, 1, ".ci/run installs in one step (besides Go from backports)")
	assert.ElementsMatch(t, want, installs[0], ".ci/run")
}

func TestAptInstalls(t *testing.T) {
	got := aptInstalls("apt-get update && apt-get install -y --no-install-recommends gcc \\\n  make && go test\n" +
		"apt-get install -y --no-install-recommends -t bookworm-backports golang-1.23-go\n")
	assert.Equal(t, [][]string{{"gcc", "make"}}, got)
}
