package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/allocbench/allocbench/internal/analysis/report"
	"github.com/allocbench/allocbench/internal/results"
)

// readVariants reads the variants' result files in the run's directory.
func readVariants(d *runDir, variants []variant) ([]*results.File, []results.Warning) {
	var files []*results.File
	var warns []results.Warning
	for _, v := range variants {
		src := results.Source{Label: v.name, Path: d.path(v.name + ".txt")}
		fh, err := d.open(v.name + ".txt")
		if err != nil {
			warns = append(warns, results.Warning{File: src.Path, Msg: "cannot read: " + err.Error()})
			continue
		}
		f, w := results.Read(src, fh)
		fh.Close()
		files = append(files, f)
		warns = append(warns, w...)
	}
	warns = append(warns, results.EnvWarnings(files)...)
	return files, append(warns, results.FutexMethodWarnings(files)...)
}

// writeReport writes report.html in the run's directory from the variants'
// result files, which readVariants read: into a new file beside it, renamed
// to report.html once it is whole and synced, so that a full disk leaves no
// half page, and an error says so.
func writeReport(d *runDir, files []*results.File, warnings []results.Warning) (string, error) {
	in := report.Input{
		Title:     fmt.Sprintf("allocbench %s", filepath.Base(d.dir)),
		Generated: time.Now(),
		Files:     files,
		Warnings:  warnings,
	}
	return writeWhole(d, "report.html", func(f *os.File) error { return report.Write(reportWriter(f), in) })
}

// writeWhole writes name in the run's directory whole or not at all: into
// a temporary file, synced, then renamed; a failure removes the temporary
// file and names the file.
func writeWhole(d *runDir, name string, write func(*os.File) error) (string, error) {
	tmp := fmt.Sprintf(".%s.%d.tmp", name, os.Getpid())
	f, err := d.create(tmp, 0o644)
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", d.path(name), err)
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.rename(tmp, name)
	}
	if err != nil {
		d.remove(tmp)
		return "", fmt.Errorf("writing %s: %w", d.path(name), err)
	}
	return d.path(name), nil
}

// reportWriter is what the report is written through: the file itself
// (tests put a full disk in its place).
var reportWriter = func(f *os.File) io.Writer { return f }

// reportError is the job's error for a report that could not be written,
// or nil.
func reportError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("report: %w (the result files are whole)", err)
}
