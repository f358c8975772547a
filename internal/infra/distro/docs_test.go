package distro_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/infra/distro"
	"github.com/allocbench/allocbench/internal/infra/distro/internal/gen"
)

const root = "../../.."

// The files that show the record are what it gives: the container recipes'
// install steps, .ci/run's and the README's install lists, and the tables
// of docs/allocators.md.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	stale, err := gen.Stale(root)
	require.NoError(t, err)
	assert.Empty(t, stale, "these files are not what package distro's record gives: run go generate ./...")
}

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

func TestAptInstalls(t *testing.T) {
	got := aptInstalls("apt-get update && apt-get install -y --no-install-recommends gcc \\\n  make && go test\n" +
		"apt-get install -y --no-install-recommends -t bookworm-backports golang-1.23-go\n")
	assert.Equal(t, [][]string{{"gcc", "make"}}, got)
}

// .ci/run and the README's test command install in one step, the
// generated one, by the CI release's names: what allocbench needs, the
// allocators' libraries and the tests' tools; none is added by hand beside.
func TestInstallListsAreTheRecords(t *testing.T) {
	ci, err := distro.Lookup(distro.CI)
	require.NoError(t, err)
	want := ci.PackageNames(distro.Everything()...)
	assert.Equal(t, []string{
		"gcc", "libc6-dev", "musl-tools", "make", "binutils", "dpkg-dev", "autoconf", "xz-utils", "debootstrap", "ca-certificates",
		"libjemalloc2", "libmimalloc2.0", "libtcmalloc-minimal4", "libtbbmalloc2",
		"libjemalloc-dev", "libmimalloc-dev", "libgoogle-perftools-dev", "linux-perf", "strace", "chromium", "bpftool", "git",
		"ripgrep", "redis-server", "redis-tools", "rustc", "cargo", "librust-rayon-dev", "stress",
	}, want)
	for _, f := range []string{".ci/run", "README.md"} {
		text, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		installs := aptInstalls(string(text))
		require.Len(t, installs, 1, "%s installs in one step (besides Go from backports)", f)
		assert.Equal(t, want, installs[0], f)
		begin, end := gen.Markers("#", "")
		b, e := strings.Index(string(text), begin), strings.Index(string(text), end)
		i := strings.Index(string(text), "apt-get install")
		assert.True(t, b >= 0 && b < i && i < e, "%s: the install is the generated one", f)
	}
}

// The allocators' records (package alloc) name their packages by the
// labels of this record's releases, in its order.
func TestAllocatorRecordsNameTheseReleases(t *testing.T) {
	labels := distro.Labels()
	last := -1
	for _, r := range alloc.Releases() {
		i := -1
		for j, l := range labels {
			if l == r {
				i = j
			}
		}
		require.GreaterOrEqual(t, i, 0, "the allocators' records name %q, which is no release of the record (valid: %s)", r, strings.Join(labels, ", "))
		assert.Greater(t, i, last, "the records name %s in the record's order of releases", r)
		last = i
	}
}

// copyTree copies the generated files of the module, and the allocators'
// records they show, into a new root.
func copyTree(t *testing.T) string {
	t.Helper()
	files, err := gen.Files(root)
	require.NoError(t, err)
	dir := t.TempDir()
	paths := []string{"alloc/alloc.go"}
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	for _, path := range paths {
		f := gen.File{Path: path}
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		src := filepath.Join(root, filepath.FromSlash(f.Path))
		text, err := os.ReadFile(src)
		require.NoError(t, err)
		st, err := os.Stat(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, text, st.Mode().Perm()))
	}
	return dir
}

// The generator rewrites only what lies between its markers, creates the
// recipe of a glibc release that has none, and says which markers a file
// lacks.
func TestGenerator(t *testing.T) {
	dir := copyTree(t)
	stale, err := gen.Stale(dir)
	require.NoError(t, err)
	require.Empty(t, stale)

	ci := filepath.Join(dir, ".ci", "run")
	text, err := os.ReadFile(ci)
	require.NoError(t, err)
	edited := strings.Replace(string(text), " stress\n", " stress by-hand\n", 1)
	edited = strings.Replace(edited, "set -euo pipefail", "set -euo pipefail # kept", 1)
	require.NotEqual(t, string(text), edited)
	require.NoError(t, os.WriteFile(ci, []byte(edited), 0o644))
	recipe := filepath.Join(dir, "internal/infra/containers/recipes/debian13.Dockerfile")
	require.NoError(t, os.Remove(recipe))

	stale, err = gen.Stale(dir)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{".ci/run", "internal/infra/containers/recipes/debian13.Dockerfile"}, stale)
	wrote, err := gen.Write(dir)
	require.NoError(t, err)
	assert.ElementsMatch(t, stale, wrote)
	stale, err = gen.Stale(dir)
	require.NoError(t, err)
	assert.Empty(t, stale)

	text, err = os.ReadFile(ci)
	require.NoError(t, err)
	assert.NotContains(t, string(text), "by-hand", "the generated lines are the record's")
	assert.Contains(t, string(text), "set -euo pipefail # kept", "the rest stays")
	st, err := os.Stat(ci)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), st.Mode().Perm(), "an executable stays one")
	made, err := os.ReadFile(recipe)
	require.NoError(t, err)
	assert.Contains(t, string(made), "ARG BASE=debian:13\nFROM ${BASE}\nLABEL allocbench.distro=\"debian13\" allocbench.libc=\"glibc\"\n")
	assert.Contains(t, string(made), `RUN pkgs="libjemalloc2 libmimalloc3 libtcmalloc-minimal4t64 libtbbmalloc2 ca-certificates"`)

	// The example record in the docs is alloc.go's.
	src := filepath.Join(dir, "alloc", "alloc.go")
	text, err = os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(src, []byte(strings.Replace(string(text), "\t\tPrefix: \"scalable_\",\n", "\t\tPrefix: \"scalable_\", // changed\n", 1)), 0o644))
	stale, err = gen.Stale(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"docs/allocators.md"}, stale)
	_, err = gen.Write(dir)
	require.NoError(t, err)
	text, err = os.ReadFile(filepath.Join(dir, "docs", "allocators.md"))
	require.NoError(t, err)
	assert.Contains(t, string(text), "\tPrefix: \"scalable_\", // changed\n")

	begin, _ := gen.Markers("<!--", "allocators")
	md := filepath.Join(dir, "docs", "allocators.md")
	text, err = os.ReadFile(md)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(md, []byte(strings.Replace(string(text), begin+"\n", "", 1)), 0o644))
	_, err = gen.Stale(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "docs/allocators.md: no line \""+begin+"\"")
}
