package report

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireEnv makes a missing browser a failure rather than a skip (CI sets
// it, with chromium installed).
const requireEnv = "ALLOCBENCH_REQUIRE"

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(requireEnv) != "" {
		t.Fatalf("chromium is not on PATH, and %s is set: install it (apt-get install chromium)", requireEnv)
	}
	t.Skipf("chromium is not on PATH (apt-get install chromium); set %s to make this a failure", requireEnv)
	return ""
}

// runChromium runs headless chromium on a page with console logging on
// stderr and returns stdout and stderr.
func runChromium(t *testing.T, bin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	profile := t.TempDir()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--enable-logging=stderr", "--v=0",
		"--user-data-dir=" + profile, "--no-first-run", "--disable-extensions",
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	require.NoError(t, err, "chromium failed:\n%s", e.String())
	return o.String(), e.String()
}

// pageProblems returns chromium's log lines about the page itself: console
// messages (console.error, uncaught exceptions, failed loads and security
// errors are all reported through the console) and any warning or error
// that names the page. Chromium's own noise (D-Bus, GPU, sandbox) names
// neither.
func pageProblems(stderr, pageURL string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		switch {
		case strings.Contains(line, ":CONSOLE"), strings.Contains(line, "Uncaught"):
			out = append(out, line)
		case strings.Contains(line, pageURL) && (strings.Contains(line, "ERROR") || strings.Contains(line, "WARNING")):
			out = append(out, line)
		}
	}
	return out
}

// TestBrowserCatchesConsoleErrors shows that the console check below can
// fail: a page that logs an error and throws is caught.
func TestBrowserCatchesConsoleErrors(t *testing.T) {
	bin := chromium(t)
	path := filepath.Join(t.TempDir(), "canary.html")
	require.NoError(t, os.WriteFile(path, []byte(`<!DOCTYPE html><html><head><title>canary</title></head><body><p>canary</p>
<script>console.error("canary-console-error"); notDefined();</script></body></html>`), 0o644))
	url := "file://" + path
	dom, stderr := runChromium(t, bin, "--dump-dom", url)
	assert.Contains(t, dom, "<p>canary</p>")
	problems := strings.Join(pageProblems(stderr, url), "\n")
	assert.Contains(t, problems, "canary-console-error")
	assert.Contains(t, problems, "Uncaught ReferenceError")
}

func TestBrowserRendersReport(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	in := readInput(t, "glibc=testdata/glibc.txt", "musl=testdata/musl.txt")
	in.Title = "allocbench: glibc vs musl (sample results)"
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, Write(f, in))
	require.NoError(t, f.Close())
	url := "file://" + path

	t.Run("dom", func(t *testing.T) {
		dom, stderr := runChromium(t, bin, "--dump-dom", url)
		assert.Empty(t, pageProblems(stderr, url), "the page logged problems")
		assert.Contains(t, dom, "<title>allocbench: glibc vs musl (sample results)</title>")
		assert.Contains(t, dom, "Where each number was measured")
		assert.Contains(t, dom, `id="claims"`)
		assert.Contains(t, dom, "Summary: throughput relative to glibc/libc")
		assert.Less(t, strings.Index(dom, `id="summary"`), strings.Index(dom, `id="plots"`), "the summary comes first")
		svgs := regexp.MustCompile(`(?s)<svg id="([^"]+)".*?</svg>`).FindAllStringSubmatch(dom, -1)
		got := make(map[string]string)
		for _, m := range svgs {
			got[m[1]] = m[0]
		}
		for _, id := range expectedPlots() {
			svg, ok := got[id]
			if !assert.True(t, ok, "plot %s missing from the browser's DOM", id) {
				continue
			}
			assert.Greater(t, strings.Count(svg, "<path"), 10, "%s has too few paths", id)
			assert.Contains(t, svg, "<text", id)
		}
		assert.Len(t, got, len(expectedPlots()))
	})

	t.Run("screenshot", func(t *testing.T) {
		shot := filepath.Join(dir, "report.png")
		_, stderr := runChromium(t, bin, "--window-size=1400,2600", "--screenshot="+shot, url)
		assert.Empty(t, pageProblems(stderr, url))
		img := readPNG(t, shot)
		require.Equal(t, image.Rect(0, 0, 1400, 2600), img.Bounds())
		// Not a blank page: plenty of ink and many colours (text, the
		// allocators' lines).
		ink, colours := 0, make(map[color.RGBA]bool)
		for y := 0; y < 2600; y += 2 {
			for x := 0; x < 1400; x += 2 {
				c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				colours[c] = true
				if int(c.R)+int(c.G)+int(c.B) < 3*160 {
					ink++
				}
			}
		}
		assert.Greater(t, ink, 5000, "the screenshot is nearly blank")
		assert.Greater(t, len(colours), 50)
	})
}

// The first screen of the page, 1400×900, holds the answer: the claims
// with their intervals and the line per workload with musl's bars. The
// page has no scripts; a copy of it gets one that writes where the answer
// ends into the title, which the browser's DOM then shows.
func TestBrowserFirstScreenIsTheAnswer(t *testing.T) {
	bin := chromium(t)
	in := readInput(t, "glibc=testdata/glibc.txt", "musl=testdata/musl.txt")
	var page bytes.Buffer
	require.NoError(t, Write(&page, in))
	assert.Less(t, page.Len(), 1<<20, "the page stays under 1 MB")
	probe := `<script>window.onload = function() {
  var a = document.getElementById("answer").getBoundingClientRect();
  var bars = document.querySelectorAll("td.bar .track").length;
  document.title = "answer-bottom=" + Math.round(a.bottom) + " bars=" + bars + " width=" + document.documentElement.scrollWidth;
};</script></body>`
	path := filepath.Join(t.TempDir(), "probe.html")
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(page.String(), "</body>", probe, 1)), 0o644))
	dom, _ := runChromium(t, bin, "--window-size=1400,900", "--dump-dom", "file://"+path)
	m := regexp.MustCompile(`<title>answer-bottom=(\d+) bars=(\d+) width=(\d+)</title>`).FindStringSubmatch(dom)
	require.NotNil(t, m, "the probe did not run")
	assert.LessOrEqual(t, atoi(t, m[1]), 900, "the answer ends within the first screen")
	assert.Positive(t, atoi(t, m[2]), "musl's bars are drawn")
	assert.LessOrEqual(t, atoi(t, m[3]), 1400, "no sideways scrolling")
	answer := dom[strings.Index(dom, `id="answer"`):strings.Index(dom, `id="summary"`)]
	assert.Contains(t, answer, "musl-mt")
	assert.Regexp(t, `<td class="holds-(yes|no|undecided)">(yes|no|undecided)</td><td>[0-9.]+x \[[0-9.]+x, [0-9.]+x\]</td>`, answer, "verdicts in text, with their intervals")
	assert.Contains(t, answer, "<caption>")
	assert.Contains(t, answer, `scope="col"`)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

var screenshotFrom = flag.String("screenshot-from", "", "write testdata/screenshot.png, the README's picture, from this report `page` (needs chromium)")

// TestScreenshot makes the README's picture from a real run's page:
//
//	go test -run TestScreenshot ./internal/analysis/report -args -screenshot-from $PWD/results/X/report.html
func TestScreenshot(t *testing.T) {
	if *screenshotFrom == "" {
		t.Skip("-screenshot-from not given")
	}
	bin := chromium(t)
	page, err := filepath.Abs(*screenshotFrom)
	require.NoError(t, err)
	shot := filepath.Join(t.TempDir(), "shot.png")
	_, stderr := runChromium(t, bin, "--window-size=1400,900", "--screenshot="+shot, "file://"+page)
	assert.Empty(t, pageProblems(stderr, "file://"+page))
	writeSmallPNG(t, readPNG(t, shot), filepath.Join("testdata", "screenshot.png"))
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

// writeSmallPNG writes img with its 256 most frequent colours (others map
// to the nearest of those), which keeps text and lines crisp and the file
// small.
func writeSmallPNG(t *testing.T, img image.Image, path string) {
	t.Helper()
	b := img.Bounds()
	freq := make(map[color.RGBA]int)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			freq[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	cols := make([]color.RGBA, 0, len(freq))
	for c := range freq {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool {
		if freq[cols[i]] != freq[cols[j]] {
			return freq[cols[i]] > freq[cols[j]]
		}
		a, c := cols[i], cols[j]
		return uint32(a.R)<<24|uint32(a.G)<<16|uint32(a.B)<<8|uint32(a.A) < uint32(c.R)<<24|uint32(c.G)<<16|uint32(c.B)<<8|uint32(c.A)
	})
	if len(cols) > 256 {
		cols = cols[:256]
	}
	pal := make(color.Palette, len(cols))
	for i, c := range cols {
		pal[i] = c
	}
	out := image.NewPaletted(b, pal)
	index := make(map[color.RGBA]uint8)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	require.NoError(t, enc.Encode(&buf, out))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	t.Logf("wrote %s (%d bytes)", path, buf.Len())
}
