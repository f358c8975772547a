package glibcbench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/allocbench/allocbench/internal/infra/debsrc"
)

const sourcesManifest = "sources.json"

// sourcesRecord is written last into a sources directory.
type sourcesRecord struct {
	Source  string            `json:"source"`
	Version string            `json:"version"`
	Tarball string            `json:"tarball"`
	Files   map[string]string `json:"files"` // name -> SHA-256
	// Patches is the number of Debian patches checked: none of them
	// changes Files.
	Patches int       `json:"patches-checked"`
	Fetched time.Time `json:"fetched"`
}

// cachedSources reads the record of a sources directory and checks every
// file against it.
func cachedSources(dir, source, version string) (sourcesRecord, bool) {
	data, err := os.ReadFile(filepath.Join(dir, sourcesManifest))
	if err != nil {
		return sourcesRecord{}, false
	}
	var r sourcesRecord
	if json.Unmarshal(data, &r) != nil || r.Source != source || r.Version != version || len(r.Files) != len(sourceFiles) {
		return sourcesRecord{}, false
	}
	for _, f := range sourceFiles {
		sum, err := fileSHA256(filepath.Join(dir, f))
		if err != nil || sum != r.Files[f] {
			return sourcesRecord{}, false
		}
	}
	return r, true
}

// fetchSources fetches the source package, takes the four files out of
// its upstream tarball, checks that none of Debian's patches changes them,
// and puts them in dest, whole or not at all.
func (b *builder) fetchSources(ctx context.Context, source, version, dest string) error {
	work, err := os.MkdirTemp(b.opts.CacheDir, ".work-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	apt, err := debsrc.Private(filepath.Join(b.opts.CacheDir, "apt"), b.system)
	if err != nil {
		return err
	}
	b.logf("updating the private source index (deb-src %s)", apt.Describe())
	if _, err := b.run(ctx, apt.Update()); err != nil {
		return err
	}
	download := filepath.Join(work, "download")
	upstream := filepath.Join(work, "upstream")
	debian := filepath.Join(work, "debian")
	out := filepath.Join(work, "src")
	for _, d := range []string{download, upstream, debian, out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	t := time.Now()
	b.logf("fetching %s %s (apt-get source --download-only)", source, version)
	if _, err := b.run(ctx, apt.Download(download, source+"="+version)); err != nil {
		return err
	}
	b.logf("fetched in %.1fs", time.Since(t).Seconds())
	tarball, err := findTarball(download, source+"_"+debsrc.UpstreamVersion(version)+".orig")
	if err != nil {
		return err
	}
	changes, err := findTarball(download, source+"_"+debsrc.StripEpoch(version)+".debian")
	if err != nil {
		return err
	}

	argv := []string{"tar", "-xf", tarball, "-C", upstream, "--wildcards"}
	for _, f := range sourceFiles {
		argv = append(argv, "*/benchtests/"+f)
	}
	if _, err := b.run(ctx, debsrc.Step{What: "taking benchtests out of " + filepath.Base(tarball), Argv: argv}); err != nil {
		return err
	}
	rec := sourcesRecord{Source: source, Version: version, Tarball: filepath.Base(tarball), Files: map[string]string{}}
	for _, f := range sourceFiles {
		from, err := findOne(upstream, filepath.Join("*", "benchtests", f))
		if err != nil {
			return err
		}
		to := filepath.Join(out, f)
		if err := os.Rename(from, to); err != nil {
			return err
		}
		if rec.Files[f], err = fileSHA256(to); err != nil {
			return err
		}
	}

	if _, err := b.run(ctx, debsrc.Step{What: "unpacking " + filepath.Base(changes), Argv: []string{"tar", "-xf", changes, "-C", debian}}); err != nil {
		return err
	}
	n, touching, err := patchesTouching(filepath.Join(debian, "debian", "patches"), sourceFiles)
	if err != nil {
		return err
	}
	if len(touching) > 0 {
		return fmt.Errorf("glibc %s: Debian's patches change %s: the upstream files alone would not be the distribution's benchmark, and applying Debian's patches is not part of this build; %w",
			version, strings.Join(touching, ", "), errChanged)
	}
	rec.Patches = n
	b.logf("none of Debian's %d patches changes benchtests/{%s}", n, strings.Join(sourceFiles, ","))

	rec.Fetched = time.Now().UTC().Truncate(time.Second)
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, sourcesManifest), append(data, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	// A directory with this name can only be one that failed the check
	// in cachedSources; replace it.
	if err := os.RemoveAll(dest); err != nil {
		return err
	}
	if err := os.Rename(out, dest); err != nil {
		return err
	}
	b.logf("sources in %s", dest)
	return nil
}

// tarSuffix is the compressed tarball suffixes of a source package.
var tarSuffix = regexp.MustCompile(`\.tar\.(xz|gz|bz2|lzma|zst)$`)

// findTarball is the one tarball name.tar.* in dir (not its signature).
func findTarball(dir, name string) (string, error) {
	m, _ := filepath.Glob(filepath.Join(dir, name+".tar.*"))
	var found []string
	for _, p := range m {
		if tarSuffix.MatchString(p) {
			found = append(found, p)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return "", fmt.Errorf("want one %s.tar.{xz,gz,bz2,lzma,zst} in %s, found %d (there: %s)", name, dir, len(found), strings.Join(dirNames(dir), ", "))
}

func dirNames(dir string) []string {
	var names []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// findOne is the one file that pattern matches under dir.
func findOne(dir, pattern string) (string, error) {
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	if len(m) == 1 {
		return m[0], nil
	}
	if len(m) == 0 {
		return "", fmt.Errorf("no %s in %s (there: %s)", pattern, dir, strings.Join(dirNames(dir), ", "))
	}
	return "", fmt.Errorf("%d files match %s in %s: %s", len(m), pattern, dir, strings.Join(m, ", "))
}

// patchesTouching reads the quilt series in dir and returns how many
// patches it lists and "patch (benchtests/file)" for each patch that
// changes one of files. A package without a series has no patches.
func patchesTouching(dir string, files []string) (int, []string, error) {
	series, err := os.ReadFile(filepath.Join(dir, "series"))
	if os.IsNotExist(err) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	n := 0
	var touching []string
	for _, line := range strings.Split(string(series), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		n++
		changed, err := changedFiles(filepath.Join(dir, f[0]))
		if err != nil {
			return 0, nil, fmt.Errorf("reading Debian's patch %s: %w", f[0], err)
		}
		for _, want := range files {
			if changed["benchtests/"+want] {
				touching = append(touching, fmt.Sprintf("%s (benchtests/%s)", f[0], want))
			}
		}
	}
	sort.Strings(touching)
	return n, touching, nil
}

// changedFiles lists the paths a unified diff changes, without their first
// component ("a/", "glibc-2.36/").
func changedFiles(patch string) (map[string]bool, error) {
	f, err := os.Open(patch)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "--- ") && !strings.HasPrefix(line, "+++ ") {
			continue
		}
		fields := strings.Fields(line[4:])
		if len(fields) == 0 {
			continue
		}
		if _, rest, ok := strings.Cut(fields[0], "/"); ok {
			out[rest] = true
		}
	}
	return out, sc.Err()
}
