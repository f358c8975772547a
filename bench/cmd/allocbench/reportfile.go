package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/allocbench/allocbench/bench/compare"
	"github.com/allocbench/allocbench/bench/report"
)

// writeReport writes dir/report.html from the variants' result files and
// the claims table.
func writeReport(dir string, variants []variant, claims []report.Claim) (string, error) {
	var sources []compare.Source
	for _, v := range variants {
		sources = append(sources, compare.Source{Label: v.name, Path: filepath.Join(dir, v.name+".txt")})
	}
	files, warnings := compare.ReadFiles(sources)
	path := filepath.Join(dir, "report.html")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	in := report.Input{
		Title:     fmt.Sprintf("allocbench %s", filepath.Base(dir)),
		Generated: time.Now(),
		Files:     files,
		Warnings:  warnings,
		Claims:    claims,
	}
	if err := report.Write(f, in); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}
