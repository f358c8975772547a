package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/infra/muslalloc"
	"github.com/allocbench/allocbench/internal/sysinfo"
)

// buildVariants builds one test binary of ./bench per variant, in parallel,
// into a private temporary directory (0700) that the cells run them from,
// and copies them into the run's .bin for the record: nobody else can swap a
// binary before it runs. cleanup removes the private directory. A musl build
// whose allocator libraries cannot be built still runs musl's malloc and
// floor; the notes say what is missing and why.
func buildVariants(ctx context.Context, o options, d *runDir, log io.Writer) (variants []variant, notes []string, cleanup func(), err error) {
	cleanup = func() {}
	variants, notes, private, err := buildPrivate(ctx, o, log)
	if private != "" {
		cleanup = func() { os.RemoveAll(private) }
	}
	if err != nil || private == "" {
		return variants, notes, cleanup, err
	}
	if err := d.mkdir(".bin", 0o755); err != nil {
		return nil, nil, cleanup, fmt.Errorf("results directory: %w", err)
	}
	for _, v := range variants {
		if err := copyInto(d, filepath.Join(".bin", filepath.Base(v.argv[0])), v.argv[0]); err != nil {
			return nil, nil, cleanup, fmt.Errorf("keeping the test binary: %w", err)
		}
	}
	return variants, notes, cleanup, nil
}

// copyInto copies the file src to a new file name in the run's directory.
func copyInto(d *runDir, name, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := d.create(name, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// buildPrivate builds the variants' test binaries into a new private
// directory, which it returns ("" when -binaries named prebuilt ones).
func buildPrivate(ctx context.Context, o options, log io.Writer) ([]variant, []string, string, error) {
	var variants []variant
	for _, v := range o.variants {
		have, why := variantAllocs(v, sysinfo.Release(), true)
		variants = append(variants, variant{name: v, libc: v, allocs: have, why: why})
	}
	if o.binaries != nil {
		for i, v := range variants {
			p, ok := o.binaries[v.name]
			if !ok {
				return nil, nil, "", fmt.Errorf("-binaries names no binary for variant %s", v.name)
			}
			if _, err := os.Stat(p); err != nil {
				return nil, nil, "", fmt.Errorf("-binaries: %w", err)
			}
			variants[i].argv = []string{p}
		}
		return variants, nil, "", nil
	}
	root, err := moduleRoot(ctx, log)
	if err != nil {
		return nil, nil, "", err
	}
	// Everything both builds need is installed first, in one step: two
	// package managers at once would fight over their lock.
	notes, err := ensure(ctx, buildNeeds(o), o.noInstall, log)
	if err != nil {
		return nil, nil, "", err
	}
	binDir, err := os.MkdirTemp("", "allocbench-bin-")
	if err != nil {
		return nil, nil, "", fmt.Errorf("a private directory for the test binaries: %w", err)
	}
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); notes = append(notes, s); mu.Unlock() }
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for i, v := range variants {
		out := filepath.Join(binDir, v.name+".test")
		variants[i].argv = []string{out}
		switch v.name {
		case "glibc":
			g.Go(func() error {
				return goTestBuild(gctx, root, out, nil, nil, "")
			})
		case "musl":
			g.Go(func() error {
				ldflags := "-linkmode external -extldflags -static"
				env := []string{"CC=musl-gcc"}
				var tags []string
				if wantsMuslLibs(o.allocs) {
					cgoLDFlags, sources, skipped, err := buildMuslLibs(gctx, o.noInstall, log)
					if err != nil {
						note(fmt.Sprintf("musl: jemalloc and mimalloc could not be built for musl, so only musl's malloc and floor run there: %v", err))
						// The result file's alloc-<name> lines, and the
						// claims that need these allocators, say why.
						ldflags += " -X " + quoteX(modulePath+"/cgoalloc.staticSkipped="+muslalloc.FailedText(err))
					} else {
						env = append(env, "CGO_LDFLAGS="+cgoLDFlags)
						tags = []string{"allocbench_static"}
						ldflags += " -X " + quoteX(modulePath+"/cgoalloc.staticSources="+sources)
						if skipped != "" {
							ldflags += " -X " + quoteX(modulePath+"/cgoalloc.staticSkipped="+skipped)
						}
					}
				}
				return goTestBuild(gctx, root, out, env, tags, ldflags)
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, nil, binDir, err
	}
	fmt.Fprintf(log, "allocbench: built the test binaries in %s\n", time.Since(start).Round(time.Second))
	return variants, notes, binDir, nil
}

// wantsMuslLibs reports whether any chosen allocator is built for musl.
func wantsMuslLibs(allocs []string) bool {
	for _, a := range allocs {
		if s, err := alloc.Lookup(a); err == nil && s.MuslBuilt() {
			return true
		}
	}
	return false
}

// quoteX quotes a -X argument whose value holds spaces, as go's -ldflags
// parser wants it: the whole name=value in single quotes.
func quoteX(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "") + "'"
}

func goTestBuild(ctx context.Context, root, out string, env, tags []string, ldflags string) error {
	args := []string{"test", "-c", "-o", out}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	args = append(args, "./bench")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=1"), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, tail(string(msg), 2000))
	}
	return nil
}
