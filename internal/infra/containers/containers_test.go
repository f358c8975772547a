package containers

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/infra/aptsources"
	"github.com/allocbench/allocbench/internal/infra/distro"
)

// The catalogue is package distro's record, and the static musl image.
func TestCatalogue(t *testing.T) {
	want := append(distro.Labels(), "musl")
	var got []string
	for _, d := range Distros() {
		got = append(got, d.Label)
		assert.Contains(t, []string{"glibc", "musl"}, d.Libc, d.Label)
		assert.Equal(t, "allocbench/"+d.Label, d.Image())
		if d.Label == "musl" {
			continue
		}
		r, err := distro.Lookup(d.Label)
		require.NoError(t, err)
		assert.Equal(t, r.Image, d.DefaultBase)
		assert.Equal(t, r.Libc, d.Libc)
		assert.Equal(t, r.Libc == "musl", d.Binary != "", "%s: a binary built inside where the C library is musl", d.Label)
	}
	assert.Equal(t, want, got)
	assert.Subset(t, got, []string{"debian12", "debian13", "ubuntu2404", "alpine321", "rocky9", "musl"})
	alpine, err := Lookup("alpine321")
	require.NoError(t, err)
	assert.Equal(t, "module", alpine.Context)
	assert.Equal(t, "alpine:3.21", alpine.DefaultBase)
	rocky, err := Lookup("rocky9")
	require.NoError(t, err)
	assert.Equal(t, []string{"jemalloc", "gperftools-libs"}, rocky.Packages, "Rocky's image has CA certificates")
	assert.Empty(t, rocky.LocalSuite)

	d, err := Lookup("debian13")
	require.NoError(t, err)
	assert.Equal(t, "trixie", d.LocalSuite)
	assert.Equal(t, "allocbench-base/debian:13", d.LocalBaseImage())
	d, err = Lookup("debian12")
	require.NoError(t, err)
	assert.Equal(t, "bookworm", d.LocalSuite)
	assert.Equal(t, "allocbench-base/debian:12", d.LocalBaseImage())

	assert.Equal(t, []string{"libjemalloc2", "libmimalloc2.0", "libtcmalloc-minimal4", "libtbbmalloc2", "ca-certificates"}, d.Packages)

	// Distros hands out copies.
	Distros()[0].Packages[0] = "changed"
	assert.Equal(t, "libjemalloc2", Distros()[0].Packages[0])
}

func TestLookupErrorNamesValidLabels(t *testing.T) {
	_, err := Lookup("debian11")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"debian11"`)
	for _, l := range []string{"debian12", "debian13", "ubuntu2404", "alpine321", "rocky9", "musl"} {
		assert.Contains(t, err.Error(), l)
	}
	_, err = lookupSuite("noble")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bookworm")
	assert.Contains(t, err.Error(), "trixie")
	d, err := lookupSuite("debian13")
	require.NoError(t, err)
	assert.Equal(t, "trixie", d.LocalSuite)
}

// Every recipe is embedded, takes ARG BASE with the public image as its
// default and uses it, labels the image with its distribution, and installs
// the packages the catalogue lists.
func TestRecipes(t *testing.T) {
	for _, d := range Distros() {
		t.Run(d.Label, func(t *testing.T) {
			b, err := d.RecipeText()
			require.NoError(t, err)
			text := string(b)
			assert.Contains(t, text, `LABEL allocbench.distro="`+d.Label+`"`)
			assert.Contains(t, text, `allocbench.libc="`+d.Libc+`"`)
			for _, p := range d.Packages {
				assert.Regexp(t, `(?m)(^|[\s"])`+regexp.QuoteMeta(p)+`([\s";]|$)`, text, "recipe installs %s", p)
			}
			if d.DefaultBase == "scratch" {
				assert.Contains(t, text, "FROM scratch")
				return
			}
			assert.Regexp(t, `(?m)^ARG BASE=`+regexp.QuoteMeta(d.DefaultBase)+`$`, text)
			assert.Regexp(t, `(?m)^FROM \$\{BASE\}`, text)
			// ARG BASE comes before the first FROM, so FROM can use it.
			assert.Less(t, strings.Index(text, "ARG BASE="), strings.Index(text, "\nFROM "))
			if d.Libc == "glibc" {
				// The install step is skipped when the packages are there,
				// so a local base builds without the network.
				assert.Regexp(t, `(dpkg -s|rpm -q) .*>/dev/null 2>&1 \|\|`, text)
			}
		})
	}
	entries, err := recipes.ReadDir("recipes")
	require.NoError(t, err)
	assert.Len(t, entries, len(Distros()), "one recipe per distribution, no strays")
}

// recipePackages returns the packages a recipe names in its install
// steps: pkgs="...", apk add, apt-get install, dnf install, rpm -q.
func recipePackages(text string) []string {
	text = strings.ReplaceAll(text, "\\\n", " ")
	var out []string
	add := func(words string) {
		for _, f := range strings.Fields(words) {
			if !strings.HasPrefix(f, "-") && !strings.HasPrefix(f, "$") && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	for _, m := range regexp.MustCompile(`pkgs="([^"]*)"`).FindAllStringSubmatch(text, -1) {
		add(m[1])
	}
	for _, m := range regexp.MustCompile(`(?:apk add|apt-get install|dnf install|rpm -q) ([^&;|>\n]*)`).FindAllStringSubmatch(text, -1) {
		add(m[1])
	}
	return out
}

func TestRecipePackages(t *testing.T) {
	got := recipePackages("RUN apk add --no-cache go gcc \\\n  musl-dev && true\nRUN pkgs=\"a b\"; rpm -q $pkgs >/dev/null || dnf install -y epel-release && dnf install -y $pkgs c")
	assert.Equal(t, []string{"a", "b", "go", "gcc", "musl-dev", "epel-release", "c"}, got)
}

// Every package a recipe installs, in its generated install step or in the
// lines written by hand (Alpine's build stage), is in the distribution table
// for its release or in an allocator's record for it, and the recipe
// installs every allocator package the records have.
func TestRecipesInstallTheTablesPackages(t *testing.T) {
	for _, d := range Distros() {
		if d.Label == "musl" {
			continue // an empty image: nothing to install
		}
		t.Run(d.Label, func(t *testing.T) {
			rel, err := distro.Lookup(d.Label)
			require.NoError(t, err)
			text, err := d.RecipeText()
			require.NoError(t, err)
			got := recipePackages(string(text))
			require.NotEmpty(t, got)
			known := rel.PackageNames(append(distro.Needs(), distro.Allocators()...)...)
			for _, p := range got {
				switch p {
				case "go": // Alpine's image builds the test binary with Alpine's Go
					assert.Equal(t, "module", d.Context)
				case "epel-release": // enables EPEL, where the table says a package is from
					assert.Equal(t, distro.Dnf, rel.Manager)
				default:
					assert.Contains(t, known, p, "%s installs %s, which the table has not for %s", d.Recipe, p, rel.Name)
				}
			}
			for _, p := range d.Packages {
				assert.Contains(t, got, p, "%s installs %s", d.Recipe, p)
			}
			for _, c := range rel.InstallCommands(distro.Allocators()...) {
				if c[len(c)-1] == "epel-release" {
					assert.Contains(t, got, "epel-release", "%s enables EPEL", d.Recipe)
				}
			}
		})
	}
}

func TestRunPrefix(t *testing.T) {
	got := RunPrefix("allocbench/debian12", "/tmp/b", RunOptions{})
	assert.Equal(t, []string{"docker", "run", "--rm", "--network", "none", "-v", "/tmp/b:/allocbench:ro", "allocbench/debian12"}, got)

	got = RunPrefix("img", "/bins", RunOptions{CPUs: "2", Memory: "1g", Env: []string{"ALLOCBENCH_REQUIRE=all", "GOMAXPROCS=2"}, Privileged: true})
	assert.Equal(t, []string{"docker", "run", "--rm", "--network", "none", "-v", "/bins:/allocbench:ro",
		"--cpus", "2", "--memory", "1g", "-e", "ALLOCBENCH_REQUIRE=all", "-e", "GOMAXPROCS=2", "--privileged", "img"}, got)
	assert.NotContains(t, RunPrefix("img", "/bins", RunOptions{CPUs: "1"}), "--privileged", "not privileged by default")
	assert.NotContains(t, RunPrefix("img", "/bins", RunOptions{}), "--cap-add")
	got = RunPrefix("img", "/bins", RunOptions{FutexTracing: true})
	assert.Equal(t, []string{"--cap-add", "BPF", "--cap-add", "PERFMON", "-v", "/sys/kernel/tracing:/sys/kernel/tracing:ro", "img"}, got[len(got)-7:])
	assert.NotContains(t, got, "SYS_ADMIN")
	got = RunPrefix("img", "/bins", RunOptions{FutexTracing: true, Tracefs: "/sys/kernel/debug/tracing", SeccompUnconfined: true})
	assert.Equal(t, []string{"--cap-add", "BPF", "--cap-add", "PERFMON", "-v", "/sys/kernel/debug/tracing:/sys/kernel/tracing:ro",
		"--security-opt", "seccomp=unconfined", "img"}, got[len(got)-9:])
	got = RunPrefix("img", "/bins", RunOptions{FutexTracing: true, SysAdmin: true, SeccompUnconfined: true})
	assert.Equal(t, []string{"--cap-add", "SYS_ADMIN", "-v", "/sys/kernel/tracing:/sys/kernel/tracing:ro", "img"}, got[len(got)-5:])

	// The host tracer's socket: its directory read-only, its path inside
	// in the environment; no capability.
	got = RunPrefix("img", "/bins", RunOptions{FutexSocket: "/run/ab-1/futex.sock"})
	assert.Equal(t, []string{"-v", "/run/ab-1:/allocbench-futex:ro", "-e", "ALLOCBENCH_FUTEX_HOST=/allocbench-futex/futex.sock", "img"}, got[len(got)-5:])
	assert.NotContains(t, got, "--cap-add")
	got = RunPrefix("img", "/bins", RunOptions{FutexHostUnavailable: "not root"})
	assert.Equal(t, []string{"-e", "ALLOCBENCH_FUTEX_HOST_UNAVAILABLE=not root", "img"}, got[len(got)-3:])

	// A relative directory is made absolute: docker would take it for a
	// volume name.
	wd, err := os.Getwd()
	require.NoError(t, err)
	got = RunPrefix("img", "bins", RunOptions{})
	assert.Equal(t, filepath.Join(wd, "bins")+":/allocbench:ro", got[6])
	assert.Equal(t, "img", got[len(got)-1])
}

func TestTracingNeedsSeccomp(t *testing.T) {
	for v, want := range map[string]bool{"20.10.24+dfsg1": true, "23.0.1": false, "27.3.1": false, "": true, "dev": true} {
		assert.Equal(t, want, TracingNeedsSeccomp(v), "%q", v)
	}
}

// A DOCKER_HOST that is not a unix socket is an engine on another machine.
func TestRemoteEngine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "ssh://big-box")
	assert.Equal(t, "DOCKER_HOST=ssh://big-box", RemoteEngine(t.Context()))
	t.Setenv("DOCKER_HOST", "tcp://10.0.0.2:2375")
	assert.Contains(t, RemoteEngine(t.Context()), "tcp://10.0.0.2:2375")
	t.Setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
	assert.Empty(t, RemoteEngine(t.Context()))
}

// src is an apt source of blank-separated types and suites.
func src(types, uri, suites string) aptsources.Entry {
	return aptsources.Entry{Types: strings.Fields(types), URIs: []string{uri}, Suites: strings.Fields(suites), Components: []string{"main"}, Enabled: true}
}

func TestPickDebianMirror(t *testing.T) {
	disabled := src("deb", "http://disabled.example/debian", "bookworm")
	disabled.Enabled = false
	for _, tc := range []struct {
		name    string
		sources []aptsources.Entry
		want    string // "" for none
	}{
		{"none", nil, ""},
		{"Debian's default", []aptsources.Entry{
			src("deb", "http://deb.debian.org/debian", "bookworm bookworm-updates"),
			src("deb", "http://deb.debian.org/debian-security", "bookworm-security"),
		}, "http://deb.debian.org/debian"},
		{"disabled, deb-src, third-party suites and security passed over", []aptsources.Entry{
			src("deb", "https://deb.nodesource.com/node_20.x", "nodistro"),
			disabled,
			src("deb-src", "http://src.example/debian", "bookworm"),
			src("deb", "http://security.example/debian-security", "trixie"),
			src("deb", "http://security.example/debian", "trixie-security"),
			src("deb deb-src", "http://mirror.example/debian/", "trixie"),
			src("deb", "http://later.example/debian", "trixie"),
		}, "http://mirror.example/debian/"},
		{"other schemes, old-style suites, third-party archives passed over", []aptsources.Entry{
			src("deb", "https://packages.cloud.google.com/apt", "cloud-sdk-bookworm"),
			src("deb", "cdrom:[Debian GNU/Linux 12]/", "bookworm"),
			src("deb", "http://old.example/debian", "bookworm/updates"),
			src("deb", "ftp://ftp.de.debian.org/debian/", "bookworm-backports"),
		}, "ftp://ftp.de.debian.org/debian/"},
		{"suite aliases", []aptsources.Entry{src("deb", "file:///srv/mirror", "stable")}, "file:///srv/mirror"},
		{"an Ubuntu archive is not a Debian mirror", []aptsources.Entry{src("deb", "http://archive.ubuntu.com/ubuntu", "noble")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := pickDebianMirror(tc.sources)
			assert.Equal(t, tc.want, m)
			assert.Equal(t, tc.want != "", ok)
		})
	}
}

func TestMirrorFromDir(t *testing.T) {
	root := t.TempDir()
	_, ok := mirrorFrom(root)
	assert.False(t, ok, "no sources at all")

	d := filepath.Join(root, "sources.list.d")
	require.NoError(t, os.MkdirAll(d, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(d, "nodesource.sources"), []byte("Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(d, "debian.sources"),
		[]byte("Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie trixie-updates\nComponents: main\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(d, "other.list.disabled"), []byte("deb http://disabled.example/debian bookworm main\n"), 0o644))
	m, ok := mirrorFrom(root)
	assert.True(t, ok)
	assert.Equal(t, "http://deb.debian.org/debian", m)

	// sources.list comes first, as apt reads it; a malformed line in it
	// does not hide the rest.
	require.NoError(t, os.WriteFile(filepath.Join(root, "sources.list"), []byte("deb http://broken\ndeb [arch=amd64] http://first.example/debian bookworm main\n"), 0o644))
	m, _ = mirrorFrom(root)
	assert.Equal(t, "http://first.example/debian", m)

	old := aptRoot
	aptRoot = filepath.Join(root, "missing")
	defer func() { aptRoot = old }()
	assert.Equal(t, DefaultMirror, HostMirror())
}

func TestMountsUnder(t *testing.T) {
	assert.Equal(t, "/a b/c", unescapeMount(`/a\040b/c`))
	assert.Equal(t, `/plain\`, unescapeMount(`/plain\`))
	m, err := mountsUnder("/proc")
	require.NoError(t, err)
	assert.Contains(t, m, "/proc")
	m, err = mountsUnder(t.TempDir())
	require.NoError(t, err)
	assert.Empty(t, m)
}

func TestBuildImageArgumentErrors(t *testing.T) {
	ctx := t.Context()
	_, err := BuildImage(ctx, "fedora41", ImageOptions{})
	assert.ErrorContains(t, err, "valid: ")
	_, err = BuildImage(ctx, "ubuntu2404", ImageOptions{LocalBase: true})
	assert.ErrorContains(t, err, "no local base")
	_, err = BuildImage(ctx, "alpine321", ImageOptions{})
	assert.ErrorContains(t, err, "module's root")
	_, err = BuildImage(ctx, "musl", ImageOptions{})
	assert.ErrorContains(t, err, "musl-gcc")
	err = BuildMuslImage(ctx, filepath.Join(t.TempDir(), "missing"), "")
	assert.ErrorContains(t, err, "static binary")
	_, err = BuildLocalBase(ctx, "noble", BaseOptions{})
	assert.ErrorContains(t, err, "bookworm")
}

func TestCheckDockerMissingCLI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := CheckDocker(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "docker CLI is not on PATH")
}

// A daemon that does not answer is reported as such, naming DOCKER_HOST.
func TestCheckDockerNoDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the docker CLI")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker CLI")
	}
	sock := filepath.Join(t.TempDir(), "none.sock")
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	err := CheckDocker(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "daemon is not answering")
	assert.Contains(t, err.Error(), "DOCKER_HOST=unix://"+sock)
}
