package distro

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/sysinfo"
)

// Every release says, for every need, which package meets it (several for
// the tests' tools) and what that package provides, or why there is none.
func TestTableIsComplete(t *testing.T) {
	assert.Subset(t, Labels(), []string{"debian12", "debian13", "ubuntu2404", "alpine321", "rocky9"})
	assert.Contains(t, Labels(), CI)
	for _, r := range Releases() {
		t.Run(r.Label, func(t *testing.T) {
			assert.NotEmpty(t, r.Name)
			assert.NotEmpty(t, r.ID)
			assert.NotEmpty(t, r.VersionID)
			assert.NotEmpty(t, r.Image)
			assert.NotContains(t, r.Image, " ")
			for _, a := range r.MaybeMissing {
				p, ok := r.Package(Need(a))
				assert.True(t, ok && p.Shipped(), "%s may lack %s, which it does not ship", r.Label, a)
			}
			assert.Contains(t, []Manager{Apt, Apk, Dnf}, r.Manager)
			assert.Contains(t, []string{"glibc", "musl"}, r.Libc)
			var got []Need
			for _, p := range r.Packages {
				if n := len(got); n == 0 || got[n-1] != p.Need {
					got = append(got, p.Need)
				} else {
					assert.Equal(t, TestTools, p.Need, "only the tests' tools take several packages")
					assert.True(t, p.Shipped())
				}
				if p.Shipped() {
					assert.NotEmpty(t, p.Provides.Name, "%s: what %s provides", p.Need, p.Name)
					assert.Empty(t, p.None, "%s: a shipped package needs no reason", p.Need)
					assert.NotContains(t, p.Name, " ")
				} else {
					assert.NotEmpty(t, p.None, "%s: why %s has none", p.Need, r.Name)
				}
				if p.Repo != "" {
					assert.Equal(t, Dnf, r.Manager, "only dnf enables extra repositories")
				}
			}
			assert.Equal(t, Needs(), got, "the entries of every need, in table order")
		})
	}
}

// The allocators' packages come from their records in package alloc, and
// the Debian releases ship every need of this table.
func TestAllocatorsComeFromTheirRecords(t *testing.T) {
	all := Allocators()
	for _, n := range []Need{"jemalloc", "mimalloc", "mimalloc3", "tcmalloc"} {
		assert.Contains(t, all, n)
	}
	assert.NotContains(t, all, Need("libc"))
	assert.NotContains(t, all, Need("floor"))
	for _, r := range Releases() {
		for _, n := range all {
			p, ok := r.Package(n)
			require.True(t, ok, "%s %s", r.Label, n)
			if p.Shipped() {
				assert.Equal(t, Library, p.Provides.Kind, "%s %s", r.Label, n)
				assert.True(t, strings.HasPrefix(p.Provides.Name, "lib") && strings.Contains(p.Provides.Name, ".so."), p.Provides.Name)
			} else {
				assert.Contains(t, p.None, "names no library for "+r.Name)
			}
		}
	}
	d13, err := Lookup("debian13")
	require.NoError(t, err)
	p, _ := d13.Package("mimalloc3")
	assert.Equal(t, "libmimalloc3", p.Name)
	assert.Equal(t, "libmimalloc.so.3", p.Provides.Name)
	p, _ = d13.Package("mimalloc")
	assert.False(t, p.Shipped(), "no mimalloc 2 in trixie")
	rocky, _ := Lookup("rocky9")
	p, _ = rocky.Package("jemalloc")
	assert.Equal(t, "epel", p.Repo)
	_, ok := d13.Package("hoard")
	assert.False(t, ok)

	for _, label := range []string{"debian12", "debian13"} {
		r, err := Lookup(label)
		require.NoError(t, err)
		for _, p := range r.Packages {
			assert.True(t, p.Shipped(), "%s ships %s", label, p.Need)
		}
	}
}

func TestLookup(t *testing.T) {
	r, err := Lookup("debian13")
	require.NoError(t, err)
	p, ok := r.Package(MuslCC)
	require.True(t, ok)
	assert.Equal(t, "musl-tools", p.Name)
	assert.Equal(t, "musl-gcc", p.Provides.Name)

	_, err = Lookup("debian11")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"debian11"`)
	assert.Contains(t, err.Error(), "(valid: debian12, debian13, ")
	assert.Contains(t, err.Error(), strings.Join(Labels(), ", ")+")")

	// Releases hands out copies.
	Releases()[0].Packages[0].Name = "changed"
	r, _ = Lookup("debian12")
	assert.Equal(t, "gcc", r.Packages[0].Name)
}
func TestFromOSRelease(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"ID": "debian", "VERSION_ID": "12", "VERSION_CODENAME": "bookworm"}, "debian12"},
		{map[string]string{"ID": "debian", "VERSION_ID": "13", "VERSION_CODENAME": "trixie"}, "debian13"},
		{map[string]string{"ID": "debian", "VERSION_CODENAME": "trixie"}, "debian13"}, // testing, before the release
		{map[string]string{"ID": "ubuntu", "VERSION_ID": "24.04", "ID_LIKE": "debian"}, "ubuntu2404"},
		{map[string]string{"ID": "alpine", "VERSION_ID": "3.21.3"}, "alpine321"},
		{map[string]string{"ID": "rocky", "VERSION_ID": "9.5", "ID_LIKE": "rhel centos fedora"}, "rocky9"},
	} {
		r, err := FromOSRelease(tc.vars)
		require.NoError(t, err, tc.vars)
		assert.Equal(t, tc.want, r.Label, tc.vars)
	}
	for _, vars := range []map[string]string{
		{"ID": "debian", "VERSION_ID": "11", "PRETTY_NAME": "Debian GNU/Linux 11 (bullseye)"},
		{"ID": "alpine", "VERSION_ID": "3.2"},   // not 3.21
		{"ID": "alpine", "VERSION_ID": "3.211"}, // nor this
		{"ID": "rocky", "VERSION_ID": "95"},
		{"ID": "fedora", "VERSION_ID": "41"},
		{},
	} {
		_, err := FromOSRelease(vars)
		require.Error(t, err, vars)
		assert.True(t, errors.Is(err, ErrUnknown))
		assert.Contains(t, err.Error(), "it knows Debian 12 (bookworm), Debian 13 (trixie), ")
		assert.Contains(t, err.Error(), "Ubuntu 24.04 (noble), Alpine 3.21, Rocky Linux 9")
	}
	_, err := FromOSRelease(map[string]string{"ID": "debian", "VERSION_ID": "11", "PRETTY_NAME": "Debian GNU/Linux 11 (bullseye)"})
	assert.Contains(t, err.Error(), "Debian GNU/Linux 11 (bullseye) is not")
}

func TestInstallCommands(t *testing.T) {
	allocs := []Need{"jemalloc", "mimalloc", "mimalloc3", "tcmalloc"}
	for _, tc := range []struct {
		label string
		want  string
	}{
		{"debian12", "apt-get update && apt-get install -y --no-install-recommends libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4"},
		{"debian13", "apt-get update && apt-get install -y --no-install-recommends libjemalloc2 libmimalloc3 libtcmalloc-minimal4t64"},
		{"ubuntu2404", "apt-get update && apt-get install -y --no-install-recommends libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4t64"},
		{"alpine321", "apk add --no-cache jemalloc mimalloc2 gperftools"},
		{"rocky9", "dnf install -y epel-release && dnf install -y jemalloc gperftools-libs"},
	} {
		r, err := Lookup(tc.label)
		require.NoError(t, err)
		assert.Equal(t, tc.want, CommandLine(r.InstallCommands(allocs...)), tc.label)
	}
	r, _ := Lookup("rocky9")
	assert.Equal(t, "dnf install -y gcc glibc-devel", CommandLine(r.InstallCommands(CC, LibcDev)), "EPEL only when a package is from there")
	assert.Nil(t, r.InstallCommands("mimalloc"), "nothing to install")
	d, _ := Lookup("debian12")
	assert.Equal(t, []string{"gcc", "binutils"}, d.PackageNames(CC, Binutils, CC))
}

// fakeSystem stands in for the machine in Ensure's tests.
type fakeSystem struct {
	present map[string]bool
	ran     []string
	fail    map[string]string   // command line prefix → output of a failure
	adds    map[string][]string // command line prefix → what it makes present
}

func (f *fakeSystem) installer(label string) Installer {
	r, err := Lookup(label)
	if err != nil {
		panic(err)
	}
	return Installer{
		Release: r,
		Present: func(p Provides) bool { return f.present[p.Name] },
		Run: func(_ context.Context, argv []string) ([]byte, error) {
			line := strings.Join(argv, " ")
			f.ran = append(f.ran, line)
			for prefix, out := range f.fail {
				if strings.HasPrefix(line, prefix) {
					return []byte(out), errors.New("exit status 100")
				}
			}
			for prefix, names := range f.adds {
				if strings.HasPrefix(line, prefix) {
					for _, n := range names {
						f.present[n] = true
					}
				}
			}
			return []byte("ok\n"), nil
		},
		Root: true,
	}
}

func TestEnsureNothingMissing(t *testing.T) {
	f := &fakeSystem{present: map[string]bool{"gcc": true, "/usr/include/stdlib.h": true, "musl-gcc": true}}
	in := f.installer("debian13")
	notes, err := in.Ensure(context.Background(), []Need{CC, LibcDev, MuslCC}, Options{})
	require.NoError(t, err)
	assert.Empty(t, notes)
	assert.Empty(t, f.ran)
}

func TestEnsureInstallsInOneStep(t *testing.T) {
	f := &fakeSystem{
		present: map[string]bool{"gcc": true},
		adds:    map[string][]string{"apt-get install": {"/usr/include/stdlib.h", "libmimalloc.so.3", "musl-gcc"}},
	}
	in := f.installer("debian13")
	var log bytes.Buffer
	notes, err := in.Ensure(context.Background(), []Need{CC, LibcDev, "mimalloc3", MuslCC, "mimalloc3"}, Options{Log: &log, Prefix: "allocbench: "})
	require.NoError(t, err)
	assert.Empty(t, notes)
	assert.Equal(t, []string{
		"apt-get update",
		"apt-get install -y --no-install-recommends libc6-dev libmimalloc3 musl-tools",
	}, f.ran)
	assert.Equal(t, "allocbench: missing /usr/include/stdlib.h (package libc6-dev), "+
		"libmimalloc.so.3 (package libmimalloc3), musl-gcc (package musl-tools); "+
		"installing: apt-get update && apt-get install -y --no-install-recommends libc6-dev libmimalloc3 musl-tools\n"+
		"allocbench: installed in 0s\n", log.String())
}

func TestEnsureWithoutInstalling(t *testing.T) {
	f := &fakeSystem{present: map[string]bool{}}
	in := f.installer("debian12")
	_, err := in.Ensure(context.Background(), []Need{MuslCC, DpkgDev}, Options{NoInstall: true})
	require.Error(t, err)
	assert.Equal(t, "missing musl-gcc (package musl-tools), dpkg-source (package dpkg-dev); "+
		"install with: apt-get update && apt-get install -y --no-install-recommends musl-tools dpkg-dev", err.Error())

	in.Root = false
	_, err = in.Ensure(context.Background(), []Need{MuslCC}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "install as root with: apt-get update && apt-get install -y --no-install-recommends musl-tools")
	assert.Empty(t, f.ran, "nothing is installed")
}

func TestEnsureNotShippedIsANote(t *testing.T) {
	f := &fakeSystem{present: map[string]bool{}, adds: map[string][]string{"dnf install -y jemalloc": {"libjemalloc.so.2"}}}
	in := f.installer("rocky9")
	notes, err := in.Ensure(context.Background(), []Need{"jemalloc", "mimalloc"}, Options{})
	require.NoError(t, err)
	require.Len(t, notes, 1)
	assert.Contains(t, notes[0], "Rocky Linux 9 has no package for mimalloc: not packaged: mimalloc's record (package alloc) names no library for Rocky Linux 9")
	assert.Equal(t, []string{"dnf install -y epel-release", "dnf install -y jemalloc"}, f.ran)

	f = &fakeSystem{present: map[string]bool{}}
	in = f.installer("alpine321")
	notes, err = in.Ensure(context.Background(), []Need{MuslCC}, Options{NoInstall: true})
	require.NoError(t, err, "nothing to install, so nothing to refuse")
	assert.Contains(t, notes[0], "Alpine has no musl-gcc wrapper")
	assert.Empty(t, f.ran)
}

func TestEnsureFailures(t *testing.T) {
	f := &fakeSystem{present: map[string]bool{}, fail: map[string]string{"apt-get install": "E: Could not get lock /var/lib/dpkg/lock-frontend"}}
	in := f.installer("debian12")
	_, err := in.Ensure(context.Background(), []Need{Make}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "apt-get install -y --no-install-recommends make: exit status 100\n\tE: Could not get lock")

	// Installed, yet still missing: say so.
	f = &fakeSystem{present: map[string]bool{}}
	in = f.installer("debian12")
	_, err = in.Ensure(context.Background(), []Need{Make}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ran, but make (package make) is still missing")
}

func TestEnsureUnknownSystem(t *testing.T) {
	f := &fakeSystem{present: map[string]bool{"gcc": true}}
	in := f.installer("debian12")
	in.Release, in.Unknown = Release{}, &UnknownError{System: "Debian GNU/Linux 11 (bullseye)"}
	notes, err := in.Ensure(context.Background(), []Need{CC}, Options{})
	require.NoError(t, err, "what is there is there")
	assert.Empty(t, notes)

	_, err = in.Ensure(context.Background(), []Need{CC, MuslCC}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing musl-gcc (musl toolchain); Debian GNU/Linux 11 (bullseye) is not a distribution release allocbench has a package table for")
	assert.Empty(t, f.ran)
}

func TestHint(t *testing.T) {
	d13, _ := Lookup("debian13")
	assert.Equal(t, " (install the libmimalloc3 package: apt-get update && apt-get install -y --no-install-recommends libmimalloc3)", d13.Hint("mimalloc3"))
	rocky, _ := Lookup("rocky9")
	assert.Contains(t, rocky.Hint("mimalloc"), " (Rocky Linux 9 has no package for mimalloc: not packaged")
	h := hintUnknown(MuslCC)
	for _, want := range []string{"Debian 12 (bookworm): musl-tools", "Debian 13 (trixie): musl-tools", "Ubuntu 24.04 (noble): musl-tools"} {
		assert.Contains(t, h, want)
	}
	assert.NotContains(t, h, "Rocky")
	assert.Equal(t, "", Hint("libc"), "no package for the C library's own malloc")
}
func TestMarkdown(t *testing.T) {
	md := Markdown()
	lines := strings.Split(md, "\n")
	assert.True(t, strings.HasPrefix(lines[0], "| need | Debian 12 (bookworm) | Debian 13 (trixie) | "), lines[0])
	assert.Contains(t, lines[0], " | Ubuntu 24.04 (noble) | Alpine 3.21 | Rocky Linux 9 |")
	assert.Contains(t, md, "\n| musl toolchain (`musl-gcc`) | `musl-tools` | `musl-tools` | ")
	assert.Contains(t, md, " | `musl-tools` | none (1) | none (2) |\n", "Ubuntu's, Alpine's and Rocky's")
	assert.NotContains(t, md, "libjemalloc2", "the allocators' packages are in their records' table")
	assert.NotContains(t, md, "chromium", "the tests' tools are not allocbench's needs")
	// Every reason is written once, numbered.
	for _, r := range Releases() {
		for _, p := range r.Packages {
			if !p.Shipped() && !p.Need.ForTests() {
				assert.Equal(t, 1, strings.Count(md, upperFirst(p.None)+"."), p.None)
			}
		}
	}
	rows := 0
	for _, l := range lines[2:] {
		if strings.HasPrefix(l, "| ") {
			rows++
			assert.Equal(t, len(Releases())+2, strings.Count(l, "|"), l)
		}
	}
	assert.Equal(t, len(slices.DeleteFunc(Needs(), Need.ForTests)), rows)
}

func TestDetect(t *testing.T) {
	r, err := Detect()
	if errors.Is(err, ErrUnknown) {
		t.Skipf("this system is not in the table: %v", err)
	}
	require.NoError(t, err)
	vars, err := sysinfo.OSRelease()
	require.NoError(t, err)
	assert.Equal(t, vars["ID"], r.ID)
	assert.True(t, vars["VERSION_ID"] == "" || vars["VERSION_ID"] == r.VersionID || strings.HasPrefix(vars["VERSION_ID"], r.VersionID+"."), "%v is %s", vars, r.Label)
}

// The tests' tools are one need of several packages: met when every one is
// there, installed together, each named in the message.
func TestEnsureTestTools(t *testing.T) {
	d12, err := Lookup("debian12")
	require.NoError(t, err)
	tools := d12.PackagesOf(TestTools)
	require.Greater(t, len(tools), 1)
	present := map[string]bool{}
	for _, p := range tools {
		present[p.Provides.Name] = true
	}
	f := &fakeSystem{present: present}
	in := f.installer("debian12")
	notes, err := in.Ensure(context.Background(), []Need{TestTools}, Options{NoInstall: true})
	require.NoError(t, err)
	assert.Empty(t, notes)

	delete(present, "rg")
	_, err = in.Ensure(context.Background(), []Need{TestTools}, Options{NoInstall: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing rg (package ripgrep); ", "only what is missing")
	assert.Contains(t, err.Error(), "install with: apt-get update && apt-get install -y --no-install-recommends libjemalloc-dev ")
	assert.Contains(t, err.Error(), " ripgrep ")

	alpine, err := Lookup("alpine321")
	require.NoError(t, err)
	p, ok := alpine.Package(TestTools)
	require.True(t, ok)
	assert.False(t, p.Shipped())
	assert.Equal(t, testsOnDebian, p.None)
}
