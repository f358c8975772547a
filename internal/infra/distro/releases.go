package distro

// This file is the one record of every release allocbench supports. Adding
// a release is an entry here (and its allocators' packages in their records,
// alloc/alloc.go); then `go generate ./internal/infra/distro` writes its
// container recipe and the tables and install lists that show the record.

// CI is the release .ci/run and the README's test command install for: the
// machine the tests run on.
const CI = "debian12"

var releases = []Release{
	{
		Label: "debian12", Name: "Debian 12 (bookworm)", ID: "debian", VersionID: "12", Codename: "bookworm",
		Manager: Apt, Libc: "glibc", Image: "debian:12",
		Packages: join(debianLike, debianTests),
	},
	{
		Label: "debian13", Name: "Debian 13 (trixie)", ID: "debian", VersionID: "13", Codename: "trixie",
		Manager: Apt, Libc: "glibc", Image: "debian:13",
		Packages: join(debianLike, debianTests),
	},
	{
		Label: "ubuntu2404", Name: "Ubuntu 24.04 (noble)", ID: "ubuntu", VersionID: "24.04", Codename: "noble",
		Manager: Apt, Libc: "glibc", Image: "ubuntu:24.04",
		Packages: join(debianLike, []Package{none(TestTools, testsOnDebian)}),
	},
	{
		Label: "alpine321", Name: "Alpine 3.21", ID: "alpine", VersionID: "3.21",
		Manager: Apk, Libc: "musl", Image: "alpine:3.21",
		// aports keeps gperftools in its testing repository: the image
		// goes without tcmalloc where it is missing.
		MaybeMissing: []string{"tcmalloc"},
		Packages: []Package{
			pkg(CC, "gcc", cmd("gcc")),
			pkg(LibcDev, "musl-dev", file("/usr/include/stdlib.h")),
			none(MuslCC, "not shipped: Alpine has no musl-gcc wrapper, its own gcc builds against musl"),
			none(Make, debianSourcesOnly),
			none(Binutils, debianSourcesOnly),
			none(DpkgDev, debianSourcesOnly),
			none(Autoconf, debianSourcesOnly),
			pkg(Xz, "xz", cmd("xz")),
			none(Debootstrap, debianHostsOnly),
			pkg(CACerts, "ca-certificates", file("/etc/ssl/certs/ca-certificates.crt")),
			none(TestTools, testsOnDebian),
		},
	},
	{
		Label: "rocky9", Name: "Rocky Linux 9", ID: "rocky", VersionID: "9",
		Manager: Dnf, Libc: "glibc", Image: "rockylinux:9",
		// jemalloc and gperftools come from EPEL.
		AllocatorRepo: "epel",
		Packages: []Package{
			pkg(CC, "gcc", cmd("gcc")),
			pkg(LibcDev, "glibc-devel", file("/usr/include/stdlib.h")),
			none(MuslCC, muslOnDebian),
			none(Make, debianSourcesOnly),
			none(Binutils, debianSourcesOnly),
			none(DpkgDev, debianSourcesOnly),
			none(Autoconf, debianSourcesOnly),
			pkg(Xz, "xz", cmd("xz")),
			none(Debootstrap, debianHostsOnly),
			pkg(CACerts, "ca-certificates", file("/etc/pki/tls/certs/ca-bundle.crt")),
			none(TestTools, testsOnDebian),
		},
	},
}

// debianLike is how Debian and Ubuntu meet allocbench's own needs. The
// Debian entries were checked against the archive with apt-cache (bookworm
// on the host, trixie inside a debootstrapped trixie); the others follow the
// distributions' package sources (Ubuntu's archive, Alpine's aports, Rocky's
// and EPEL's repositories).
var debianLike = []Package{
	pkg(CC, "gcc", cmd("gcc")),
	pkg(LibcDev, "libc6-dev", file("/usr/include/stdlib.h")),
	pkg(MuslCC, "musl-tools", cmd("musl-gcc")),
	pkg(Make, "make", cmd("make")),
	pkg(Binutils, "binutils", cmd("ar")),
	pkg(DpkgDev, "dpkg-dev", cmd("dpkg-source")),
	pkg(Autoconf, "autoconf", cmd("autoconf")),
	pkg(Xz, "xz-utils", cmd("xz")),
	pkg(Debootstrap, "debootstrap", cmd("debootstrap")),
	pkg(CACerts, "ca-certificates", file("/etc/ssl/certs/ca-certificates.crt")),
}

// debianTests are the tools the tests use on Debian, besides the
// allocators' own packages: a tool the tests start to use is one line here.
var debianTests = []Package{
	// The unversioned libjemalloc.so, for LD_PRELOAD in the fidelity tests.
	pkg(TestTools, "libjemalloc-dev", file("/usr/include/jemalloc/jemalloc.h")),
	pkg(TestTools, "libmimalloc-dev", file("/usr/include/mimalloc.h")),
	pkg(TestTools, "libgoogle-perftools-dev", file("/usr/include/gperftools/tcmalloc.h")),
	pkg(TestTools, "linux-perf", cmd("perf")), // the futex reference measurement
	pkg(TestTools, "strace", cmd("strace")),
	pkg(TestTools, "chromium", cmd("chromium")), // the report's browser test
	// The kernel's listing of BPF objects, for the host tracer's leak test.
	pkg(TestTools, "bpftool", cmd("bpftool")),
	pkg(TestTools, "git", cmd("git")), // clean clones in the fresh-machine and go install tests
	// Real programs, for the tests to run under each allocator.
	pkg(TestTools, "ripgrep", cmd("rg")),
	pkg(TestTools, "redis-server", cmd("redis-server")),
	pkg(TestTools, "redis-tools", cmd("redis-benchmark")), // and redis-cli
	pkg(TestTools, "rustc", cmd("rustc")),
	pkg(TestTools, "cargo", cmd("cargo")),
	pkg(TestTools, "librust-rayon-dev", file("/usr/share/doc/librust-rayon-dev/copyright")), // the rayon crate's sources, for an offline cargo build
	pkg(TestTools, "stress", cmd("stress")),
}

// Reasons shared by several releases.
const (
	// The musl source builds fetch Debian's source packages with apt-get.
	debianSourcesOnly = "not used here: the musl builds of jemalloc and mimalloc fetch Debian source packages with apt-get, so they run on Debian and Ubuntu only"
	debianHostsOnly   = "not used here: local Debian bases are built on Debian or Ubuntu hosts"
	testsOnDebian     = "not listed: the tests and CI run on Debian"
	muslOnDebian      = "not used here: the musl variant is built on Debian or Ubuntu, with musl-tools and Debian's allocator sources"
)

func cmd(name string) Provides  { return Provides{Command, name} }
func file(path string) Provides { return Provides{File, path} }
func pkg(n Need, name string, p Provides) Package {
	return Package{Need: n, Name: name, Provides: p}
}
func none(n Need, why string) Package { return Package{Need: n, None: why} }

// join makes one release's list of several shared ones.
func join(lists ...[]Package) []Package {
	var out []Package
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
