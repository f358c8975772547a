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
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
</style>
</head>
<body>
<main>
<header>
<h1>{{.Title}}</h1>
<p class="meta">{{if .Generated}}Generated {{.Generated}} from {{else}}From {{end}}{{len .Files}} result file{{if ne (len .Files) 1}}s{{end}}{{range $i, $f := .Files}}{{if $i}},{{end}} <code>{{$f.Label}}</code>{{end}}.</p>
<nav><a href="#setup">Setup</a>{{if .Warnings}}<a href="#warnings">Warnings</a>{{end}}{{range .Workloads}}<a href="#{{.ID}}">{{.Name}}</a>{{end}}{{if .Claims}}<a href="#claims">Claims</a>{{end}}</nav>
</header>

<section id="setup">
<h2>Where each number was measured</h2>
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
</section>
{{if .Warnings}}
<section id="warnings">
<h2>Warnings about the input</h2>
<ul class="warnings">
{{- range .Warnings}}
<li>{{.}}</li>
{{- end}}
</ul>
</section>
{{- end}}

<section id="plots">
<h2>Results</h2>
<p class="note">Lines join the median of the runs at each thread count; faint dots are the individual runs, and error bars show the 95% confidence interval of the median where there are enough runs (six or more). Thread counts are on a log scale. Plots in one row share their y axis{{if .MultiFile}} so the files can be compared directly{{end}}; the y axis is logarithmic where the values span a factor of ten or more. Throughput is 1000 / (ns/op): million operations per second over all threads.</p>
{{- range .Workloads}}
<section id="{{.ID}}">
<h2>Workload: {{.Name}}</h2>
<div class="grid{{if eq $.Columns 3}} cols-3{{end}}">
{{- range .Rows}}
{{- if $.MultiFile}}
<h3>{{.Title}}</h3>
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
{{if .Claims}}
<section id="claims">
<h2>Claims</h2>
<table class="claims">
<thead><tr><th>ID</th><th>Claim</th><th>Published</th><th>Measured</th><th>Holds</th><th>Cell</th></tr></thead>
<tbody>
{{- range .Claims}}
<tr><td>{{.ID}}</td><td>{{.Claim}}</td><td>{{.Published}}</td><td>{{.Measured}}</td><td class="{{holdsClass .Holds}}">{{.Holds}}</td><td><code>{{.Cell}}</code></td></tr>
{{- end}}
</tbody>
</table>
</section>
{{- end}}
</main>
</body>
</html>
`))
