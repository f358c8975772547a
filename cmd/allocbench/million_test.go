//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/allocbench/allocbench/internal/results"
)

// writeMillionLines writes n result lines shaped like the main job's: 13
// units per line, 9 workloads × 5 allocators × 4 thread counts, or (with
// distinct) a benchmark name of its own for every line.
func writeMillionLines(b *testing.B, path string, n int, distinct bool) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "goos: linux\ngoarch: amd64\npkg: github.com/allocbench/allocbench/bench\nlibc: glibc\nfutex-method: tracepoint\n")
	workloads := []string{"churn", "larson", "xmalloc", "cache-thrash", "cache-scratch", "threadtest", "realloc", "large", "mixed"}
	allocs := []string{"libc", "jemalloc", "mimalloc", "tcmalloc", "floor"}
	for i := 0; i < n; i++ {
		wl := workloads[i%len(workloads)]
		if distinct {
			wl = fmt.Sprintf("w%d", i)
		}
		ns := 10 + float64(i%997)/10
		fmt.Fprintf(w, "BenchmarkWorkloads/workload=%s/alloc=%s/threads=%d-2 \t %d\t %.2f ns/op\t %.2f cpu-nsec/op\t %.7f minflt/op\t %.4f offcpu-nsec/op\t %.2f p50-nsec\t %.2f p99-nsec\t %.1f p999-nsec\t %d peak-rss-bytes\t %.4f rss-per-live-byte\t %.4f runq-nsec/op\t %.4f sys-nsec/op\t 0 vcsw/op\t %.3f futex-pct\n",
			wl, allocs[(i/len(workloads))%len(allocs)], 1<<((i/45)%4), 1000000+i, ns, ns*1.1, float64(i%7)/1e6, float64(i%13)/10,
			ns*2, ns*6, ns*20, 14860288+i%65536, 1+float64(i%100)/100, float64(i%17)/10, float64(i%3)/10, float64(i%50)/10)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMillionLines runs allocbench compare and report, each in a
// process of its own, over a million result lines, and reports the peak
// resident memory of that process: what docs/comparing.md quotes. "distinct"
// gives every line a benchmark of its own, the worst case for memory.
//
//	go test -run '^$' -bench MillionLines -benchtime 1x ./cmd/allocbench
func BenchmarkMillionLines(b *testing.B) {
	for _, shape := range []struct {
		name     string
		distinct bool
	}{{"realistic", false}, {"distinct", true}} {
		path := filepath.Join(b.TempDir(), shape.name+".txt")
		writeMillionLines(b, path, 1_000_000, shape.distinct)
		for _, sub := range []string{"compare " + path, "report -o " + filepath.Join(b.TempDir(), "r.html") + " " + path} {
			cmdName := strings.Fields(sub)[0]
			b.Run(shape.name+"/"+cmdName, func(b *testing.B) {
				var peak int64
				for i := 0; i < b.N; i++ {
					cmd := exec.Command(os.Args[0])
					cmd.Env = append(os.Environ(), mainEnv+"="+sub)
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("%v\n%s", err, tail(string(out), 2000))
					}
					peak = max(peak, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
				}
				b.ReportMetric(float64(peak)/1024, results.PeakRSSMiB)
			})
		}
	}
}
