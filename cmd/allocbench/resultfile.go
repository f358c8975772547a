package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/allocbench/allocbench/internal/results"
)

// appendFile is what a result file is written through: an *os.File opened
// for appending (tests put a full disk in its place).
type appendFile interface {
	io.Writer
	Truncate(size int64) error
	Sync() error
	Close() error
}

// resultFile is one variant's results in Go benchmark format, and its cells'
// logs beside it. Each cell is written whole as soon as it ends, so a kill
// loses at most the cell that was running; a write that fails (a full disk)
// is undone, so that the file ends on the last whole cell, and the file says
// which cell could not be written where it can.
type resultFile struct {
	path    string
	f       appendFile
	size    int64 // bytes of whole cells written
	closed  bool
	logPath string
	log     appendFile
	logErr  error
	// The configuration the lines written so far set, and its keys in
	// the order they were written.
	config map[string]string
	keys   []string
}

// createResultFile creates name and name's .log in the run's directory,
// refusing to reuse or follow anything that is there.
func createResultFile(d *runDir, name string) (*resultFile, error) {
	f, err := d.create(name, 0o644)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	logName := strings.TrimSuffix(name, filepath.Ext(name)) + ".log"
	log, err := d.create(logName, 0o644)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("results: %w", err)
	}
	return &resultFile{path: d.path(name), f: f, logPath: d.path(logName), log: log, config: map[string]string{}}, nil
}

// add appends a cell's outcome: for a cell with results, the configuration
// lines that differ from what the file already sets (benchfmt applies
// configuration lines to the results after them), then its result lines, marked with
// results.FailedKey when the cell failed, then a comment line for a failed
// or skipped cell. Its log goes to the log file.
func (r *resultFile) add(o outcome) error {
	var b strings.Builder
	next, order := r.config, r.keys
	if len(o.results) > 0 {
		next, order = r.configLines(&b, o.config)
	}
	failed := o.err != nil && len(o.results) > 0
	if failed {
		fmt.Fprintf(&b, "%s: %s: %s\n", results.FailedKey, o.cell, oneLine(o.err.Error()))
	}
	for _, line := range o.results {
		b.WriteString(line + "\n")
	}
	if failed {
		b.WriteString(results.FailedKey + ":\n")
	}
	switch {
	case o.err != nil:
		fmt.Fprintf(&b, "# failed %s: %s\n", o.cell, oneLine(o.err.Error()))
	case o.skipped != "":
		fmt.Fprintf(&b, "# skipped %s: %s\n", o.cell, oneLine(o.skipped))
	}
	if err := r.writeWhole(b.String()); err != nil {
		r.writeWhole(fmt.Sprintf("# failed %s: its results could not be written: %s\n", o.cell, oneLine(err.Error())))
		return err
	}
	r.config, r.keys = next, order
	r.writeLog(o)
	return nil
}

// configLines writes to b the lines that take the file's configuration to
// the cell's, and returns the cell's. A cell that printed no configuration
// (it crashed first) changes nothing.
func (r *resultFile) configLines(b *strings.Builder, lines []string) (map[string]string, []string) {
	if len(lines) == 0 {
		return r.config, r.keys
	}
	next := map[string]string{}
	var order []string
	for _, line := range lines {
		key, value, _ := results.ConfigLine(line)
		if _, ok := next[key]; !ok {
			order = append(order, key)
		}
		next[key] = value
	}
	for _, k := range r.keys {
		if v, ok := next[k]; !ok || v == "" {
			b.WriteString(k + ":\n")
		}
	}
	var kept []string
	for _, k := range order {
		v := next[k]
		if v == "" {
			delete(next, k)
			continue
		}
		kept = append(kept, k)
		if old, ok := r.config[k]; !ok || old != v {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return next, kept
}

// writeWhole appends s, or nothing: after a failed write the file is cut
// back to where it was.
func (r *resultFile) writeWhole(s string) error {
	n, err := r.f.Write([]byte(s))
	if err != nil {
		if terr := r.f.Truncate(r.size); terr != nil {
			return fmt.Errorf("%w; cutting the file back to its last whole cell failed too: %v", err, terr)
		}
		return err
	}
	r.size += int64(n)
	return nil
}

// writeLog appends the cell's log: a header, then what it printed that is
// not in the result file. A log that cannot be written is given up, once.
func (r *resultFile) writeLog(o outcome) {
	if r.logErr != nil {
		return
	}
	status := "ok"
	switch {
	case o.err != nil:
		status = "failed: " + oneLine(o.err.Error())
	case o.skipped != "":
		status = "skipped: " + oneLine(o.skipped)
	}
	_, r.logErr = fmt.Fprintf(r.log, "=== %s: %s (%s)\n%s", o.cell, status, o.elapsed.Round(1e6), o.log)
}

func (r *resultFile) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.log.Close()
	if err := r.f.Sync(); err != nil {
		r.f.Close()
		return err
	}
	return r.f.Close()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
