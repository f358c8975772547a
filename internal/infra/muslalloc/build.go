package muslalloc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/infra/debsrc"
	"github.com/allocbench/allocbench/internal/infra/distro"
)

// The recipe is generic: each record's musl build (package alloc) says
// which source package, which build style, which flags, which archive and
// which symbols; what every build shares is what a static, non-overriding
// musl library needs: musl-gcc, no shared library, no debug information,
// and an nm check that the archive defines its prefixed entry points and
// none of the C library's. Change RecipeVersion with any of it, here or in
// a record's musl build.

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
func (b *builder) archiveVersion(ctx context.Context, apt *debsrc.Apt, p recipe) (source, version string, err error) {
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

// fetchOne fetches r's source package alone. When the archive does not
// serve the version k names, it takes the newest version of the other
// Debian release (debsrc.OtherRelease) instead, updates k and sources to
// it and says so in fallback; when that fails too, the error names both.
func (b *builder) fetchOne(ctx context.Context, apt *debsrc.Apt, srcDir string, r recipe, k cacheKey,
	sources, fallback map[string]string) error {
	src, v := sources[r.Name], k.Versions[r.Name]
	_, err := b.run(ctx, apt.Download(srcDir, src+"="+v))
	if err == nil || !errors.Is(err, ErrFetch) {
		return err
	}
	other := debsrc.OtherRelease(b.system)
	if other == "" {
		return err
	}
	b.logf("%s %s cannot be fetched; trying %s's sources", src, v, other)
	ov, oerr := b.otherVersion(ctx, other, r)
	if oerr == nil {
		_, oerr = b.run(ctx, b.other.Download(srcDir, r.Source+"="+ov))
	}
	if oerr != nil {
		return fmt.Errorf("%w\nand from %s's sources: %v", err, other, oerr)
	}
	fallback[r.Name] = fmt.Sprintf("%s's source %s, as %s %s could not be fetched", other, ov, src, v)
	b.logf("%s: building %s", r.Name, fallback[r.Name])
	sources[r.Name], k.Versions[r.Name] = r.Source, ov
	return nil
}

// otherVersion is the newest version of r's source package in the
// release other's index, which it makes and updates the first time.
func (b *builder) otherVersion(ctx context.Context, other string, r recipe) (string, error) {
	if b.other == nil {
		apt, err := debsrc.PrivateRelease(filepath.Join(b.opts.CacheDir, "apt-"+other), b.system, other)
		if err != nil {
			return "", err
		}
		b.logf("updating the private source index of %s (deb-src %s)", other, apt.Describe())
		if _, err := b.run(ctx, apt.Update()); err != nil {
			return "", err
		}
		b.other = apt
	}
	out, err := b.run(ctx, b.other.Showsrc(r.Source))
	if err != nil {
		return "", err
	}
	v, err := debsrc.NewestVersion(ctx, debsrc.ParseShowsrcVersions(string(out), r.Source))
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", fmt.Errorf("no source package %s in %s's index: %w", r.Source, other, ErrFetch)
	}
	return v, debsrc.CheckVersion(r.Source, v)
}

// cxxProbe is the smallest C++ unit that needs the C++ standard library's
// headers.
const cxxProbe = "#include <new>\nint main() { int *p = new int(1); int v = *p; delete p; return v - 1; }\n"

// probeLang checks that cc compiles lang before any source is fetched for
// it; the error is the compiler's first complaint.
func (b *builder) probeLang(ctx context.Context, work, cc, lang string) error {
	if lang != "c++" {
		return nil
	}
	src := filepath.Join(work, "probe.cc")
	if err := os.WriteFile(src, []byte(cxxProbe), 0o644); err != nil {
		return err
	}
	out, err := b.run(ctx, debsrc.Step{What: "compiling C++ with " + cc,
		Argv: []string{cc, "-x", "c++", "-c", src, "-o", filepath.Join(work, "probe.o")}, Dir: work})
	if err != nil {
		for _, line := range strings.Split(string(out), "\n") {
			i := strings.Index(line, "fatal error")
			if i < 0 {
				i = strings.Index(line, "error")
			}
			if i >= 0 {
				return fmt.Errorf("%s cannot compile C++: %s", cc, strings.TrimSpace(line[i:]))
			}
		}
		return err
	}
	return nil
}

// buildEntry fetches, unpacks and builds every recipe in a work
// directory, checks the archives, and renames the result into place. A
// recipe whose record expects it to fail is skipped with the failure.
func (b *builder) buildEntry(ctx context.Context, apt *debsrc.Apt, k cacheKey, sources map[string]string) (Libs, error) {
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

	skipped := map[string]string{}
	// fallback: the recipes built from the other release's sources.
	fallback := map[string]string{}
	// fail records a recipe's failure: a skip when the record expects it,
	// else the build's error.
	fail := func(r recipe, err error) error {
		if r.Expected == "" {
			return err
		}
		skipped[r.Name] = err.Error()
		b.logf("%s: not built (%v); the record expects it: %s", r.Name, err, r.Expected)
		return nil
	}
	var todo []recipe
	for _, r := range recipes() {
		if err := b.probeLang(ctx, work, k.CC, r.Lang); err != nil {
			if err := fail(r, err); err != nil {
				return Libs{}, err
			}
			continue
		}
		todo = append(todo, r)
	}
	if len(todo) > 0 {
		var pkgs, names []string
		for _, r := range todo {
			pkgs = append(pkgs, sources[r.Name]+"="+k.Versions[r.Name])
			names = append(names, sources[r.Name]+" "+k.Versions[r.Name])
		}
		b.logf("fetching %s (apt-get source)", strings.Join(names, ", "))
		if _, err := b.run(ctx, apt.Download(srcDir, pkgs...)); err != nil {
			if !errors.Is(err, ErrFetch) {
				return Libs{}, err
			}
			// One at a time, each from the other release's sources
			// where this release's version cannot be fetched.
			for _, r := range todo {
				if err := b.fetchOne(ctx, apt, srcDir, r, k, sources, fallback); err != nil {
					return Libs{}, err
				}
			}
			if libs, ok := b.cached(k); ok { // the other release's, built before
				b.logf("using %s (cached)", libs.Dir)
				return libs, nil
			}
		}
	}
	files := map[string]string{}
	for _, r := range todo {
		t := time.Now()
		src, v := sources[r.Name], k.Versions[r.Name]
		dir := filepath.Join(work, src)
		dsc := filepath.Join(srcDir, src+"_"+debsrc.StripEpoch(v)+".dsc")
		if _, err := b.run(ctx, debsrc.Step{What: "unpacking " + src + " " + v + " with its Debian patches",
			Argv: []string{"dpkg-source", "-x", dsc, dir}}); err != nil {
			return Libs{}, err
		}
		b.logf("building %s (%s %s, %s) with %s", r.Name, src, v, r.Style, k.CC)
		lib := filepath.Join(out, r.Archive)
		err := b.buildOne(ctx, r, dir, k.CC, lib)
		if err == nil {
			err = b.checkArchive(ctx, r, lib)
		}
		if err != nil {
			if err := fail(r, err); err != nil {
				return Libs{}, err
			}
			os.Remove(lib)
			continue
		}
		sum, err := fileSHA256(lib)
		if err != nil {
			return Libs{}, err
		}
		files[r.Archive] = sum
		b.logf("built %s in %.1fs", r.Name, time.Since(t).Seconds())
	}

	libs := k.libs(filepath.Join(b.opts.CacheDir, k.dirName()), skipped, fallback)
	recipe := map[string]any{}
	for _, r := range recipes() {
		recipe[r.Name] = r.MuslBuild
	}
	m := manifest{
		Key:      k.String(),
		Sources:  libs.Sources(),
		SHA256:   files,
		Skipped:  skipped,
		Fallback: fallback,
		Built:    time.Now().UTC().Truncate(time.Second),
		Seconds:  time.Since(start).Seconds(),
		Recipe:   recipe,
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

// checkArchive lists the archive's symbols with nm and checks them.
func (b *builder) checkArchive(ctx context.Context, r recipe, lib string) error {
	nm, err := b.run(ctx, debsrc.Step{What: "listing the symbols of " + r.Archive, Argv: []string{"nm", "-g", "--defined-only", "-P", lib}})
	if err != nil {
		return err
	}
	return checkSymbols(string(nm), r.Archive, r.Symbols)
}

// buildOne builds one recipe's archive from the unpacked sources in dir
// into lib.
func (b *builder) buildOne(ctx context.Context, r recipe, dir, cc, lib string) error {
	jobs := "-j" + strconv.Itoa(runtime.NumCPU())
	flags := strings.Join(r.CFlags, " ")
	env := []string{"CC=" + cc, "CFLAGS=" + flags}
	if r.Lang == "c++" {
		// musl-gcc wraps the C compiler only; the C++ compiler is the
		// same driver with C++ selected.
		env = append(env, "CXX="+cc+" -x c++", "CXXFLAGS="+flags)
	}
	switch r.Style {
	case alloc.BuildUnits:
		var objs []string
		for i, u := range r.Units {
			obj := filepath.Join(dir, fmt.Sprintf("allocbench-%d.o", i))
			argv := append([]string{cc}, r.CFlags...)
			for _, inc := range r.Include {
				argv = append(argv, "-I", inc)
			}
			argv = append(argv, "-c", filepath.FromSlash(u), "-o", obj)
			if _, err := b.run(ctx, debsrc.Step{What: "compiling " + r.Name + " " + u, Argv: argv, Dir: dir}); err != nil {
				return err
			}
			objs = append(objs, obj)
		}
		_, err := b.run(ctx, debsrc.Step{What: "archiving " + r.Name, Argv: append([]string{"ar", "rcs", lib}, objs...), Dir: dir})
		return err
	case alloc.BuildConfigure:
		if _, err := os.Stat(filepath.Join(dir, "configure")); err != nil {
			if err := b.ensureTools(ctx, []distro.Need{distro.Autoconf}); err != nil {
				return fmt.Errorf("%s's sources have no configure script: %w", r.Source, err)
			}
			if _, err := b.run(ctx, debsrc.Step{What: "generating " + r.Source + "'s configure", Argv: []string{"autoreconf", "-fi"}, Dir: dir}); err != nil {
				return err
			}
		}
		if _, err := b.run(ctx, debsrc.Step{
			What: "configuring " + r.Name, Argv: append([]string{"./configure"}, r.ConfigureArgs(b.arch)...), Dir: dir, Env: env,
		}); err != nil {
			return err
		}
		if _, err := b.run(ctx, debsrc.Step{What: "compiling " + r.Name, Argv: []string{"make", jobs, r.Target}, Dir: dir}); err != nil {
			return err
		}
		return os.Rename(filepath.Join(dir, filepath.FromSlash(r.Target)), lib)
	case alloc.BuildCMake:
		if _, err := b.lookPath("cmake"); err != nil {
			return fmt.Errorf("%s builds with CMake, and cmake is not installed", r.Source)
		}
		build := filepath.Join(dir, "allocbench-build")
		argv := append([]string{"cmake", "-S", dir, "-B", build}, r.ConfigureArgs(b.arch)...)
		if _, err := b.run(ctx, debsrc.Step{What: "configuring " + r.Name, Argv: argv, Dir: dir, Env: env}); err != nil {
			return err
		}
		if _, err := b.run(ctx, debsrc.Step{What: "compiling " + r.Name, Argv: []string{"cmake", "--build", build, "--target", r.Target, "--", jobs}, Dir: dir}); err != nil {
			return err
		}
		found, _ := filepath.Glob(filepath.Join(build, "*", r.Archive))
		if len(found) == 0 {
			found, _ = filepath.Glob(filepath.Join(build, r.Archive))
		}
		if len(found) == 0 {
			return fmt.Errorf("%s's CMake build wrote no %s", r.Source, r.Archive)
		}
		return os.Rename(found[0], lib)
	}
	return fmt.Errorf("%s: unknown build style %q", r.Name, r.Style)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
