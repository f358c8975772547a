package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/allocbench/allocbench/bench"
	"github.com/allocbench/allocbench/internal/futex"
	"github.com/allocbench/allocbench/internal/infra/containers"
)

// cellEnvNames are passed into a container by name: docker run -e NAME
// takes the value from the docker command's own environment, which each
// cell sets.
var cellEnvNames = []string{"ALLOCBENCH_VARIANT", "ALLOCBENCH_THREADS", "ALLOCBENCH_FUTEX", bench.FreshEnv, "ALLOCBENCH_REQUIRE"}

type containerOptions struct {
	options
	images       []string
	bases        map[string]string
	local        bool
	cpus, memory string
	futexTracing tracingMode
}

// tracingMode is -futex-tracing: whether the containers run the exact futex
// method themselves, and with what.
type tracingMode string

const (
	// tracingHost: the host's tracer measures the containers' threads.
	tracingHost tracingMode = "off"
	// tracingCaps: the containers trace themselves with CAP_BPF and
	// CAP_PERFMON; on an engine that knows neither, the host's tracer
	// does it.
	tracingCaps tracingMode = "on"
	// tracingAdmin: as tracingCaps, but an engine that knows neither
	// capability gives the containers CAP_SYS_ADMIN.
	tracingAdmin tracingMode = "admin"
)

func (m *tracingMode) String() string {
	if m == nil || *m == "" {
		return string(tracingHost)
	}
	return string(*m)
}

// IsBoolFlag lets -futex-tracing alone mean -futex-tracing=on.
func (m *tracingMode) IsBoolFlag() bool { return true }

func (m *tracingMode) Set(s string) error {
	switch s {
	case "true", "on":
		*m = tracingCaps
	case "false", "off":
		*m = tracingHost
	case "admin":
		*m = tracingAdmin
	default:
		return fmt.Errorf("%q is not on (or no value), off or admin", s)
	}
	return nil
}

// inside reports whether the containers are to trace themselves.
func (m tracingMode) inside() bool { return m == tracingCaps || m == tracingAdmin }

// runContainers is `allocbench containers`: build each distribution's image,
// run the benchmark cells inside it (one docker run per cell, the test
// binaries mounted read-only), and compare the containers side by side.
func runContainers(args []string, stdout, stderr io.Writer) error {
	co, err := parseContainerFlags(args, stderr)
	return start(err, func(ctx context.Context) error { return runContainerJob(ctx, co, stdout, stderr) })
}

func parseContainerFlags(args []string, stderr io.Writer) (containerOptions, error) {
	fs := flag.NewFlagSet("allocbench containers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	images := fs.String("images", "debian12,debian13,musl", "comma-separated distributions: "+strings.Join(containers.Labels(), ", "))
	bases := fs.String("base", "", "base images to use instead of the defaults, label=image,... (e.g. ubuntu2404=ubuntu:24.04)")
	local := fs.Bool("local", true, "build Debian bases locally with debootstrap (no registry needed)")
	cpus := fs.String("cpus", "", "run the containers under this CPU quota (docker run --cpus)")
	memory := fs.String("memory", "", "run the containers under this memory limit (docker run --memory)")
	tracing := tracingHost
	fs.Var(&tracing, "futex-tracing", "run the exact futex method inside the containers instead of on this host: gives them CAP_BPF, CAP_PERFMON and the host's tracefs read-only (seccomp=unconfined on Docker before 23.0); where the engine knows neither capability, the host's tracer measures them, unless =admin gives them CAP_SYS_ADMIN instead")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nusage: allocbench containers [flags]\n\n"+
			"It builds each distribution's image (Debian bases locally with debootstrap\n"+
			"unless -local=false), runs every cell in a container of its own and writes one\n"+
			"result file per distribution. It installs what the host build lacks as the\n"+
			"main job does, as root, unless -no-install is given.\n\nflags (the main job's, with -base, -cpus, -futex-tracing, -images, -local and -memory):\n", containersSummary)
		fs.PrintDefaults()
	}
	o, err := parseJobFlags(fs, args)
	if err != nil {
		return containerOptions{}, err
	}
	co := containerOptions{options: o, local: *local, cpus: *cpus, memory: *memory, futexTracing: tracing, bases: map[string]string{}}
	for _, l := range strings.Split(*images, ",") {
		l = strings.TrimSpace(l)
		if _, err := containers.Lookup(l); err != nil {
			return co, fmt.Errorf("-images: %w", err)
		}
		if !slices.Contains(co.images, l) {
			co.images = append(co.images, l)
		}
	}
	if *bases != "" {
		for _, kv := range strings.Split(*bases, ",") {
			label, image, ok := strings.Cut(kv, "=")
			if _, err := containers.Lookup(label); !ok || err != nil || image == "" {
				return co, fmt.Errorf("-base: %q is not label=image (labels: %s)", kv, strings.Join(containers.Labels(), ", "))
			}
			co.bases[label] = image
		}
	}
	if co.cpus != "" {
		if f, err := strconv.ParseFloat(co.cpus, 64); err != nil || f <= 0 {
			return co, fmt.Errorf("-cpus %q is not a positive number of CPUs (e.g. 1 or 1.5)", co.cpus)
		}
	}
	return co, nil
}

func runContainerJob(ctx context.Context, co containerOptions, stdout, stderr io.Writer) (err error) {
	if err := needLinux("allocbench containers"); err != nil {
		return err
	}
	if err := containers.CheckDocker(ctx); err != nil {
		return err
	}
	if err := removeStaleContainers(ctx, stdout); err != nil {
		return err
	}
	rd, note, err := createRunDir(co.results, now())
	if err != nil {
		return err
	}
	defer rd.Close()
	defer func() {
		if err != nil {
			rd.discardUnused(stderr)
		}
	}()
	fmt.Fprintf(stdout, "allocbench: results in %s%s\n", rd.dir, note)
	if n := envNotice(co.env); n != "" {
		fmt.Fprintf(stdout, "allocbench: %s\n", n)
	}

	// The host builds the test binaries once: the glibc one runs in every
	// glibc distribution against that distribution's own libc and
	// allocators; the static musl one runs in an empty image.
	builds := options(co.options)
	builds.variants = nil
	for _, l := range co.images {
		d, _ := containers.Lookup(l)
		if d.Context == "module" {
			continue // built inside its image from the sources
		}
		if !slices.Contains(builds.variants, d.Libc) {
			builds.variants = append(builds.variants, d.Libc)
		}
	}
	hostBuilt := map[string]variant{}
	var notes []string
	if len(builds.variants) > 0 {
		built, buildNotes, cleanup, err := buildVariants(ctx, builds, rd, stderr)
		defer cleanup()
		if err != nil {
			return err
		}
		notes = buildNotes
		for _, v := range built {
			hostBuilt[v.libc] = v
		}
	}

	// The exact futex method runs here, for the containers' threads,
	// unless the containers trace themselves.
	host := startFutexHost(ctx, co.futex, co.futexTracing.inside())
	defer func() { host.Close() }()
	if d := host.describe(); d != "" {
		fmt.Fprintf(stdout, "allocbench: %s\n", d)
	}
	var tracing containers.RunOptions
	tracingKnown := false

	var variants []variant
	for _, l := range co.images {
		d, _ := containers.Lookup(l)
		opts := containers.ImageOptions{Base: co.bases[l], LocalBase: co.local, Log: stderr,
			BaseOptions: containers.BaseOptions{NoInstall: co.noInstall, Log: stderr}}
		binary := ""
		if hb, ok := hostBuilt[d.Libc]; ok && d.Context != "module" {
			binary = hb.argv[0]
			opts.StaticBinary = binary
		}
		if d.Context == "module" {
			root, err := moduleRoot(ctx, stderr)
			if err != nil {
				return err
			}
			opts.Context = root
		}
		fmt.Fprintf(stderr, "allocbench: building image %s\n", d.Image())
		image, err := containers.BuildImage(ctx, l, opts)
		if err != nil {
			return fmt.Errorf("image %s: %w", l, err)
		}
		// The cells' variables and those passed on with -env go into the
		// container by name, from the docker command's environment.
		if co.futexTracing.inside() && !tracingKnown {
			var note string
			if tracing, note, err = tracingOptions(ctx, image, co.futexTracing); err != nil {
				return err
			}
			tracingKnown = true
			fmt.Fprintf(stdout, "allocbench: -futex-tracing: %s\n", note)
			if !tracing.FutexTracing {
				// The engine cannot give the containers what they need:
				// the host's tracer measures them after all.
				host.Close()
				host = startFutexHost(ctx, co.futex, false)
				if d := host.describe(); d != "" {
					fmt.Fprintf(stdout, "allocbench: %s\n", d)
				}
			}
		}
		run := tracing
		run.CPUs, run.Memory = co.cpus, co.memory
		run.Env = append(append([]string(nil), cellEnvNames...), envNames(co.env)...)
		host.runOptions(&run)
		// The binaries are mounted from the private directory they were
		// built in, not from the results directory; an image that builds
		// its own gets an empty one.
		binDir := filepath.Dir(binary)
		if binary == "" {
			empty, err := os.MkdirTemp("", "allocbench-empty-")
			if err != nil {
				return err
			}
			defer os.Remove(empty)
			binDir = empty
		}
		inside := containers.BinMount + "/" + filepath.Base(binary)
		if d.Context == "module" {
			inside = d.Binary
		}
		have, why := variantAllocs(d.Libc, d.Label, false)
		variants = append(variants, variant{
			name:   l,
			libc:   d.Libc,
			allocs: have,
			why:    why,
			argv:   append(containers.RunPrefix(image, binDir, run), inside),
		})
	}
	return runMatrix(ctx, co.options, variants, notes, rd, stdout, stderr)
}

// tracingOptions are the run options of -futex-tracing: the smallest set
// with which the exact method works inside a container (see
// containers.RunOptions.FutexTracing), with this host's tracefs; see
// tracingPlan.
func tracingOptions(ctx context.Context, image string, mode tracingMode) (run containers.RunOptions, note string, err error) {
	tracefs, _, err := futex.Tracefs()
	if err != nil {
		return run, "", fmt.Errorf("-futex-tracing: %w", err)
	}
	version, err := containers.EngineVersion(ctx)
	if err != nil {
		return run, "", fmt.Errorf("-futex-tracing: %w", err)
	}
	knows, err := containers.KnowsBPFCaps(ctx, image)
	if err != nil {
		return run, "", fmt.Errorf("-futex-tracing: %w", err)
	}
	run, note = tracingPlan(mode, version, knows, tracefs)
	return run, note, nil
}

// tracingPlan decides what the containers get for -futex-tracing from the
// engine's version and whether it knows CAP_BPF and CAP_PERFMON. Engines
// that know them but whose default seccomp profile keeps bpf() from them
// get seccomp off. Engines that know neither would need CAP_SYS_ADMIN,
// which only -futex-tracing=admin gives; otherwise the containers trace
// nothing themselves (run.FutexTracing is false) and the host's tracer
// measures them. note says which.
func tracingPlan(mode tracingMode, version string, knows bool, tracefs string) (run containers.RunOptions, note string) {
	run = containers.RunOptions{FutexTracing: true, Tracefs: tracefs}
	switch {
	case !knows && mode != tracingAdmin:
		return containers.RunOptions{}, fmt.Sprintf("docker %s knows neither CAP_BPF nor CAP_PERFMON, so the containers do not trace themselves: the host's tracer measures them (-futex-tracing=admin gives them CAP_SYS_ADMIN instead)", version)
	case !knows:
		run.SysAdmin = true
		note = fmt.Sprintf("docker %s knows neither CAP_BPF nor CAP_PERFMON, so the containers get CAP_SYS_ADMIN (-futex-tracing=admin)", version)
	case containers.TracingNeedsSeccomp(version):
		run.SeccompUnconfined = true
		note = fmt.Sprintf("the containers get CAP_BPF and CAP_PERFMON, and seccomp=unconfined: docker %s's default profile allows bpf() only to CAP_SYS_ADMIN", version)
	default:
		note = "the containers get CAP_BPF and CAP_PERFMON"
	}
	return run, note + ", and " + tracefs + " read-only"
}
