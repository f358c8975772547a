package alloc

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/docs"
)

func TestLookup(t *testing.T) {
	s, err := Lookup(Mimalloc)
	require.NoError(t, err)
	m, f, r := s.Symbols()
	assert.Equal(t, []string{"mi_malloc", "mi_free", "mi_realloc"}, []string{m, f, r})
	assert.Equal(t, []string{"libmimalloc.so.2"}, s.Sonames("debian12"))

	_, err = Lookup("ptmalloc")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"ptmalloc"`)
	for _, n := range Names() {
		assert.Contains(t, err.Error(), n, "the error lists every valid name")
	}
}

func TestParseList(t *testing.T) {
	all, err := ParseList("all")
	require.NoError(t, err)
	var builtin []string
	for _, b := range Builtin() {
		builtin = append(builtin, b.Name)
	}
	assert.Equal(t, builtin, all, "all is every built-in allocator")

	got, err := ParseList(" floor,libc , floor")
	require.NoError(t, err)
	assert.Equal(t, []string{Libc, Floor}, got, "table order, no duplicates")

	for _, bad := range []string{"", "  ", "libc,", "libc,jemaloc"} {
		_, err := ParseList(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestFloorIsTheOnlyOneWithoutCrossThreadFree(t *testing.T) {
	for _, s := range All() {
		assert.Equal(t, s.Name != Floor, s.CrossThreadFree, s.Name)
	}
}

// Each record is whole: a shared-library allocator has a library on some
// release, every library names its package, hooks have a symbol, colours
// differ, and the musl builds name their archive and prefixed symbols.
func TestRecords(t *testing.T) {
	colours := map[uint32]string{}
	for _, s := range Builtin() {
		assert.NotZero(t, s.Colour, s.Name)
		if other, ok := colours[s.Colour]; ok {
			t.Errorf("%s and %s share the colour %06x", s.Name, other, s.Colour)
		}
		colours[s.Colour] = s.Name
		for _, h := range []Hook{s.Version, s.Trim} {
			assert.Equal(t, h.Kind == NoHook, h.Symbol == "", "%s: %v", s.Name, h)
		}
		if !s.Loadable() {
			assert.Empty(t, s.Libraries, s.Name)
			continue
		}
		require.NotEmpty(t, s.Libraries, s.Name)
		for _, l := range s.Libraries {
			assert.Regexp(t, `^[a-z]+[0-9]+$`, l.Release, "%s: a release's label (package internal/infra/distro checks it is one of its releases)", s.Name)
			assert.NotEmpty(t, l.Package, "%s on %s", s.Name, l.Release)
			assert.Regexp(t, `^lib[a-z_]+\.so\.\d+$`, l.Soname, s.Name)
		}
		assert.True(t, s.Musl != nil || s.MuslSkip != "", "%s: a musl build, or why not", s.Name)
		if s.Musl != nil {
			assert.Regexp(t, `^lib.*\.a$`, s.Musl.Archive, s.Name)
			for _, sym := range s.Musl.Symbols {
				assert.NotContains(t, []string{"malloc", "free", "realloc"}, sym, "%s's musl build keeps musl's malloc", s.Name)
			}
			// The musl build's entry points carry a prefix of their own.
			assert.Regexp(t, `^[a-z]+_malloc$`, s.Musl.Symbols[0], s.Name)
			assert.Contains(t, []BuildStyle{BuildUnits, BuildConfigure, BuildCMake}, s.Musl.Style, s.Name)
			assert.Contains(t, []string{"c", "c++"}, s.Musl.Lang, s.Name)
			assert.NotEmpty(t, s.Musl.Source, s.Name)
			if s.Musl.Style == BuildUnits {
				assert.NotEmpty(t, s.Musl.Units, s.Name)
			} else {
				assert.NotEmpty(t, s.Musl.Target, s.Name)
			}
		}
	}
}

// Debian 13 ships mimalloc 3 only, under its own record; Debian 12 mimalloc
// 2 only: a Debian 12 vs 13 comparison shows both names.
func TestMimallocPerRelease(t *testing.T) {
	mi, _ := Lookup(Mimalloc)
	mi3, _ := Lookup(Mimalloc3)
	_, ok := mi.On("debian13")
	assert.False(t, ok)
	l, ok := mi3.On("debian13")
	require.True(t, ok)
	assert.Equal(t, Library{"debian13", "libmimalloc.so.3", "libmimalloc3"}, l)
	_, ok = mi3.On("debian12")
	assert.False(t, ok)
	assert.Contains(t, PackagesOn("debian13"), "libmimalloc3")
	assert.NotContains(t, PackagesOn("debian13"), "libmimalloc2.0")
	assert.Equal(t, []string{"libjemalloc2", "libmimalloc2.0", "libtcmalloc-minimal4", "libtbbmalloc2"}, PackagesOn("debian12"))
	tc, _ := Lookup(Tcmalloc)
	assert.Equal(t, []string{"libtcmalloc_minimal.so.4"}, tc.Sonames("debian13"))
	assert.Equal(t, "libtcmalloc-minimal4t64", tc.Packages()["debian13"])
}

func TestInfoConfig(t *testing.T) {
	i := Info{Name: Jemalloc, Version: "5.3.0", Library: "/usr/lib/libjemalloc.so.2", BuildID: "ab12", ServedBy: "/usr/lib/libjemalloc.so.2"}
	assert.True(t, i.Available())
	assert.Equal(t, "alloc-jemalloc", i.ConfigKey())
	assert.Equal(t, "5.3.0 library=/usr/lib/libjemalloc.so.2 build-id=ab12 served-by=/usr/lib/libjemalloc.so.2", i.ConfigValue())

	s := Info{Name: Tcmalloc, Skipped: "dlopen: no such file\nor directory"}
	assert.False(t, s.Available())
	assert.Equal(t, "skipped: dlopen: no such file or directory", s.ConfigValue(), "one line")
}

// The allocator table of docs/allocators.md is the records'.
func TestDocsAllocatorTable(t *testing.T) {
	text, err := docs.Read("..")
	require.NoError(t, err)
	if !strings.Contains(text, MarkdownTable()) {
		t.Errorf("the docs lack the allocator table of the records; docs/allocators.md should read:\n%s", MarkdownTable())
	}
}

// mineBuild is the documentation's command line that builds the example.
const mineBuild = "gcc -O2 -shared -fPIC -o libmine.so libmine.c -lpthread"

// mineExample is the example allocator the README and docs/allocators.md
// ("Adding an allocator") point to.
const mineExample = "examples/libmine/libmine.c"

// mineSource is the example allocator's source.
func mineSource(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", mineExample))
	require.NoError(t, err)
	text, err := docs.Read("..")
	require.NoError(t, err)
	_, section, ok := strings.Cut(text, "\n## Adding an allocator\n")
	require.True(t, ok, "the docs have the section")
	require.Contains(t, section, mineExample, "the section points to the example")
	return string(src)
}

// buildMine builds the documentation's example allocator into dir as
// libmine.so, with the documentation's command line.
func buildMine(t *testing.T, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("ALLOCBENCH_REQUIRE") == "all" {
			t.Fatal("gcc is needed to build the example allocator")
		}
		t.Skip("no gcc")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "libmine.c"), []byte(mineSource(t)), 0o644))
	text, err := docs.Read("..")
	require.NoError(t, err)
	require.Contains(t, text, "\n"+mineBuild+"\n", "the docs build the example as the tests do")
	argv := strings.Fields(mineBuild)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return filepath.Join(dir, "libmine.so")
}

func TestParseUser(t *testing.T) {
	dir := t.TempDir()
	lib := buildMine(t, dir)

	s, err := ParseUser("mine=" + lib + ":mine_")
	require.NoError(t, err)
	assert.True(t, s.User())
	assert.True(t, s.Loadable())
	assert.Equal(t, lib, s.Path)
	m, f, r := s.Symbols()
	assert.Equal(t, []string{"mine_malloc", "mine_free", "mine_realloc"}, []string{m, f, r})
	assert.Equal(t, NoHook, s.Version.Kind, "the example has no version function")
	assert.Equal(t, "mine="+lib+":mine_", FormatUser(s))

	// A relative path is made absolute, so the cells find it.
	t.Chdir(dir)
	s, err = ParseUser("mine=libmine.so:mine_")
	require.NoError(t, err)
	assert.Equal(t, lib, s.Path)

	notELF := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notELF, []byte("hello"), 0o644))
	archive := filepath.Join(dir, "libmine.a")
	require.NoError(t, os.WriteFile(archive, []byte("!<arch>\n"), 0o644))
	for want, in := range map[string]string{
		`allocator mine: ` + filepath.Join(dir, "nowhere.so") + ` does not exist`: "mine=" + filepath.Join(dir, "nowhere.so"),
		`does not define malloc, free, realloc (prefix "")`:                       "mine=" + lib,
		`it has malloc, free and realloc with the prefix "mine_": add :mine_`:     "mine=" + lib,
		`does not define je_malloc`:                                               "mine=" + lib + ":je_",
		`allocator name "jemalloc" is taken by the built-in allocator`:            "jemalloc=" + lib + ":mine_",
		`allocator name "all"`:                                                    "all=" + lib,
		`allocator name "a b"`:                                                    "a b=" + lib,
		`allocator name "Mine": want 1 to 32 lower-case letters`:                  "Mine=" + lib + ":mine_",
		`is not an ELF file`:                                                      "mine=" + notELF,
		`is a static archive; give a shared library (.so)`:                        "mine=" + archive + ":mine_",
		`prefix "mi-" is not the start of a C symbol name`:                        "mine=" + lib + ":mi-",
		`is not name=/path/to/lib.so[:prefix]`:                                    "mine=",
		`is not a regular file`:                                                   "mine=" + dir,
	} {
		_, err := ParseUser(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), want, in)
		}
	}
}

func TestKnownHooksOfAUserLibrary(t *testing.T) {
	for _, lib := range []string{"/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2"} {
		if _, err := os.Stat(lib); err != nil {
			t.Logf("%s is not installed", lib)
			continue
		}
		prefix := ""
		if strings.Contains(lib, "mimalloc") {
			prefix = "mi_"
		}
		s, err := ParseUser("patched=" + lib + ":" + prefix)
		require.NoError(t, err)
		want := Hook{VersionMallctl, "mallctl"}
		if prefix == "mi_" {
			want = Hook{VersionDigits, "mi_version"}
		}
		assert.Equal(t, want, s.Version, lib)
		assert.NotEqual(t, NoHook, s.Trim.Kind, lib)
	}
}

func TestRegister(t *testing.T) {
	dir := t.TempDir()
	lib := buildMine(t, dir)
	got, err := ParseList("libc,regtest=" + lib + ":mine_")
	require.NoError(t, err)
	assert.Equal(t, []string{Libc, "regtest"}, got)
	s, err := Lookup("regtest")
	require.NoError(t, err)
	assert.Equal(t, lib, s.Path)
	assert.Contains(t, Names(), "regtest")
	require.NoError(t, Register(s), "the same record again is no error")
	other := s
	other.Prefix = ""
	err = Register(other)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is given twice")
	assert.Error(t, Register(Spec{Name: "x"}), "only user libraries")

	users, err := ParseUsers("regtest=" + lib + ":mine_")
	require.NoError(t, err)
	require.Len(t, users, 1)
	assert.Equal(t, "regtest="+lib+":mine_", FormatUsers(users))
}

func TestCheckNotPreloaded(t *testing.T) {
	dir := t.TempDir()
	prefixed := buildMine(t, dir)
	s, err := ParseUser("mine=" + prefixed + ":mine_")
	require.NoError(t, err)
	assert.NoError(t, CheckNotPreloaded(s, prefixed), "a library with prefixed names only replaces nothing")

	// The same allocator with the C library's names.
	cmd := exec.Command("gcc", "-O2", "-shared", "-fPIC", "-Dmine_malloc=malloc", "-Dmine_free=free", "-Dmine_realloc=realloc",
		"-o", "libplain.so", "libmine.c", "-lpthread")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	lib := filepath.Join(dir, "libplain.so")
	s, err = ParseUser("plain=" + lib)
	require.NoError(t, err)
	link := filepath.Join(dir, "link.so")
	require.NoError(t, os.Symlink(lib, link))
	assert.NoError(t, CheckNotPreloaded(s, ""))
	assert.NoError(t, CheckNotPreloaded(s, "/usr/lib/other.so"))
	err = CheckNotPreloaded(s, "/x.so:"+link)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "would replace the process's own malloc")
}

// The worked example of a record in docs/allocators.md is tbbmalloc's
// record as it is.
func TestDocsRecordExample(t *testing.T) {
	src, err := os.ReadFile("alloc.go")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?s)\n\t\{\n\t\tName: Tbbmalloc,.*?\n\t\},\n`).Find(src)
	require.NotNil(t, m)
	var lines []string
	for _, l := range strings.Split(strings.TrimPrefix(string(m), "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	text, err := docs.Read("..")
	require.NoError(t, err)
	assert.Contains(t, text, "```go\n"+strings.Join(lines, "\n")+"```")
}

// Each allocator's record names its own environment variables.
func TestEnvOwner(t *testing.T) {
	for name, want := range map[string]string{
		"GLIBC_TUNABLES":            Libc,
		"MALLOC_ARENA_MAX":          Libc,
		"LD_PRELOAD":                Libc,
		"MALLOC_CONF":               Jemalloc,
		"JE_MALLOC_CONF":            Jemalloc,
		"_RJEM_MALLOC_CONF":         Jemalloc,
		"MIMALLOC_SHOW_STATS":       Mimalloc,
		"TCMALLOC_RELEASE_RATE":     Tcmalloc,
		"MALLOCSTATS":               Tcmalloc,
		"TBB_MALLOC_USE_HUGE_PAGES": Tbbmalloc,
		"PATH":                      "",
		"TBB_VERSION":               "",
	} {
		assert.Equal(t, want, EnvOwner(name), name)
	}
}

// A user's library whose path holds a comma used to be reported as a
// missing file (the path up to the comma); the error names the comma and
// the whole path, in -allocs lists and in the cells' list alike.
func TestCommaInALibraryPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a,b")
	require.NoError(t, os.Mkdir(dir, 0o755))
	lib := filepath.Join(dir, "libmine.so")
	require.NoError(t, os.WriteFile(lib, []byte("not even ELF"), 0o644))
	for _, in := range []string{"libc,mine=" + lib, "mine=" + lib + ":mine_,jemalloc"} {
		_, err := ParseList(in)
		require.Error(t, err, in)
		assert.Equal(t, `allocator mine: the path "`+lib+`" holds a comma (","), which separates the allocators of a list; link or copy the library to a path without one`, err.Error())
	}
	_, err := ParseUsers("mine=" + lib + ":mine_")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `holds a comma (",")`)
	// A missing file is still a missing file.
	_, err = ParseList("libc,mine=" + filepath.Join(t.TempDir(), "x") + ",jemalloc")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not exist")
}
