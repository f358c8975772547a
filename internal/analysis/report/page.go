package report

import (
	"html/template"
	"strings"
)

// The page is HTML5 written so that it is also well-formed XML (every
// element closed, no named entities), which lets tests parse it with
// encoding/xml.
var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"slug": slug,
	"holdsClass": func(s string) string {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "yes":
			return "holds-yes"
		case "no":
			return "holds-no"
		case "undecided":
			return "holds-undecided"
		}
		return "holds-na"
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>
:root { color-scheme: light; }
body { margin: 0; background: #f5f6f8; color: #1f2328; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1400px; margin: 0 auto; padding: 20px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 2px; }
h2 { font-size: 20px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #d0d7de; }
.meta { color: #57606a; margin: 0 0 10px; }
nav { font-size: 14px; }
nav a { margin-right: 14px; color: #0969da; text-decoration: none; }
p.note { color: #57606a; font-size: 14px; margin: 0 0 12px; max-width: 1000px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(400px, 1fr)); gap: 14px; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 16px 12px; }
.card h3 { margin: 0; font-size: 18px; }
.card .path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; color: #57606a; word-break: break-all; }
.card table { border-collapse: collapse; width: 100%; font-size: 13px; }
.card th { text-align: left; font-size: 11px; font-weight: 600; letter-spacing: .05em; text-transform: uppercase; color: #57606a; padding: 8px 0 2px; }
.card td { padding: 1px 10px 1px 0; vertical-align: top; }
.card td.k { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: nowrap; width: 1%; color: #424a53; }
.card td.v { word-break: break-word; }
.card tr.skipped td.v { color: #9a3412; }
.warnings { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 8px; padding: 6px 16px; }
.warnings li { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
.grid { display: grid; gap: 12px; grid-template-columns: repeat(2, minmax(0, 1fr)); }
.grid.cols-3 { grid-template-columns: repeat(3, minmax(0, 1fr)); }
.grid h3 { grid-column: 1 / -1; margin: 8px 0 -4px; font-size: 16px; }
figure { margin: 0; background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 4px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 12px; padding: 0 6px 4px; }
figure.empty { display: flex; align-items: center; justify-content: center; min-height: 120px; color: #57606a; font-style: italic; }
table.claims { border-collapse: collapse; background: #fff; font-size: 14px; width: 100%; }
table.claims th, table.claims td { border: 1px solid #d0d7de; padding: 5px 8px; text-align: left; vertical-align: top; }
table.claims th { background: #eaeef2; }
td.holds-yes { background: #dafbe1; color: #116329; font-weight: 600; }
td.holds-no { background: #ffebe9; color: #a40e26; font-weight: 600; }
td.holds-na { color: #57606a; }
table.answer { border-collapse: collapse; background: #fff; font-size: 14px; margin: 0 0 14px; }
table.answer caption { caption-side: top; text-align: left; color: #57606a; font-size: 13px; padding: 0 0 4px; max-width: 1100px; }
table.answer th, table.answer td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; white-space: nowrap; }
table.answer thead th { background: #eaeef2; }
table.answer td.wrap { white-space: normal; min-width: 240px; }
table.answer tbody th { font-weight: 600; }
td.bar .track { display: inline-block; position: relative; width: 180px; height: 12px; margin-right: 8px; vertical-align: middle; background: #f0f2f4; }
td.bar .fill { position: absolute; top: 3px; height: 6px; background: #8c959f; }
td.bar.slower .fill { background: #cf222e; }
td.bar.faster .fill { background: #1a7f37; }
td.bar .ci { position: absolute; top: 0; height: 12px; box-sizing: border-box; border-left: 1px solid #1f2328; border-right: 1px solid #1f2328; }
td.bar .one { position: absolute; left: 50%; top: -2px; height: 16px; border-left: 1px dashed #1f2328; }
td.holds-undecided { background: #fff8c5; color: #7d4e00; font-weight: 600; }
details.fold { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 6px 16px; margin: 0 0 12px; }
details.fold > summary { cursor: pointer; font-weight: 600; }
.scroll { overflow-x: auto; margin: 0 0 8px; }
table.sum { border-collapse: collapse; background: #fff; font-size: 13px; font-variant-numeric: tabular-nums; }
table.sum th, table.sum td { border: 1px solid #d0d7de; padding: 3px 7px; vertical-align: top; }
table.sum thead th { background: #eaeef2; text-align: center; }
table.sum th.threads { background: #f6f8fa; text-align: left; white-space: nowrap; }
table.sum th.what { font-weight: normal; color: #424a53; text-align: left; white-space: nowrap; background: #f6f8fa; }
table.sum td { text-align: right; white-space: nowrap; }
table.sum tr.speed td { font-weight: 600; }
table.sum td .pm, table.sum td .p { display: block; font-weight: normal; font-size: 11px; color: #57606a; }
table.sum td.base { background: #eef2ff; }
table.sum td.faster { background: #dafbe1; }
table.sum td.slower { background: #ffebe9; }
table.sum td.same { color: #57606a; }
table.sum td.bimodal { background: #fff8c5; }
table.sum td.none { color: #8c959f; text-align: center; }
table.sum sup a { color: #9a6700; text-decoration: none; font-weight: 600; }
ol.notes { font-size: 13px; color: #424a53; margin: 4px 0 18px; }
ol.notes li span.cells { color: #57606a; }
table.scal { border-collapse: collapse; background: #fff; font-size: 13px; }
table.scal th, table.scal td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; }
table.scal th { background: #eaeef2; }
ul.cells { margin: 0; padding-left: 16px; font-size: 12px; color: #424a53; }
table.claims td.cells { width: 32%; }
table.claims td.claim { width: 18%; }
.intro { max-width: 1000px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
</style>
</head>
<body>
<main>
<header>
<h1>{{.Title}}</h1>
<p class="meta">{{if .Generated}}Generated {{.Generated}} from {{else}}From {{end}}{{len .Files}} result file{{if ne (len .Files) 1}}s{{end}}{{range $i, $f := .Files}}{{if $i}},{{end}} <code>{{$f.Label}}</code>{{end}}.</p>
{{- if .Generic}}
<p class="note intro">These results are not allocbench's cells (no workload, allocator and thread count in their names), so the page shows them as <code>allocbench compare</code> does: a table per metric, {{.GenericCols}}. Where each number was measured is at the end.</p>
<nav><a href="#tables">Tables</a>{{if .Warnings}}<a href="#warnings">Warnings ({{len .Warnings}})</a>{{end}}<a href="#setup">Setup</a></nav>
{{- else}}
<nav><a href="#answer">Answer</a><a href="#summary">Summary</a>{{if .Scaling}}<a href="#scaling">Scaling</a>{{end}}<a href="#claims">Claims</a>{{if .Direct}}<a href="#direct">Direct comparisons</a>{{end}}<a href="#plots">Plots</a>{{range .Workloads}}<a href="#{{.ID}}">{{.Name}}</a>{{end}}{{if .Warnings}}<a href="#warnings">Warnings ({{len .Warnings}})</a>{{end}}<a href="#setup">Setup</a></nav>
{{- end}}
</header>

{{if .Generic}}
<section id="tables">
<h2>Tables</h2>
<p class="note">Medians with the half-width of their {{.Confidence}} confidence interval (±), and, against the first column, the change and the Mann-Whitney U test (~: not significant at α = {{.Alpha}}).</p>
{{- range .Tables}}
<h3>{{.Caption}}</h3>
<div class="scroll"><pre class="table">{{.Text}}</pre></div>
{{- end}}
</section>
{{else}}
<section id="answer">
<h2>The answer</h2>
<table class="answer">
<caption>Published claims, judged on these files ({{.Roles}}): <b>yes</b> or <b>no</b> when the whole 95% interval of the deciding figure is on one side of the threshold, <b>undecided</b> when it straddles it. <a href="#claims">Every cell each uses</a>.</caption>
<thead><tr><th scope="col">claim</th><th scope="col">holds?</th><th scope="col">measured [95% interval]</th><th scope="col">rule</th><th scope="col">deciding figure</th></tr></thead>
<tbody>
{{- range .Claims}}
<tr><th scope="row">{{.ID}}</th><td class="{{holdsClass .Holds}}">{{.Holds}}</td><td>{{if .Missing}}cannot be judged{{else}}{{.FigureText}}{{end}}</td><td>{{.Test}}</td><td class="wrap">{{if .Missing}}{{.Missing}}{{else}}{{.Where}}{{end}}</td></tr>
{{- end}}
</tbody>
</table>
{{- if .Answer}}
<table class="answer">
<caption>Per workload at its most threads: the fastest allocator, {{if .MuslFile}}musl's malloc and the best allocator on musl, {{end}}each against <b>{{.Baseline}}</b> with its 95% interval (~: the interval holds 1).{{if .MuslFile}} The bar draws musl's malloc against it on a log scale: the dashed line is 1×, each end 1000×, the whiskers its interval.{{end}}</caption>
<thead><tr><th scope="col">workload</th><th scope="col">fastest</th>{{if .MuslFile}}<th scope="col">musl's malloc</th><th scope="col">best on musl</th>{{end}}</tr></thead>
<tbody>
{{- range .Answer}}
<tr><th scope="row"><a href="#{{.ID}}">{{.Workload}}</a> <small>threads={{.Threads}}</small></th><td>{{.Fastest}} {{.FastestSpeed}}</td>{{if $.MuslFile}}<td class="bar {{.MuslClass}}">{{if .Musl}}<span class="track" aria-hidden="true"><span class="fill" style="left:{{printf "%.1f" .BarLeft}}%;width:{{printf "%.1f" .BarWidth}}%"></span>{{if .IntervalWidth}}<span class="ci" style="left:{{printf "%.1f" .IntervalLeft}}%;width:{{printf "%.1f" .IntervalWidth}}%"></span>{{end}}<span class="one"></span></span>{{.Musl}}{{else}}-{{end}}</td><td>{{.BestOnMusl}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- end}}
</section>

<section id="summary">
<h2>Summary: throughput relative to {{.Baseline}}</h2>
<p class="note"><b>Throughput</b> is {{.Baseline}}'s ns/op over the cell's, at the same thread count: above 1× is faster. It is the Hodges–Lehmann estimate (the median of the ratios of every pair of runs), and under it in brackets is its {{.Confidence}} interval, the one that goes with the Mann–Whitney test benchstat uses: <span style="background:#dafbe1">faster</span> and <span style="background:#ffebe9">slower</span> mark an interval wholly above or below 1, grey with ~ an interval that holds 1 (no difference shown). Where both cells' runs fall into groups (the machine ran at two speeds), the ratio compares their lowest groups, and says so. The other figures are medians over the runs, ± the half-width of the median's interval: the share of the workers' time in futex, p99 latency of one malloc+free, and resident memory per live byte. Numbered marks point to notes under the table.{{if .FewRuns}} Some cells have fewer than 6 runs: they have no ± and their p-values are weak; run with <code>-count 6</code> or more.{{end}}</p>
{{- range .Summary}}
<h3 id="{{.ID}}">{{.Workload}}</h3>
<div class="scroll">
<table class="sum">
<thead>
<tr><th rowspan="2">threads</th><th rowspan="2"></th>{{range .Groups}}<th colspan="{{.Span}}">{{.Label}}</th>{{end}}</tr>
<tr>{{range .Allocs}}<th>{{.}}</th>{{end}}</tr>
</thead>
<tbody>
{{- range .Rows}}
<tr class="{{.Class}}">{{if .First}}<th class="threads" rowspan="{{.Span}}">{{.Threads}}</th>{{end}}<th class="what">{{.Name}}</th>
{{- range .Cells}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}{{range .Marks}}<sup><a href="#{{.ID}}">{{.N}}</a></sup>{{end}}{{if .Pm}}<span class="pm">{{.Pm}}</span>{{end}}{{if .P}}<span class="p">{{.P}}</span>{{end}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
</div>
{{- if .Notes}}
<ol class="notes">
{{- range .Notes}}
<li id="{{.ID}}" value="{{.N}}">{{.Text}}. <span class="cells">{{range $i, $c := .Cells}}{{if $i}}; {{end}}{{$c}}{{end}}.</span></li>
{{- end}}
</ol>
{{- end}}
{{- end}}
</section>
{{if .Scaling}}
<section id="scaling">
<h2>Scaling</h2>
<p class="note">Throughput at each thread count the machine runs at once, over the throughput at one thread, with its 95% interval (Hodges–Lehmann, from every pair of runs) and the efficiency (speedup per thread); then what oversubscription costs: the throughput at twice the CPUs over the throughput at the CPUs. The Universal Scalability Law C(N) = N / (1 + σ(N−1) + κN(N−1)) (σ contention, κ coherence, ± one standard error) is fitted only where at least four thread counts lie within the CPUs, and a peak is named only within the thread counts measured.</p>
<ul class="note">
{{- range .Cores}}
<li>{{.}}</li>
{{- end}}
</ul>
<table class="scal">
<thead><tr><th scope="col">workload</th><th scope="col">file/allocator</th><th scope="col">speedup [95% interval]</th><th scope="col">scalability law</th></tr></thead>
<tbody>
{{- range .Scaling}}
<tr><td>{{.Workload}}</td><td>{{.Column}}</td><td>{{.Speedups}}</td><td>{{.Fit}}</td></tr>
{{- end}}
</tbody>
</table>
</section>
{{- end}}

<section id="claims">
<h2>Claims</h2>
<p class="note">Published claims about allocators, judged on these files ({{.Roles}}). Each verdict lists the cells it used; a claim that cannot be judged says which cells it lacks.</p>
<table class="claims">
<thead><tr><th>ID</th><th>Claim</th><th>Published</th><th>Measured here</th><th>Holds</th><th>Cells used</th></tr></thead>
<tbody>
{{- range .Claims}}
<tr><td>{{.ID}}</td><td class="claim">{{.Claim}}</td><td>{{.Published}}</td><td>{{if .Missing}}cannot be judged: {{.Missing}}{{else}}{{.Measured}}{{end}}</td><td class="{{holdsClass .Holds}}">{{.HoldsText}}</td><td class="cells">{{if .Cells}}<ul class="cells">{{range .Cells}}<li>{{.}}</li>{{end}}</ul>{{end}}</td></tr>
{{- end}}
</tbody>
</table>
</section>
{{if .Direct}}
<section id="direct">
<h2>Direct comparisons</h2>
<p class="note">These files differ only in their C library or distribution, so the ratio of their throughputs measures that difference alone. Each mark is the ratio for one allocator at one thread count (above 1: the file named first in the plot's title is faster), the Hodges–Lehmann estimate over every pair of runs; error bars span its {{.Confidence}} interval (shown where the runs are enough for one), and faint dots are each run over the other file's median.</p>
{{- if .DirectNot}}
<p class="note">Not compared directly: {{range $i, $n := .DirectNot}}{{if $i}}; {{end}}{{$n}}{{end}}.</p>
{{- end}}
{{- range .Direct}}
<h3>{{.Title}} <small>({{.Differ}})</small></h3>
<div class="grid{{if eq $.Columns 3}} cols-3{{end}}">
{{- range .Figs}}
<figure id="fig-{{.ID}}" data-workload="{{.Workload}}" data-metric="{{.Metric}}" data-label="{{.Label}}">
{{.SVG}}
{{- if .Note}}
<figcaption>{{.Note}}</figcaption>
{{- end}}
</figure>
{{- end}}
</div>
{{- end}}
</section>
{{- end}}

<section id="plots">
<h2>Plots</h2>
<p class="note">Lines join the median of the runs at each thread count; faint dots are the individual runs, and error bars show the {{.Confidence}} confidence interval of the median where there are enough runs (six or more). Thread counts are on a log scale. Plots in one row share their y axis{{if .MultiFile}} so the files can be compared directly{{end}}; the y axis is logarithmic where the values span a factor of ten or more. Throughput is 1000 / (ns/op): million operations per second over all threads. A caption under a plot says which of its figures cannot be trusted as they stand.</p>
{{- if and .DirectNot (not .Direct)}}
<p class="note">No direct comparison (a ratio plot for files that differ only in C library or distribution): {{range $i, $n := .DirectNot}}{{if $i}}; {{end}}{{$n}}{{end}}.</p>
{{- end}}
{{- range .Workloads}}
<section id="{{.ID}}">
<h2>Workload: {{.Name}}</h2>
<div class="grid{{if eq $.Columns 3}} cols-3{{end}}">
{{- range .Rows}}
<h3>{{.Title}}</h3>
{{- if .Note}}
<p class="note" style="grid-column: 1 / -1">{{.Note}}</p>
{{- end}}
{{- range .Cells}}
{{- if .SVG}}
<figure id="fig-{{.ID}}" data-workload="{{.Workload}}" data-metric="{{.Metric}}" data-label="{{.Label}}">
{{.SVG}}
{{- if .Note}}
<figcaption>{{.Note}}</figcaption>
{{- end}}
</figure>
{{- else}}
<figure class="empty" id="fig-{{.ID}}" data-workload="{{.Workload}}" data-metric="{{.Metric}}" data-label="{{.Label}}"><p>{{.Empty}}</p></figure>
{{- end}}
{{- end}}
{{- end}}
</div>
</section>
{{- end}}
</section>
{{end}}
{{if .Warnings}}
<section id="warnings">
<h2>Warnings about the input</h2>
<details class="fold"><summary>{{len .Warnings}} warning{{if ne (len .Warnings) 1}}s{{end}}: lines skipped, results left out, files that differ</summary>
<ul class="warnings">
{{- range .Warnings}}
<li>{{.}}</li>
{{- end}}
</ul>
</details>
</section>
{{- end}}

<section id="setup">
<h2>Where each number was measured</h2>
<details class="fold"><summary>Configuration of each file: C library, allocators and their versions, kernel, distribution, CPU, limits, measurement methods</summary>
<div class="cards">
{{- range .Files}}
<div class="card" id="file-{{slug .Label}}">
<h3>{{.Label}}</h3>
<div class="path">{{.Path}} · {{.Results}} results</div>
<table>
{{- range .Groups}}
<tr><th colspan="2">{{.Name}}</th></tr>
{{- range .Rows}}
<tr{{if .Skipped}} class="skipped"{{end}}><td class="k">{{.Key}}</td><td class="v">{{.Value}}</td></tr>
{{- end}}
{{- end}}
</table>
</div>
{{- end}}
</div>
</details>
</section>
</main>
</body>
</html>
`))
