// Package containers is the container side of running the benchmarks in
// distribution containers: Dockerfile recipes for each distribution, local
// base images built with debootstrap where no registry can be reached, the
// scratch image for the static musl build, and the docker plumbing (a check
// that docker answers, and the `docker run` prefix for one benchmark cell).
//
// Every image is labelled allocbench.distro=<label> and tagged
// allocbench/<label>. The glibc images hold only the distribution and its
// packaged allocators: the host-built test binaries are bind-mounted
// read-only at /allocbench when a cell runs, so a cell measures the
// container's own glibc and allocators (the binary dlopens them). The musl
// scratch image runs the static musl build, bind-mounted the same way (and
// also copied into the image). Alpine cannot run the host's glibc binary and
// carries its own, built inside from the source tree (Distro.Binary).
//
// All docker work goes through the docker CLI exactly as the user has it set
// up (DOCKER_HOST, `docker context`); this package never talks to the
// daemon's socket itself.
package containers

import (
	"embed"
	"fmt"
	"sort"
	"strings"

	"github.com/allocbench/allocbench/internal/infra/distro"
	"github.com/allocbench/allocbench/internal/suggest"
)

//go:embed recipes/*.Dockerfile
var recipes embed.FS

// ImagePrefix is the repository part of every labelled image's tag:
// allocbench/<label>.
const ImagePrefix = "allocbench/"

// LabelKey is the image label that names the distribution.
const LabelKey = "allocbench.distro"

// Distro is one distribution the benchmarks can run in.
type Distro struct {
	Label       string // short name, also the image label and tag: debian12 → allocbench/debian12
	Recipe      string // the Dockerfile's path in the embedded recipes, e.g. "recipes/debian12.Dockerfile"
	DefaultBase string // the recipe's default BASE: the public image ("scratch" for musl)
	LocalSuite  string // Debian suite that BuildLocalBase can make a base for; "" when none
	Libc        string // "glibc" or "musl"

	// Packages are what the recipe installs (and BuildLocalBase puts into
	// the root file system): the distribution's allocator packages (from
	// package alloc's records), and CA certificates where the public image
	// lacks them.
	Packages []string
	// Binary is the absolute path of a test binary built into the image, for
	// distributions whose libc cannot run the host's binary; "" when cells
	// bind-mount the host's binary at /allocbench.
	Binary string
	// Context says what the recipe's build context must be: "" for an empty
	// directory, "module" for the repository root (the recipe COPYs the
	// source), "binary" for a directory BuildMuslImage prepares.
	Context string
}

// Image is the tag of the distribution's labelled image.
func (d Distro) Image() string { return ImagePrefix + d.Label }

// LocalBaseImage is the tag BuildLocalBase gives the distribution's base
// image, or "" when it has no LocalSuite.
func (d Distro) LocalBaseImage() string {
	if d.LocalSuite == "" {
		return ""
	}
	return "allocbench-base/debian:" + strings.TrimPrefix(d.Label, "debian")
}

// RecipeText returns the distribution's Dockerfile.
func (d Distro) RecipeText() ([]byte, error) {
	b, err := recipes.ReadFile(d.Recipe)
	if err != nil {
		return nil, fmt.Errorf("recipe for %s: %w", d.Label, err)
	}
	return b, nil
}

// catalogue is a distribution for every release of package
// internal/infra/distro's record, and the static musl image. All but the
// recipe's text follows from the record: the public image, the allocator
// packages of the allocators' records (with CA certificates on Debian and
// Ubuntu, whose images come without them; Alpine's and Rocky's have them),
// a local debootstrap base for Debian
// (debootstrap builds Debian's suites, by codename), and a test binary built
// inside where the C library is musl (the host's glibc binary cannot run
// there). The recipes' install steps are generated from the same record (go
// generate ./internal/infra/distro).
var catalogue = func() []Distro {
	var out []Distro
	for _, r := range distro.Releases() {
		ns := distro.Allocators()
		if r.Manager == distro.Apt {
			ns = append(ns, distro.CACerts)
		}
		d := Distro{
			Label: r.Label, Recipe: "recipes/" + r.Label + ".Dockerfile", DefaultBase: r.Image,
			Libc: r.Libc, Packages: r.PackageNames(ns...),
		}
		if r.ID == "debian" {
			d.LocalSuite = r.Codename
		}
		if r.Libc == "musl" {
			d.Binary, d.Context = "/opt/allocbench/bench.test", "module"
		}
		out = append(out, d)
	}
	return append(out, Distro{
		Label: "musl", Recipe: "recipes/musl.Dockerfile", DefaultBase: "scratch",
		Libc:    "musl",
		Context: "binary",
	})
}()

// Distros returns the catalogue, in a fixed order.
func Distros() []Distro {
	out := make([]Distro, len(catalogue))
	for i, d := range catalogue {
		d.Packages = append([]string(nil), d.Packages...)
		out[i] = d
	}
	return out
}

// Labels returns every distribution label, sorted.
func Labels() []string {
	var l []string
	for _, d := range catalogue {
		l = append(l, d.Label)
	}
	sort.Strings(l)
	return l
}

// Lookup returns the distribution with the given label; the error names the
// valid labels.
func Lookup(label string) (Distro, error) {
	for _, d := range Distros() {
		if d.Label == label {
			return d, nil
		}
	}
	return Distro{}, fmt.Errorf("unknown distribution %q%s (valid: %s)", label, suggest.DidYouMean(label, Labels()), strings.Join(Labels(), ", "))
}
