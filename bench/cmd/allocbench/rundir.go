package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// createRunDir makes a new directory for a run under parent, named by the
// time: another run started in the same second, or anything already there,
// gets a -2, -3... suffix instead of being reused. The directory must belong
// to this process once it is opened; note says when the name had a suffix.
func createRunDir(parent string, t time.Time) (d *runDir, note string, err error) {
	abs, err := filepath.Abs(parent)
	if err != nil {
		return nil, "", fmt.Errorf("results directory: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, "", fmt.Errorf("results directory: %w", err)
	}
	base := t.Format("20060102-150405")
	for i := 1; i <= 1000; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
			note = fmt.Sprintf(" (%s was taken: another run started in the same second, or it was there already)", base)
		}
		dir := filepath.Join(abs, name)
		err := os.Mkdir(dir, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("results directory: %w", err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, "", fmt.Errorf("results directory: %w", err)
		}
		if err := ownedDir(root); err != nil {
			root.Close()
			return nil, "", fmt.Errorf("results directory %s: %w", dir, err)
		}
		return &runDir{dir: dir, root: root}, note, nil
	}
	return nil, "", fmt.Errorf("results directory: %s and 999 more names after it are taken in %s", base, abs)
}

// ownedDir checks that root is a directory of this process's user (the one
// this process just made, not one put in its place) and makes it writable
// by that user alone, whatever the umask.
func ownedDir(root *os.Root) error {
	st, err := root.Stat(".")
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return errors.New("not a directory")
	}
	if uid, ok := fileOwner(st); ok && uid != os.Geteuid() {
		return fmt.Errorf("owned by uid %d, not by this process (uid %d): it was replaced after it was made", uid, os.Geteuid())
	}
	return root.Chmod(".", 0o755)
}

// runDir is the directory of one run. It is created fresh, never reused,
// and belongs to this process; every file in it is created through root,
// which refuses to leave the directory, with O_EXCL, which refuses to
// reuse a file or follow a link.
type runDir struct {
	dir  string
	root *os.Root
	// ended counts the cells (or fidelity pairs) whose outcome is in the
	// directory: finished, failed or skipped.
	ended int
}

// discardUnused removes the directory of a run that ended before any cell
// did, with what it holds (the test binaries, empty result files), so that
// a run that fails early leaves no empty <timestamp>/ behind; it says so
// on log. A directory with an ended cell is kept.
func (d *runDir) discardUnused(log io.Writer) {
	if d.ended > 0 {
		return
	}
	dir, err := d.root.Open(".")
	if err != nil {
		return
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return
	}
	for _, n := range names {
		if err := d.root.RemoveAll(n); err != nil {
			return
		}
	}
	if err := os.Remove(d.dir); err == nil {
		fmt.Fprintf(log, "allocbench: removed %s: the run ended before its first cell\n", d.dir)
	}
}

func (d *runDir) path(name string) string { return filepath.Join(d.dir, name) }

// create creates a new file in the directory for appending.
func (d *runDir) create(name string, perm os.FileMode) (*os.File, error) {
	return d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, perm)
}

// open opens a file of the directory for reading.
func (d *runDir) open(name string) (*os.File, error) {
	return d.root.Open(name)
}

func (d *runDir) Close() error { return d.root.Close() }
