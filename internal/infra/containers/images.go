package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ImageOptions control BuildImage.
type ImageOptions struct {
	Tag string // "" for Distro.Image(), allocbench/<label>
	// Base overrides the recipe's BASE. When it is "" and LocalBase is set,
	// the base is BuildLocalBase's image (Debian only); otherwise the
	// recipe's default public image, which needs a registry.
	Base        string
	LocalBase   bool
	BaseOptions BaseOptions // for BuildLocalBase
	// Context is the build context for recipes that copy files in: the
	// module's root for alpine321. Others use an empty directory.
	Context string
	// StaticBinary is the static musl test binary, for the musl image.
	StaticBinary string
	NoCache      bool      // docker build --no-cache
	Log          io.Writer // build output; nil for none
}

// BuildImage builds the labelled image of the distribution with this label
// and returns its tag: `docker build [--build-arg BASE=...] -t <tag> -f
// <recipe> <context>`. Docker's layer cache makes a repeated build quick.
func BuildImage(ctx context.Context, label string, opts ImageOptions) (string, error) {
	d, err := Lookup(label)
	if err != nil {
		return "", err
	}
	tag := opts.Tag
	if tag == "" {
		tag = d.Image()
	}
	if d.Context == "binary" {
		if opts.StaticBinary == "" {
			return "", errors.New("the musl image needs the static musl test binary (ImageOptions.StaticBinary): " +
				"CC=musl-gcc go test -c -ldflags '-linkmode external -extldflags -static' ./bench")
		}
		return tag, BuildMuslImage(ctx, opts.StaticBinary, tag)
	}
	base := opts.Base
	if base == "" && opts.LocalBase {
		if d.LocalSuite == "" {
			return "", fmt.Errorf("%s has no local base (only %s do): pass its base image in ImageOptions.Base, or use a registry", label, localLabels())
		}
		if base, err = BuildLocalBase(ctx, d.LocalSuite, opts.BaseOptions); err != nil {
			return "", err
		}
	}
	contextDir := opts.Context
	if d.Context == "module" {
		if contextDir == "" {
			return "", fmt.Errorf("%s builds the test binary inside the image from the source: pass the module's root directory as ImageOptions.Context", label)
		}
		if _, err := os.Stat(filepath.Join(contextDir, "go.mod")); err != nil {
			return "", fmt.Errorf("%s: the build context must be the module's root (with go.mod): %w", label, err)
		}
	} else if contextDir == "" {
		empty, err := os.MkdirTemp("", "allocbench-ctx-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(empty)
		contextDir = empty
	}
	var extra []string
	if base != "" {
		extra = append(extra, "--build-arg", "BASE="+base)
	}
	if opts.NoCache {
		extra = append(extra, "--no-cache")
	}
	start := time.Now()
	if err := dockerBuild(ctx, d, tag, contextDir, opts.Log, extra...); err != nil {
		return "", err
	}
	logf(opts.Log, "docker build %s took %s\n", tag, time.Since(start).Round(time.Millisecond))
	return tag, nil
}

func localLabels() string {
	var l []string
	for _, d := range Distros() {
		if d.LocalSuite != "" {
			l = append(l, d.Label)
		}
	}
	return fmt.Sprint(l)
}

// dockerBuild writes the distribution's recipe to a temporary file and
// builds it with contextDir as the context.
func dockerBuild(ctx context.Context, d Distro, tag, contextDir string, log io.Writer, extra ...string) error {
	text, err := d.RecipeText()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "allocbench-recipe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	recipe := filepath.Join(dir, filepath.Base(d.Recipe))
	if err := os.WriteFile(recipe, text, 0o644); err != nil {
		return err
	}
	args := append([]string{"build"}, extra...)
	args = append(args, "-t", tag, "-f", recipe, contextDir)
	return run(ctx, log, nil, "docker", args...)
}

// muslOSRelease is the os-release of the musl scratch image, so its distro
// line names the image instead of saying unknown.
const muslOSRelease = `NAME="scratch (static musl)"
ID=scratch
PRETTY_NAME="scratch (static musl)"
`

// BuildMuslImage builds the musl image: FROM scratch with staticBinary
// copied to /opt/allocbench/<its name>, a small /etc/os-release and an
// empty world-writable /tmp (docker supplies /proc, /sys and /dev), labelled
// musl and tagged tag (allocbench/musl when ""). The binary must be static:
// the image has no dynamic linker or C library.
func BuildMuslImage(ctx context.Context, staticBinary, tag string) error {
	if tag == "" {
		tag = ImagePrefix + "musl"
	}
	d, err := Lookup("musl")
	if err != nil {
		return err
	}
	st, err := os.Stat(staticBinary)
	if err != nil {
		return fmt.Errorf("the static binary for the musl image: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("the static binary for the musl image: %s is not a file", staticBinary)
	}
	dir, err := os.MkdirTemp("", "allocbench-musl-ctx-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := filepath.Base(staticBinary)
	if err := os.MkdirAll(filepath.Join(dir, "rootfs", "etc"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "rootfs", "etc", "os-release"), []byte(muslOSRelease), 0o644); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "rootfs", "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o777|os.ModeSticky); err != nil { // not subject to umask
		return err
	}
	if err := copyFile(staticBinary, filepath.Join(dir, name), 0o755); err != nil {
		return err
	}
	return dockerBuild(ctx, d, tag, dir, nil, "--build-arg", "BINARY="+name)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
