package muslalloc

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/debsrc"
	"github.com/allocbench/allocbench/internal/distro"
)

// The recipe. Flags follow Debian's own package builds where they matter
// for speed: jemalloc's configure options from debian/rules, and the
// dpkg-buildflags optimisation level (-O2, which jemalloc's build appends
// after its own -O3); mimalloc's CMake release flags. What differs is what
// a static, non-overriding musl library needs: prefixed entry points for
// jemalloc, no MI_MALLOC_OVERRIDE for mimalloc, no C++, no libdl, no debug
// information. Change RecipeVersion with any of it.

// mimallocCFlags compile src/static.c, the whole library in one unit.
var mimallocCFlags = []string{
	"-O2", "-DNDEBUG", "-DMI_STATIC_LIB",
	"-fvisibility=hidden", "-ftls-model=initial-exec", "-fstack-protector-strong",
	"-Wall", "-Wextra", "-Wno-unknown-pragmas",
}

// jemallocCFlags go after jemalloc's own flags, as dpkg-buildflags' do.
const jemallocCFlags = "-O2 -g0 -fstack-protector-strong"

// jemallocConfigure is the configure command line for GOARCH arch.
func jemallocConfigure(arch string) []string {
	args := []string{
		"./configure",
		"--with-jemalloc-prefix=je_",
		"--disable-cxx",
		"--disable-shared",
		"--enable-static",
		"--disable-doc",
		"--disable-libdl",
		"--with-version=VERSION",
		"--with-lg-hugepage=21",
	}
	// debian/rules: 4 KiB pages and profiling support on x86, 64 KiB
	// pages elsewhere.
	switch arch {
	case "amd64", "386":
		args = append(args, "--with-lg-page=12", "--enable-prof")
	default:
		args = append(args, "--with-lg-page=16")
	}
	return args
}

var (
	jemallocSymbols = muslBuild(alloc.Jemalloc).Symbols
	mimallocSymbols = muslBuild(alloc.Mimalloc).Symbols
)

// muslBuild is the musl build of an allocator's record.
func muslBuild(name string) alloc.MuslBuild {
	s, err := alloc.Lookup(name)
	if err != nil || s.Musl == nil {
		panic("muslalloc: the record of " + name + " has no musl build")
	}
	return *s.Musl
}

// overriding are the symbols that would replace the C library's allocator
// in a static link.
var overriding = map[string]bool{
	"malloc": true, "free": true, "calloc": true, "realloc": true, "reallocarray": true,
	"posix_memalign": true, "aligned_alloc": true, "memalign": true, "valloc": true,
	"pvalloc": true, "malloc_usable_size": true, "cfree": true,
	"__libc_malloc": true, "__libc_free": true, "__libc_calloc": true, "__libc_realloc": true,
	"__libc_memalign": true, "__libc_valloc": true, "__libc_pvalloc": true,
}

// checkSymbols reads `nm -g --defined-only -P` output for lib: it must
// define every required symbol and none of the allocation entry points of
// the C library or the C++ runtime.
func checkSymbols(nmOut, lib string, required []string) error {
	defined := map[string]bool{}
	var bad []string
	for _, line := range strings.Split(nmOut, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || len(f[1]) != 1 || strings.HasSuffix(line, ":") {
			continue // a blank line or an archive member's header
		}
		name := f[0]
		if strings.ContainsAny(f[1], "Uwv") {
			continue
		}
		defined[name] = true
		cxx := strings.HasPrefix(name, "_Znw") || strings.HasPrefix(name, "_Zna") ||
			strings.HasPrefix(name, "_ZdlPv") || strings.HasPrefix(name, "_ZdaPv")
		if (overriding[name] || cxx) && !contains(bad, name) {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%s defines %s: linked in, it would replace musl's malloc", lib, strings.Join(bad, ", "))
	}
	var missing []string
	for _, s := range required {
		if !defined[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s lacks %s", lib, strings.Join(missing, ", "))
	}
	return nil
}

// privateApt writes the private source list and updates its index.
func (b *builder) privateApt(ctx context.Context) (*debsrc.Apt, error) {
	apt, err := debsrc.Private(filepath.Join(b.opts.CacheDir, "apt"), b.system)
	if err != nil {
		return nil, err
	}
	b.logf("updating the private source index (deb-src %s)", apt.Describe())
	if _, err := b.run(ctx, apt.Update()); err != nil {
		return nil, err
	}
	return apt, nil
}

// archiveVersion is the newest version of p's source package in the
// private index, for a system that neither has the binary package installed
// nor knows it in its own index.
func (b *builder) archiveVersion(ctx context.Context, apt *debsrc.Apt, p pkg) (source, version string, err error) {
	out, err := b.run(ctx, apt.Showsrc(p.Source))
	if err != nil {
		return "", "", err
	}
	v, err := debsrc.NewestVersion(ctx, debsrc.ParseShowsrcVersions(string(out), p.Source))
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", p.Source, err)
	}
	if v == "" {
		return "", "", fmt.Errorf("%s: no source package %s in the source index: %w", p.Binary, p.Source, ErrFetch)
	}
	if err := debsrc.CheckVersion(p.Source, v); err != nil {
		return "", "", err
	}
	b.logf("%s %s: newest in the archive (%s is neither installed nor in the system's index)", p.Source, v, p.Binary)
	return p.Source, v, nil
}

// buildEntry fetches, unpacks and builds both libraries in a work
// directory, checks them, and renames the result into place.
func (b *builder) buildEntry(ctx context.Context, apt *debsrc.Apt, k cacheKey, jeSrc, miSrc string) (Libs, error) {
	start := time.Now()
	work, err := os.MkdirTemp(b.opts.CacheDir, ".build-")
	if err != nil {
		return Libs{}, err
	}
	defer os.RemoveAll(work)
	out := filepath.Join(work, "out")
	srcDir := filepath.Join(work, "src")
	for _, d := range []string{out, srcDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return Libs{}, err
		}
	}
	logFile, err := os.Create(filepath.Join(out, "build.log"))
	if err != nil {
		return Libs{}, err
	}
	b.buildLog = logFile
	defer func() {
		b.buildLog = nil
		logFile.Close()
	}()
	fmt.Fprintf(logFile, "# %s\n", k)

	b.logf("fetching %s %s and %s %s (apt-get source)", jeSrc, k.Jemalloc, miSrc, k.Mimalloc)
	if _, err := b.run(ctx, apt.Download(srcDir, jeSrc+"="+k.Jemalloc, miSrc+"="+k.Mimalloc)); err != nil {
		return Libs{}, err
	}
	jeDir := filepath.Join(work, jeSrc)
	miDir := filepath.Join(work, miSrc)
	for _, u := range []struct{ src, version, dir string }{{jeSrc, k.Jemalloc, jeDir}, {miSrc, k.Mimalloc, miDir}} {
		dsc := filepath.Join(srcDir, u.src+"_"+debsrc.StripEpoch(u.version)+".dsc")
		if _, err := b.run(ctx, debsrc.Step{What: "unpacking " + u.src + " " + u.version + " with its Debian patches",
			Argv: []string{"dpkg-source", "-x", dsc, u.dir}}); err != nil {
			return Libs{}, err
		}
	}

	t := time.Now()
	b.logf("building mimalloc %s with %s", k.Mimalloc, k.CC)
	if err := b.buildMimalloc(ctx, miDir, k.CC, filepath.Join(out, "libmimalloc.a")); err != nil {
		return Libs{}, err
	}
	b.logf("built mimalloc in %.1fs", time.Since(t).Seconds())

	t = time.Now()
	b.logf("building jemalloc %s with %s (configure and make -j%d)", k.Jemalloc, k.CC, runtime.NumCPU())
	if err := b.buildJemalloc(ctx, jeDir, k.CC, filepath.Join(out, "libjemalloc.a")); err != nil {
		return Libs{}, err
	}
	b.logf("built jemalloc in %.1fs", time.Since(t).Seconds())

	files := map[string]string{}
	for _, c := range []struct {
		file     string
		required []string
	}{{"libjemalloc.a", jemallocSymbols}, {"libmimalloc.a", mimallocSymbols}} {
		path := filepath.Join(out, c.file)
		nm, err := b.run(ctx, debsrc.Step{What: "listing the symbols of " + c.file, Argv: []string{"nm", "-g", "--defined-only", "-P", path}})
		if err != nil {
			return Libs{}, err
		}
		if err := checkSymbols(string(nm), c.file, c.required); err != nil {
			return Libs{}, err
		}
		sum, err := fileSHA256(path)
		if err != nil {
			return Libs{}, err
		}
		files[c.file] = sum
	}

	libs := k.libs(filepath.Join(b.opts.CacheDir, k.dirName()))
	m := manifest{
		Key:     k.String(),
		Sources: libs.Sources(),
		SHA256:  files,
		Built:   time.Now().UTC().Truncate(time.Second),
		Seconds: time.Since(start).Seconds(),
		Recipe: map[string]any{
			"mimalloc-cflags":    mimallocCFlags,
			"jemalloc-configure": jemallocConfigure(k.Arch),
			"jemalloc-cflags":    jemallocCFlags,
		},
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Libs{}, err
	}
	if err := os.WriteFile(filepath.Join(out, manifestName), append(data, '\n'), 0o644); err != nil {
		return Libs{}, err
	}
	b.buildLog = nil
	logFile.Close()
	// An entry with this name can only be one that failed the check in
	// cached (a stale recipe, a damaged file); replace it.
	if err := os.RemoveAll(libs.Dir); err != nil {
		return Libs{}, err
	}
	if err := os.Rename(out, libs.Dir); err != nil {
		return Libs{}, err
	}
	b.logf("built %s in %.1fs", libs.Dir, time.Since(start).Seconds())
	return libs, nil
}

func (b *builder) buildMimalloc(ctx context.Context, dir, cc, lib string) error {
	obj := filepath.Join(dir, "mimalloc-static.o")
	argv := append([]string{cc}, mimallocCFlags...)
	argv = append(argv, "-I", "include", "-c", filepath.Join("src", "static.c"), "-o", obj)
	if _, err := b.run(ctx, debsrc.Step{What: "compiling mimalloc", Argv: argv, Dir: dir}); err != nil {
		return err
	}
	_, err := b.run(ctx, debsrc.Step{What: "archiving mimalloc", Argv: []string{"ar", "rcs", lib, obj}, Dir: dir})
	return err
}

func (b *builder) buildJemalloc(ctx context.Context, dir, cc, lib string) error {
	if _, err := os.Stat(filepath.Join(dir, "configure")); err != nil {
		if err := b.ensureTools(ctx, []distro.Need{distro.Autoconf}); err != nil {
			return fmt.Errorf("jemalloc's sources have no configure script: %w", err)
		}
		if _, err := b.run(ctx, debsrc.Step{What: "generating jemalloc's configure", Argv: []string{"autoconf"}, Dir: dir}); err != nil {
			return err
		}
	}
	if _, err := b.run(ctx, debsrc.Step{
		What: "configuring jemalloc", Argv: jemallocConfigure(b.arch), Dir: dir,
		Env: []string{"CC=" + cc, "CFLAGS=" + jemallocCFlags},
	}); err != nil {
		return err
	}
	target := filepath.Join("lib", "libjemalloc.a")
	if _, err := b.run(ctx, debsrc.Step{
		What: "compiling jemalloc", Argv: []string{"make", "-j" + strconv.Itoa(runtime.NumCPU()), target}, Dir: dir,
	}); err != nil {
		return err
	}
	return os.Rename(filepath.Join(dir, target), lib)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
