package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/docs"
)

// docsBenchstat is the start of the benchstat command for the main
// job's files in the docs (docs/comparing.md).
const docsBenchstat = "go tool benchstat "

// The docs' benchstat command, run as printed on a glibc.txt and a
// musl.txt written the way the main job writes them, compares glibc with
// musl in one table per metric: the configuration lines that differ
// between the variants (libc, alloc-*) split nothing.
func TestDocsBenchstatComparesVariants(t *testing.T) {
	if testing.Short() {
		t.Skip("builds benchstat")
	}
	data, err := docs.Read("../..")
	require.NoError(t, err)
	var command string
	for _, line := range strings.Split(data, "\n") {
		if strings.HasPrefix(line, docsBenchstat) && strings.Contains(line, "glibc=results/X/glibc.txt") {
			command = line
			break
		}
	}
	require.NotEmpty(t, command, "the docs have a %q command on results/X/glibc.txt", docsBenchstat)
	require.Contains(t, command, "musl=results/X/musl.txt")

	d, _, err := createRunDir(t.TempDir(), time.Now())
	require.NoError(t, err)
	defer d.Close()
	for _, v := range []struct {
		name   string
		config []string
		ns     float64
	}{
		{"glibc", []string{
			"libc: glibc", "libc-version: 2.36", "libc-path: /usr/lib/x86_64-linux-gnu/libc.so.6",
			"alloc-libc: glibc 2.36 served-by=/usr/lib/x86_64-linux-gnu/libc.so.6",
			"alloc-jemalloc: 5.3.0 library=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 served-by=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
			"alloc-floor: harness served-by=allocbench",
			"kernel: 6.1.0-18-amd64", "numcpu: 2", "cgroup-cpu-quota: none",
			"harness-glibc_tunables: glibc.rtld.optional_static_tls=16384 (added by the harness to load jemalloc)",
			"futex-method: tracepoint",
			"goos: linux", "goarch: amd64", "pkg: github.com/allocbench/allocbench/bench", "cpu: AMD EPYC",
		}, 10},
		{"musl", []string{
			"libc: musl", "libc-version: 1.2.3", "libc-path: /tmp/allocbench-bin-1/musl.test (static)",
			"alloc-libc: musl 1.2.3 served-by=/tmp/allocbench-bin-1/musl.test",
			"alloc-jemalloc: skipped: jemalloc: this binary is linked statically against musl and cannot load libjemalloc.so.2",
			"alloc-floor: harness served-by=allocbench",
			"kernel: 6.1.0-18-amd64", "numcpu: 2", "cgroup-cpu-quota: none",
			"futex-method: tracepoint",
			"goos: linux", "goarch: amd64", "pkg: github.com/allocbench/allocbench/bench", "cpu: AMD EPYC",
		}, 50},
	} {
		r, err := createResultFile(d, v.name+".txt")
		require.NoError(t, err)
		for _, wl := range []string{"churn", "larson"} {
			for _, a := range []string{"libc", "floor"} {
				for _, threads := range []int{1, 2} {
					c := cell{Label: v.name, Workload: wl, Alloc: a, Threads: threads}
					var results []string
					for i := range 6 {
						results = append(results, fmt.Sprintf("BenchmarkWorkloads/workload=%s/alloc=%s/threads=%d-2 \t 100000\t %.2f ns/op\t %.2f p99-nsec",
							wl, a, threads, v.ns+float64(i)/10, 3*v.ns+float64(i)))
					}
					require.NoError(t, r.add(outcome{cell: c, config: v.config, results: results}))
				}
			}
		}
		require.NoError(t, r.Close())
	}

	dir := filepath.Dir(d.path("glibc.txt"))
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(command, "results/X/", dir+"/"))
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", command, out)
	text := string(out)
	t.Logf("%s\n%s", command, text)

	headers := regexp.MustCompile(`(?m)^ +│ +glibc +│ +musl +│$`).FindAllString(text, -1)
	assert.Len(t, headers, 2, "one table per metric (sec/op, p99-nsec), each with glibc and musl columns")
	assert.NotRegexp(t, `(?m)^ +│ +(glibc|musl) +│$`, text, "no table of one variant alone")
	for _, wl := range []string{"churn", "larson"} {
		for _, a := range []string{"libc", "floor"} {
			for _, threads := range []int{1, 2} {
				row := regexp.QuoteMeta(fmt.Sprintf("Workloads/workload=%s/alloc=%s/threads=%d-2", wl, a, threads))
				assert.Regexp(t, `(?m)^`+row+` .*\+\d+\.\d+% \(p=0\.002 n=6\)$`, text, "musl compared with glibc")
			}
		}
	}
}
