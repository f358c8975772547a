package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/allocbench/allocbench/bench/compare"
	"github.com/allocbench/allocbench/bench/report"
)

// readVariants reads the variants' result files in the run's directory.
func readVariants(d *runDir, variants []variant) ([]*compare.File, []compare.Warning) {
	var files []*compare.File
	var warns []compare.Warning
	for _, v := range variants {
		src := compare.Source{Label: v.name, Path: d.path(v.name + ".txt")}
		fh, err := d.open(v.name + ".txt")
		if err != nil {
			warns = append(warns, compare.Warning{File: src.Path, Msg: "cannot read: " + err.Error()})
			continue
		}
		f, w := compare.Read(src, fh)
		fh.Close()
		files = append(files, f)
		warns = append(warns, w...)
	}
	warns = append(warns, compare.EnvWarnings(files)...)
	return files, append(warns, compare.FutexMethodWarnings(files)...)
}

// writeReport writes report.html in the run's directory from the variants'
// result files, which readVariants read.
func writeReport(d *runDir, files []*compare.File, warnings []compare.Warning) (string, error) {
	f, err := d.create("report.html", 0o644)
	if err != nil {
		return "", err
	}
	in := report.Input{
		Title:     fmt.Sprintf("allocbench %s", filepath.Base(d.dir)),
		Generated: time.Now(),
		Files:     files,
		Warnings:  warnings,
	}
	if err := report.Write(f, in); err != nil {
		f.Close()
		return "", err
	}
	return d.path("report.html"), f.Close()
}
