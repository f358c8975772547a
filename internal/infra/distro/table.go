package distro

func cmd(name string) Provides   { return Provides{Command, name} }
func lib(soname string) Provides { return Provides{Library, soname} }
func file(path string) Provides  { return Provides{File, path} }
func pkg(n Need, name string, p Provides) Package {
	return Package{Need: n, Name: name, Provides: p}
}
func none(n Need, why string) Package { return Package{Need: n, None: why} }

// Reasons shared by several releases.
const (
	// The musl source builds fetch Debian's source packages with apt-get.
	debianSourcesOnly = "not used here: the musl builds of jemalloc and mimalloc fetch Debian source packages with apt-get, so they run on Debian and Ubuntu only"
	debianHostsOnly   = "not used here: local Debian bases are built on Debian or Ubuntu hosts"
	testsOnDebian     = "not listed: the tests and CI run on Debian"
	muslOnDebian      = "not used here: the musl variant is built on Debian or Ubuntu, with musl-tools and Debian's allocator sources"
)

// The Debian entries were checked against the archive with apt-cache
// (bookworm on the host, trixie inside a debootstrapped trixie); the others
// follow the distributions' package sources (Ubuntu's archive, Alpine's
// aports, Rocky's and EPEL's repositories).
var releases = []Release{
	{
		Label: "debian12", Name: "Debian 12 (bookworm)", ID: "debian", VersionID: "12", Codename: "bookworm",
		Manager: Apt, Libc: "glibc",
		Packages: []Package{
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
			pkg(JemallocDev, "libjemalloc-dev", file("/usr/include/jemalloc/jemalloc.h")),
			pkg(MimallocDev, "libmimalloc-dev", file("/usr/include/mimalloc.h")),
			pkg(TcmallocDev, "libgoogle-perftools-dev", file("/usr/include/gperftools/tcmalloc.h")),
			pkg(Perf, "linux-perf", cmd("perf")),
			pkg(Strace, "strace", cmd("strace")),
			pkg(Chromium, "chromium", cmd("chromium")),
			pkg(Bpftool, "bpftool", cmd("bpftool")),
			pkg(Git, "git", cmd("git")),
			pkg(Ripgrep, "ripgrep", cmd("rg")),
			pkg(RedisServer, "redis-server", cmd("redis-server")),
			pkg(RedisTools, "redis-tools", cmd("redis-benchmark")),
			pkg(Rustc, "rustc", cmd("rustc")),
			pkg(Cargo, "cargo", cmd("cargo")),
			pkg(RayonDev, "librust-rayon-dev", file("/usr/share/doc/librust-rayon-dev/copyright")),
		},
	},
	{
		Label: "debian13", Name: "Debian 13 (trixie)", ID: "debian", VersionID: "13", Codename: "trixie",
		Manager: Apt, Libc: "glibc",
		Packages: []Package{
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
			pkg(JemallocDev, "libjemalloc-dev", file("/usr/include/jemalloc/jemalloc.h")),
			pkg(MimallocDev, "libmimalloc-dev", file("/usr/include/mimalloc.h")),
			pkg(TcmallocDev, "libgoogle-perftools-dev", file("/usr/include/gperftools/tcmalloc.h")),
			pkg(Perf, "linux-perf", cmd("perf")),
			pkg(Strace, "strace", cmd("strace")),
			pkg(Chromium, "chromium", cmd("chromium")),
			pkg(Bpftool, "bpftool", cmd("bpftool")),
			pkg(Git, "git", cmd("git")),
			pkg(Ripgrep, "ripgrep", cmd("rg")),
			pkg(RedisServer, "redis-server", cmd("redis-server")),
			pkg(RedisTools, "redis-tools", cmd("redis-benchmark")),
			pkg(Rustc, "rustc", cmd("rustc")),
			pkg(Cargo, "cargo", cmd("cargo")),
			pkg(RayonDev, "librust-rayon-dev", file("/usr/share/doc/librust-rayon-dev/copyright")),
		},
	},
	{
		Label: "ubuntu2404", Name: "Ubuntu 24.04 (noble)", ID: "ubuntu", VersionID: "24.04", Codename: "noble",
		Manager: Apt, Libc: "glibc",
		Packages: []Package{
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
			none(JemallocDev, testsOnDebian),
			none(MimallocDev, testsOnDebian),
			none(TcmallocDev, testsOnDebian),
			none(Perf, testsOnDebian),
			none(Strace, testsOnDebian),
			none(Chromium, testsOnDebian),
			none(Bpftool, testsOnDebian),
			none(Git, testsOnDebian),
			none(Ripgrep, testsOnDebian),
			none(RedisServer, testsOnDebian),
			none(RedisTools, testsOnDebian),
			none(Rustc, testsOnDebian),
			none(Cargo, testsOnDebian),
			none(RayonDev, testsOnDebian),
		},
	},
	{
		Label: "alpine321", Name: "Alpine 3.21", ID: "alpine", VersionID: "3.21",
		Manager: Apk, Libc: "musl",
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
			none(JemallocDev, testsOnDebian),
			none(MimallocDev, testsOnDebian),
			none(TcmallocDev, testsOnDebian),
			none(Perf, testsOnDebian),
			none(Strace, testsOnDebian),
			none(Chromium, testsOnDebian),
			none(Bpftool, testsOnDebian),
			none(Git, testsOnDebian),
			none(Ripgrep, testsOnDebian),
			none(RedisServer, testsOnDebian),
			none(RedisTools, testsOnDebian),
			none(Rustc, testsOnDebian),
			none(Cargo, testsOnDebian),
			none(RayonDev, testsOnDebian),
		},
	},
	{
		Label: "rocky9", Name: "Rocky Linux 9", ID: "rocky", VersionID: "9",
		Manager: Dnf, Libc: "glibc",
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
			none(JemallocDev, testsOnDebian),
			none(MimallocDev, testsOnDebian),
			none(TcmallocDev, testsOnDebian),
			none(Perf, testsOnDebian),
			none(Strace, testsOnDebian),
			none(Chromium, testsOnDebian),
			none(Bpftool, testsOnDebian),
			none(Git, testsOnDebian),
			none(Ripgrep, testsOnDebian),
			none(RedisServer, testsOnDebian),
			none(RedisTools, testsOnDebian),
			none(Rustc, testsOnDebian),
			none(Cargo, testsOnDebian),
			none(RayonDev, testsOnDebian),
		},
	},
}
