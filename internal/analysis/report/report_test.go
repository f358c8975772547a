package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/usage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// node is a parsed element of the page.
type node struct {
	Name     string
	Attr     map[string]string
	Children []*node
	Text     strings.Builder
}

// parsePage parses the whole page with encoding/xml, which also proves that
// every element is closed and properly nested.
func parsePage(t *testing.T, page []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	root := &node{Name: "#document"}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "page is not well-formed")
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tok.Name.Local, Attr: make(map[string]string)}
			for _, a := range tok.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			top := stack[len(stack)-1]
			top.Children = append(top.Children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			for _, n := range stack {
				n.Text.Write(tok)
			}
		}
	}
	require.Len(t, stack, 1, "unclosed elements")
	return root
}

// all returns the elements under n (n included) that match.
func (n *node) all(match func(*node) bool) []*node {
	var out []*node
	if match(n) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.all(match)...)
	}
	return out
}

func named(name string) func(*node) bool { return func(n *node) bool { return n.Name == name } }

func (n *node) byID(id string) *node {
	found := n.all(func(x *node) bool { return x.Attr["id"] == id })
	if len(found) == 0 {
		return nil
	}
	return found[0]
}

func readInput(t *testing.T, args ...string) Input {
	t.Helper()
	files, warns := results.ReadFiles(results.ParseSources(args))
	return Input{
		Title:     "Test report",
		Generated: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Files:     files,
		Warnings:  warns,
	}
}

func render(t *testing.T, in Input) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, in))
	return buf.Bytes()
}

// expectedPlots lists the plots the samples must produce: every metric
// present in a file, for each workload in it; the speedup of each file
// (three thread counts); the ratio of musl to glibc (they differ only in
// their C library).
func expectedPlots() []string {
	var ids []string
	for _, wl := range []string{"churn", "larson", "xmalloc"} {
		for _, m := range []string{"throughput", "speedup", "p99", "rss"} {
			for _, l := range []string{"glibc", "musl"} {
				ids = append(ids, fmt.Sprintf("plot-%s-%s-%s", wl, m, l))
			}
		}
		ids = append(ids, fmt.Sprintf("plot-%s-ratio-musl_glibc", wl))
	}
	return ids
}

func TestSamplePage(t *testing.T) {
	in := readInput(t, "testdata/glibc.txt", "testdata/musl.txt")
	require.Empty(t, in.Warnings)
	page := render(t, in)
	doc := parsePage(t, page)

	titles := doc.all(named("title"))
	require.NotEmpty(t, titles)
	assert.Equal(t, "Test report", titles[0].Text.String())
	assert.Contains(t, string(page), "Generated 2026-01-02 03:04:05 UTC")

	t.Run("config headers", func(t *testing.T) {
		for label, want := range map[string][]string{
			"glibc": {"libc", "glibc", "libc-version", "2.36", "distro", "Debian GNU/Linux 12 (bookworm)", "kernel", "cpu-brand", "AMD EPYC",
				"cgroup-cpu-quota", "cgroup-memory-limit", "alloc-jemalloc", "5.3.0-0-g54eaed1", "alloc-tcmalloc", "gperftools 2.10"},
			"musl": {"libc", "musl", "libc-version", "1.2.3", "alloc-jemalloc", "skipped: jemalloc: this binary is linked statically"},
		} {
			card := doc.byID("file-" + label)
			require.NotNil(t, card, label)
			text := card.Text.String()
			for _, w := range want {
				assert.Contains(t, text, w, label)
			}
		}
		skipped := doc.byID("file-musl").all(func(n *node) bool { return n.Name == "tr" && n.Attr["class"] == "skipped" })
		assert.Len(t, skipped, 3, "jemalloc, mimalloc and tcmalloc are skipped on musl")
	})

	t.Run("plots", func(t *testing.T) {
		for _, id := range expectedPlots() {
			svg := doc.byID(id)
			if !assert.NotNil(t, svg, "missing plot %s", id) {
				continue
			}
			assert.Equal(t, "svg", svg.Name)
			assert.NotEmpty(t, svg.Attr["viewBox"])
			assert.NotEmpty(t, svg.all(named("path")), "%s has no paths", id)
			var texts []string
			for _, n := range svg.all(named("text")) {
				texts = append(texts, n.Text.String())
			}
			joined := strings.Join(texts, "|")
			assert.Contains(t, joined, "threads", id)
			assert.Contains(t, joined, "libc", "%s: legend", id)
			assert.NotEmpty(t, svg.all(named("title")), "%s: accessible title", id)
		}
		glibc := doc.byID("plot-churn-throughput-glibc")
		require.NotNil(t, glibc)
		for _, a := range []string{"libc", "jemalloc", "mimalloc", "tcmalloc", "floor"} {
			assert.Contains(t, glibc.Text.String(), a, "legend entry")
		}
		assert.Contains(t, glibc.Text.String(), "Mops/s")
		assert.Nil(t, doc.byID("plot-churn-futex-glibc"), "no futex plots without futex-pct")
		assert.Len(t, doc.all(named("svg")), len(expectedPlots()))
	})

	t.Run("claims", func(t *testing.T) {
		claims := doc.byID("claims")
		require.NotNil(t, claims)
		rows := claims.all(named("tr"))
		require.Len(t, rows, 1+7, "a header and the seven claims")
		text := claims.Text.String()
		assert.Contains(t, text, "glibc: glibc, musl: musl")
		assert.Contains(t, text, "musl slower by")
		assert.Contains(t, text, "musl/libc churn threads=1:", "the cells a verdict used")
		assert.Contains(t, text, "cannot be judged: needs churn with futex-nsec/op", "no futex figures in the samples")
		var classes []string
		for _, c := range claims.all(named("td")) {
			if strings.HasPrefix(c.Attr["class"], "holds-") {
				classes = append(classes, c.Attr["class"])
			}
		}
		assert.Len(t, classes, 7)
		assert.Contains(t, classes, "holds-yes")
		assert.Contains(t, classes, "holds-na")
	})

	t.Run("summary first", func(t *testing.T) {
		var order []string
		for _, n := range doc.all(named("section")) {
			switch id := n.Attr["id"]; id {
			case "summary", "scaling", "claims", "direct", "plots", "warnings", "setup":
				order = append(order, id)
			}
		}
		assert.Equal(t, []string{"summary", "scaling", "claims", "direct", "plots", "setup"}, order)
		require.NotNil(t, doc.byID("summary-churn"))
		text := doc.byID("summary").Text.String()
		assert.Contains(t, text, "Summary: throughput relative to glibc/libc")
		// glibc's churn at one thread: libc 16.95 ns/op, jemalloc 10.665.
		assert.Contains(t, text, "1.59×")
		assert.Contains(t, text, "throughput vs glibc/libc")
		assert.Contains(t, text, "p99 latency, ns")
		assert.Contains(t, text, "fewer than 6 runs", "two runs a cell")
		// The setup cards are folded away.
		setup := doc.byID("setup")
		require.Len(t, setup.all(named("details")), 1)
		assert.NotEmpty(t, setup.all(named("details"))[0].all(func(n *node) bool { return n.Attr["class"] == "card" }))
	})

	t.Run("scaling", func(t *testing.T) {
		sc := doc.byID("scaling")
		require.NotNil(t, sc)
		text := sc.Text.String()
		assert.Contains(t, text, "glibc: 2 physical cores, 2 usable CPUs; thread counts above 2 measure time-sharing, not scaling")
		assert.Contains(t, text, "4 threads over 2: 1.12× [no interval]", "what oversubscription costs, beside the speedups")
		assert.Contains(t, text, "none: 2 thread counts within the 2 CPUs that run at once (1,2); a fit needs 4", "no law fitted to two points")
		rows := sc.all(named("tr"))
		assert.Len(t, rows, 1+13+4, "a fit per allocator and workload of each file")
		fig := doc.byID("fig-plot-churn-speedup-glibc")
		require.NotNil(t, fig)
		assert.Contains(t, fig.Text.String(), "ideal")
		assert.Contains(t, fig.Text.String(), "2 cores")
	})

	t.Run("direct", func(t *testing.T) {
		d := doc.byID("direct")
		require.NotNil(t, d)
		assert.Contains(t, d.Text.String(), "musl over glibc (libc: glibc → musl)")
		fig := doc.byID("plot-churn-ratio-musl_glibc")
		require.NotNil(t, fig)
		assert.Contains(t, fig.Text.String(), "= 1", "the line at 1")
		assert.Contains(t, fig.Text.String(), "libc")
	})

	t.Run("self-contained", func(t *testing.T) {
		s := string(page)
		assert.NotContains(t, s, "<script")
		assert.NotRegexp(t, `(src|href)="(https?:)?//`, s)
		assert.NotContains(t, s, "<?xml", "SVG prologues are stripped")
		assert.NotContains(t, s, "<link")
	})
}

func TestSVGFragmentsParseAlone(t *testing.T) {
	page := render(t, readInput(t, "testdata/glibc.txt", "testdata/musl.txt"))
	frags := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAll(page, -1)
	require.Len(t, frags, len(expectedPlots()))
	for _, f := range frags {
		var svg struct {
			XMLName xml.Name
			ID      string `xml:"id,attr"`
			Width   string `xml:"width,attr"`
			Height  string `xml:"height,attr"`
			ViewBox string `xml:"viewBox,attr"`
			Title   string `xml:"title"`
			Style   string `xml:"style"`
			G       []struct {
				Inner []byte `xml:",innerxml"`
			} `xml:"g"`
		}
		require.NoError(t, xml.Unmarshal(f, &svg))
		assert.Equal(t, "svg", svg.XMLName.Local)
		assert.Equal(t, "http://www.w3.org/2000/svg", svg.XMLName.Space)
		assert.Equal(t, "420pt", svg.Width, svg.ID)
		assert.Equal(t, "250pt", svg.Height, svg.ID)
		assert.Equal(t, "0 0 420 250", svg.ViewBox, svg.ID)
		assert.NotEmpty(t, svg.Title, svg.ID)
		require.NotEmpty(t, svg.G, svg.ID)
		assert.Contains(t, string(svg.G[0].Inner), "<path", svg.ID)
		assert.Contains(t, svg.Style, "Liberation Sans',Arimo,Arial", "font fallbacks")
		assert.Contains(t, svg.Style, "#"+svg.ID+" .s0{", "styles scoped to the plot")
		assert.Contains(t, string(svg.G[0].Inner), `class="s`, "elements name their style")
	}
}

func TestFutexPlotsAndEmptyCells(t *testing.T) {
	in := readInput(t, "testdata/glibc.txt", "testdata/futex.txt")
	page := render(t, in)
	doc := parsePage(t, page)
	futex := doc.byID("plot-larson-futex-futex")
	require.NotNil(t, futex)
	assert.Contains(t, futex.Text.String(), "% of time in futex")
	// Six runs give finite intervals: error bars add short vertical paths.
	assert.Greater(t, len(futex.all(named("path"))), 20)

	empty := doc.byID("fig-plot-larson-futex-glibc")
	require.NotNil(t, empty)
	assert.Equal(t, "figure", empty.Name)
	assert.Contains(t, empty.Text.String(), "No futex-pct results for larson in glibc.")
	assert.Nil(t, doc.byID("plot-larson-futex-glibc"))
	assert.Nil(t, doc.byID("fig-plot-churn-futex-glibc"), "no futex row for churn: no file has it")

	// glibc lacks futex-pct that futex.txt has for the same rows.
	warn := doc.byID("warnings")
	require.NotNil(t, warn)
	assert.Contains(t, warn.Text.String(), "testdata/glibc.txt:56: result lacks futex-nsec/op, futex-pct")

	card := doc.byID("file-futex")
	require.NotNil(t, card)
	assert.Contains(t, card.Text.String(), "futex-method")
	assert.Contains(t, card.Text.String(), "tracepoint")
	assert.Contains(t, card.Text.String(), "skipped: tcmalloc")
}

func TestDeterministic(t *testing.T) {
	in := readInput(t, "testdata/glibc.txt", "testdata/musl.txt")
	assert.Equal(t, render(t, in), render(t, in))
}

func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.html")
	var stdout, stderr bytes.Buffer
	require.NoError(t, Run([]string{"glibc=testdata/glibc.txt", "testdata/malformed.txt", "testdata/missing.txt"}, Options{Out: out, Title: "My <run>"}, &stdout, &stderr))
	assert.Equal(t, out+"\n", stdout.String())
	for _, w := range []string{
		"warning: testdata/malformed.txt:4: skipped malformed line: missing units",
		"warning: testdata/malformed.txt:6: skipped malformed line: parsing iteration count",
		"warning: testdata/missing.txt: cannot read: no such file or directory",
	} {
		assert.Contains(t, stderr.String(), w)
	}
	page, err := os.ReadFile(out)
	require.NoError(t, err)
	doc := parsePage(t, page)
	assert.Equal(t, "My <run>", doc.all(named("title"))[0].Text.String())
	warn := doc.byID("warnings")
	require.NotNil(t, warn)
	assert.Contains(t, warn.Text.String(), "testdata/malformed.txt:4: skipped malformed line: missing units")
	assert.NotNil(t, doc.byID("plot-churn-throughput-malformed"))
	assert.NotNil(t, doc.byID("file-glibc"))
	assert.NotNil(t, doc.byID("file-malformed"))
}

func TestRunErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := Run([]string{"testdata/missing.txt"}, Options{Out: filepath.Join(t.TempDir(), "r.html")}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nothing to compare")
	assert.Empty(t, stdout.String())

	err = Run(nil, Options{Out: filepath.Join(t.TempDir(), "r.html")}, &stdout, &stderr)
	assert.True(t, usage.Is(err), "no input files is a usage error: %v", err)
	assert.Error(t, Run([]string{"testdata/glibc.txt"}, Options{Out: filepath.Join(t.TempDir(), "no", "such", "dir.html")}, &stdout, &stderr))
}

func TestWriteWithoutResults(t *testing.T) {
	err := Write(io.Discard, Input{})
	require.Error(t, err)
}

func TestTicks(t *testing.T) {
	var labels []string
	for _, tk := range logTicks(3, 250) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"5", "10", "20", "50", "100", "200"}, labels)
	labels = nil
	for _, tk := range logTicks(15, 90000) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"100", "1k", "10k"}, labels)
	labels = nil
	for _, tk := range linearTicks(0, 6.3) {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"0", "2", "4", "6"}, labels)
	labels = nil
	for _, tk := range linearTicks(0, 2.7) {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"0.0", "0.5", "1.0", "1.5", "2.0", "2.5"}, labels)
}

// A file written before the "nsec" units ("p99-ns") gives the same plots
// as one written now.
func TestOldUnitNames(t *testing.T) {
	data, err := os.ReadFile("testdata/glibc.txt")
	require.NoError(t, err)
	s := string(data)
	for old, cur := range results.Renamed() {
		s = regexp.MustCompile(`\s`+regexp.QuoteMeta(cur)+`\b`).ReplaceAllString(s, " "+old)
	}
	require.Contains(t, s, " p99-ns")
	require.NotContains(t, s, results.P99Nsec)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "glibc.txt"), []byte(s), 0o644))

	in := readInput(t, "glibc="+filepath.Join(dir, "glibc.txt"))
	assert.Empty(t, in.Warnings)
	doc := parsePage(t, render(t, in))
	for _, wl := range []string{"churn", "larson", "xmalloc"} {
		assert.NotNil(t, doc.byID("plot-"+wl+"-p99-glibc"), "%s: p99 plot from p99-ns", wl)
	}
	page := strings.ReplaceAll(string(render(t, in)), dir, "testdata")
	assert.Equal(t, string(render(t, readInput(t, "testdata/glibc.txt"))), page, "the same page as the file with today's names")
}

// Figures whose inputs were too small carry notes, in the summary and
// under the plots; a bimodal cell shows its two groups, not a median.
func TestCaveatsOnThePage(t *testing.T) {
	var lines []string
	for i := 0; i < 6; i++ {
		ns := 13.0
		if i%2 == 0 {
			ns = 22
		}
		lines = append(lines,
			fmt.Sprintf("BenchmarkWorkloads/workload=churn/alloc=libc/threads=1-2 1000 %d ns/op 40 p99-ns 50 latency-samples 2.5 rss-per-live-byte 204800 peak-live-bytes", 20+i%2),
			fmt.Sprintf("BenchmarkWorkloads/workload=churn/alloc=jemalloc/threads=1-2 1000 %.1f ns/op 30 p99-ns 5000 latency-samples 1.1 rss-per-live-byte 8388608 peak-live-bytes", ns+0.1*float64(i)))
	}
	page := render(t, readInput(t, writeLines(t, "small.txt", lines...)))
	doc := parsePage(t, page)
	sum := doc.byID("summary")
	require.NotNil(t, sum)
	text := sum.Text.String()
	assert.Contains(t, text, "1.19×1[0.90, 1.58]~ interval holds 1", "jemalloc's runs in two groups, 22.2 and 13.3 ns/op, against libc's 20.5: the interval holds 1")
	notes := sum.all(func(n *node) bool { return n.Name == "ol" })
	require.Len(t, notes, 1)
	nt := notes[0].Text.String()
	assert.Contains(t, nt, "bimodal: the runs form groups")
	assert.Contains(t, nt, "threads=1 speed, 3 of 6 runs near 13.3, 3 of 6 near 22.2: small/jemalloc")
	assert.Contains(t, nt, "live set under 1 MiB")
	assert.Contains(t, nt, "threads=1 rss, live set 200 KiB: small/libc")
	assert.Contains(t, nt, "fewer than 100 latency samples")
	assert.Contains(t, nt, "threads=1 p99, 50 samples: small/libc")
	assert.NotContains(t, nt, "live set 8 MiB", "8 MiB is enough")
	// Every mark links to its note.
	for _, a := range sum.all(named("a")) {
		href := strings.TrimPrefix(a.Attr["href"], "#")
		assert.NotNil(t, doc.byID(href), href)
	}

	rss := doc.byID("fig-plot-churn-rss-small")
	require.NotNil(t, rss)
	assert.Contains(t, rss.Text.String(), "Live set under 1 MiB")
	assert.Contains(t, rss.Text.String(), "libc threads=1 (live set 200 KiB)")
	p99 := doc.byID("fig-plot-churn-p99-small")
	require.NotNil(t, p99)
	assert.Contains(t, p99.Text.String(), "libc threads=1 (50 samples)")
	tp := doc.byID("fig-plot-churn-throughput-small")
	require.NotNil(t, tp)
	assert.Contains(t, tp.Text.String(), "Bimodal: ")
	assert.Contains(t, tp.Text.String(), "jemalloc threads=1 (3 of 6 runs near 13.3, 3 of 6 near 22.2)")
}

// -baseline chooses the column the summary compares with; a bad one is
// an error naming the valid ones, before a page is written.
func TestBaselineFlag(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.html")
	var stdout, stderr bytes.Buffer
	require.NoError(t, Run([]string{"testdata/glibc.txt", "testdata/musl.txt"}, Options{Out: out, Baseline: "musl/libc"}, &stdout, &stderr))
	page, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(page), "Summary: throughput relative to musl/libc")

	err = Run([]string{"testdata/glibc.txt", "testdata/musl.txt"}, Options{Out: out + "2", Baseline: "musl/jemalloc"}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-baseline "musl/jemalloc" is not a file's allocator here (valid: glibc/libc, glibc/jemalloc`)
	assert.NoFileExists(t, out+"2")
}
