package debsrc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/infra/aptsources"
)

func TestStepFailed(t *testing.T) {
	s := Step{What: "updating the private source index", Argv: []string{"apt-get", "-o", "Dir::Cache=/a b", "update"}, Fetch: true}
	out := []byte(strings.Repeat("Get: something\n", 40) + "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease")
	err := error(s.Failed(out, errors.New("exit status 100")))
	assert.True(t, errors.Is(err, ErrFetch))
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "updating the private source index: apt-get -o 'Dir::Cache=/a b' update: exit status 100\n"), msg)
	assert.True(t, strings.HasSuffix(msg, "\tE: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease"), msg)
	assert.LessOrEqual(t, strings.Count(msg, "\n"), 26, "only the tail of the output")

	err = Step{What: "compiling", Argv: []string{"make"}}.Failed(nil, errors.New("exit status 2"))
	assert.False(t, errors.Is(err, ErrFetch))
	assert.Equal(t, "compiling: make: exit status 2", err.Error())
}

func TestTailAndQuote(t *testing.T) {
	assert.Equal(t, "", Tail(nil, 3, 100))
	assert.Equal(t, "\tc\n\td", Tail([]byte("a\nb\nc\nd\n"), 2, 100))
	assert.Equal(t, "\t...xyz", Tail([]byte("abcdefxyz"), 2, 3))
	assert.Equal(t, `a 'b c' 'it'\''s' '' x=y:z`, QuoteArgs([]string{"a", "b c", "it's", "", "x=y:z"}))
	assert.Equal(t, "dpkg-query -W -f '${Version}'", QuoteArgs([]string{"dpkg-query", "-W", "-f", "${Version}"}))
}

func TestExec(t *testing.T) {
	out, err := Exec(context.Background(), Step{Argv: []string{"sh", "-c", "echo out; echo err >&2; echo $X"}, Env: []string{"X=set"}, Dir: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, "out\nerr\nset\n", string(out))

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = Exec(ctx, Step{Argv: []string{"sh", "-c", "sleep 30 & wait"}})
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a cancelled step is killed with what it started")
}

// fakeSystem writes an /etc/apt and an os-release under a temporary
// directory.
func fakeSystem(t *testing.T, sources, osRelease string) System {
	root := t.TempDir()
	sys := System{EtcApt: filepath.Join(root, "apt"), OSRelease: filepath.Join(root, "os-release")}
	require.NoError(t, os.MkdirAll(filepath.Join(sys.EtcApt, "sources.list.d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(sys.EtcApt, "sources.list.d", "debian.sources"), []byte(sources), 0o644))
	require.NoError(t, os.WriteFile(sys.OSRelease, []byte(osRelease), 0o644))
	return sys
}

const bookworm = "ID=debian\nVERSION_CODENAME=bookworm\n"

func TestPrivate(t *testing.T) {
	sys := fakeSystem(t, `Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`, bookworm)
	dir := filepath.Join(t.TempDir(), "apt")
	apt, err := Private(dir, sys)
	require.NoError(t, err)
	assert.Equal(t, "http://deb.debian.org/debian bookworm bookworm-updates main", apt.Describe())

	written, err := os.ReadFile(filepath.Join(dir, "sources.list.d", "allocbench-deb-src.sources"))
	require.NoError(t, err)
	back, err := aptsources.ParseDeb822(strings.NewReader(string(written)), "w")
	require.NoError(t, err)
	require.Len(t, back, 1)
	assert.Equal(t, []string{"deb-src"}, back[0].Types)
	for _, d := range []string{"lists/partial", "cache"} {
		assert.DirExists(t, filepath.Join(dir, d))
	}

	update := apt.Update()
	assert.True(t, update.Fetch)
	assert.Equal(t, "apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="+dir+"/sources.list.d -o Dir::State::Lists="+dir+"/lists -o Dir::Cache="+dir+"/cache update",
		strings.Join(update.Argv, " "))
	dl := apt.Download("/w", "glibc=2.36-9")
	assert.Equal(t, "/w", dl.Dir)
	assert.True(t, dl.Fetch)
	assert.Equal(t, []string{"--download-only", "--only-source", "source", "glibc=2.36-9"}, dl.Argv[len(dl.Argv)-4:])
	show := apt.Showsrc("glibc")
	assert.Equal(t, "apt-cache", show.Argv[0])
	assert.Equal(t, []string{"showsrc", "glibc"}, show.Argv[len(show.Argv)-2:])
}

func TestPrivateWithoutMirrors(t *testing.T) {
	sys := fakeSystem(t, "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n", bookworm)
	_, err := Private(filepath.Join(t.TempDir(), "apt"), sys)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no enabled deb entry for "bookworm"`)
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(context.Background(), dir, nil)
	require.NoError(t, err)

	waited := 0
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = Lock(ctx, dir, func() { waited++ })
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, waited, "told once that it waits")
	unlock()

	unlock, err = Lock(context.Background(), dir, func() { waited++ })
	require.NoError(t, err)
	unlock()
	assert.Equal(t, 1, waited, "a free lock is taken at once")
}

// With HOME (and XDG_CACHE_HOME) unset, the error says where the cache
// goes and what to set, not an internal option's name.
func TestCacheDirWithoutHome(t *testing.T) {
	t.Setenv("HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	_, err := ResolveCacheDir("", "glibcbench")
	require.Error(t, err)
	assert.Equal(t, "no cache directory for the glibcbench build: it goes in $XDG_CACHE_HOME/allocbench/glibcbench or $HOME/.cache/allocbench/glibcbench, and neither XDG_CACHE_HOME nor HOME is set; set one of them (HOME=/root for root)", err.Error())
	assert.NotContains(t, err.Error(), "Options")
}

// The other release's index is the system's mirrors with the suites of
// the other codename; bookworm and trixie stand in for each other.
func TestPrivateRelease(t *testing.T) {
	sys := fakeSystem(t, `Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`, bookworm)
	assert.Equal(t, "trixie", OtherRelease(sys))
	dir := filepath.Join(t.TempDir(), "apt-trixie")
	apt, err := PrivateRelease(dir, sys, "trixie")
	require.NoError(t, err)
	assert.Equal(t, "http://deb.debian.org/debian trixie trixie-updates main; http://deb.debian.org/debian-security trixie-security main", apt.Describe())
	assert.FileExists(t, filepath.Join(dir, "sources.list.d", "allocbench-deb-src.sources"))

	own, err := Private(filepath.Join(t.TempDir(), "apt"), sys)
	require.NoError(t, err)
	assert.Equal(t, "http://deb.debian.org/debian bookworm bookworm-updates main; http://deb.debian.org/debian-security bookworm-security main", own.Describe())
}
