package muslalloc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/allocbench/allocbench/internal/infra/debsrc"
	"github.com/allocbench/allocbench/internal/infra/distro"
)

// baseNeeds are what every build uses, by the distribution table's names:
// gcc, musl-gcc, make, ar and nm, dpkg-source. autoconf is needed only when
// a jemalloc tarball comes without its configure script.
var baseNeeds = []distro.Need{distro.CC, distro.MuslCC, distro.Make, distro.Binutils, distro.DpkgDev}

// Needs returns what a build uses, by the names of package internal/infra/distro's
// table, so that a caller can install it beforehand, together with its own
// needs. apt-get itself, which fetches the sources, is not listed: nothing
// can install it.
func Needs() []distro.Need { return slices.Clone(baseNeeds) }

// Missing returns the needs of a build that are not on this system.
func Missing() []distro.Need { return distro.NewInstaller().Missing(baseNeeds) }

// ensureTools installs what is missing of ns, when it may: as root and
// without NoInstall. Otherwise, or where this distribution has no package
// for a need, it returns an error that says what to do.
func (b *builder) ensureTools(ctx context.Context, ns []distro.Need) error {
	in := b.installer
	in.Run = func(ctx context.Context, argv []string) ([]byte, error) {
		out, err := b.exec(ctx, debsrc.Step{Argv: argv, Env: []string{"DEBIAN_FRONTEND=noninteractive"}})
		if b.buildLog != nil {
			fmt.Fprintf(b.buildLog, "$ %s\n%s\n", debsrc.QuoteArgs(argv), out)
		}
		return out, err
	}
	notes, err := in.Ensure(ctx, ns, distro.Options{NoInstall: b.opts.NoInstall, Log: b.log, Prefix: "muslalloc: "})
	if err != nil {
		return fmt.Errorf("build tools: %w", err)
	}
	if len(notes) > 0 {
		return errors.New(strings.Join(notes, "; "))
	}
	return nil
}
