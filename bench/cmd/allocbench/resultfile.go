package main

import (
	"fmt"
	"os"
	"strings"
)

// resultFile is one variant's results in Go benchmark format. Every line is
// written through to the file as it comes, so a kill or a full disk loses at
// most the cell being written.
type resultFile struct {
	path       string
	f          *os.File
	wroteConf  bool
	closed     bool
	benchLines int
}

func createResultFile(path string) (*resultFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	return &resultFile{path: path, f: f}, nil
}

// add appends a cell's outcome: the configuration lines once (they are the
// same for every cell of a variant), then its benchmark lines. A failed or
// skipped cell leaves a comment line, which benchfmt readers ignore.
func (r *resultFile) add(o outcome) error {
	if !r.wroteConf && len(o.config) > 0 {
		if err := r.write(strings.Join(o.config, "\n") + "\n"); err != nil {
			return err
		}
		r.wroteConf = true
	}
	for _, line := range o.results {
		if err := r.write(line + "\n"); err != nil {
			return err
		}
		r.benchLines++
	}
	switch {
	case o.err != nil:
		return r.write(fmt.Sprintf("# failed %s: %s\n", o.cell, oneLine(o.err.Error())))
	case o.skipped != "":
		return r.write(fmt.Sprintf("# skipped %s: %s\n", o.cell, oneLine(o.skipped)))
	}
	return nil
}

func (r *resultFile) write(s string) error {
	_, err := r.f.WriteString(s)
	return err
}

func (r *resultFile) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if err := r.f.Sync(); err != nil {
		r.f.Close()
		return err
	}
	return r.f.Close()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
