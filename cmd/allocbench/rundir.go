package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"
)

// runDir is the directory of one run. It is created fresh, never reused,
// and belongs to this process. It is made and opened relative to an open
// handle of the results directory (-o), without following a link, so that
// nobody who can write there can swap it for a link or another directory
// between the two; every file in it is then created through root, which
// refuses to leave the directory, with O_EXCL, which refuses to reuse a
// file or follow a link. The run removes only what it created, through
// these handles, never by path.
type runDir struct {
	dir    string   // its path, for messages
	parent *os.File // the results directory, open
	name   string   // its name in parent
	root   *os.Root
	// created lists what this run made in the directory, in order.
	created []string
	removed bool
	// ended counts the cells (or fidelity pairs) whose outcome is in the
	// directory: finished, failed or skipped.
	ended int
}

// afterRunDirMkdir, when not nil, runs between making the run's directory
// and opening it: tests put a race there.
var afterRunDirMkdir func(parent, name string)

// createRunDir makes a new directory for a run under parent, named by the
// time: another run started in the same second, or anything already there,
// gets a -2, -3... suffix instead of being reused. The directory must be
// the one this process just made once it is opened (not a link, nor a
// directory put in its place); note says when the name had a suffix.
func createRunDir(parent string, t time.Time) (d *runDir, note string, err error) {
	return createRunDirSuffix(parent, t, "")
}

// createRunDirSuffix is createRunDir with suffix after the time in the
// directory's name ("-exec").
func createRunDirSuffix(parent string, t time.Time, suffix string) (d *runDir, note string, err error) {
	abs, err := filepath.Abs(parent)
	if err != nil {
		return nil, "", fmt.Errorf("results directory: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, "", fmt.Errorf("results directory: %w", err)
	}
	p, err := os.Open(abs)
	if err != nil {
		return nil, "", fmt.Errorf("results directory: %w", err)
	}
	if st, err := p.Stat(); err != nil || !st.IsDir() {
		p.Close()
		if err == nil {
			err = errors.New("not a directory")
		}
		return nil, "", fmt.Errorf("results directory %s: %w", abs, err)
	}
	base := t.Format("20060102-150405") + suffix
	for i := 1; i <= 1000; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
			note = fmt.Sprintf(" (%s was taken: another run started in the same second, or it was there already)", base)
		}
		dir := filepath.Join(abs, name)
		// Private until it is checked; readable by others afterwards.
		err := mkdirAt(p, name, 0o700)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			p.Close()
			return nil, "", fmt.Errorf("results directory: %w", err)
		}
		if afterRunDirMkdir != nil {
			afterRunDirMkdir(abs, name)
		}
		root, err := openNewDirAt(p, name)
		if err != nil {
			p.Close()
			return nil, "", fmt.Errorf("results directory %s: %w", dir, err)
		}
		return &runDir{dir: dir, parent: p, name: name, root: root}, note, nil
	}
	p.Close()
	return nil, "", fmt.Errorf("results directory: %s and 999 more names after it are taken in %s", base, abs)
}

// discardUnused removes the directory of a run that ended before any cell
// did, with what the run put in it (the test binaries, empty result
// files), so that a run that fails early leaves no empty <timestamp>/
// behind; it says so on log. A directory with an ended cell is kept, and
// so is one that holds anything the run did not make.
func (d *runDir) discardUnused(log io.Writer) {
	if d.ended > 0 || d.removed {
		return
	}
	for i := len(d.created) - 1; i >= 0; i-- {
		if err := d.root.Remove(d.created[i]); err != nil {
			return
		}
	}
	d.created = nil
	if err := rmdirAt(d.parent, d.name, d.root); err == nil {
		d.removed = true
		fmt.Fprintf(log, "allocbench: removed %s: the run ended before its first cell\n", d.dir)
	}
}

func (d *runDir) path(name string) string { return filepath.Join(d.dir, name) }

// create creates a new file in the directory for appending.
func (d *runDir) create(name string, perm os.FileMode) (*os.File, error) {
	f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, perm)
	if err == nil {
		d.created = append(d.created, path.Clean(filepath.ToSlash(name)))
	}
	return f, err
}

// mkdir makes a new directory in the directory.
func (d *runDir) mkdir(name string, perm os.FileMode) error {
	err := d.root.Mkdir(name, perm)
	if err == nil {
		d.created = append(d.created, path.Clean(filepath.ToSlash(name)))
	}
	return err
}

// rename renames a file this run created, replacing nothing: to must not
// be there (a temporary file becomes the one it was written for).
func (d *runDir) rename(from, to string) error {
	if _, err := d.root.Lstat(to); err == nil {
		return fmt.Errorf("%s: %w", d.path(to), fs.ErrExist)
	}
	if err := d.root.Rename(from, to); err != nil {
		return err
	}
	for i, n := range d.created {
		if n == from {
			d.created[i] = to
		}
	}
	return nil
}

// remove removes a file this run created.
func (d *runDir) remove(name string) error {
	for i, n := range d.created {
		if n == name {
			d.created = append(d.created[:i], d.created[i+1:]...)
			return d.root.Remove(name)
		}
	}
	return fmt.Errorf("%s: not made by this run", d.path(name))
}

// open opens a file of the directory for reading.
func (d *runDir) open(name string) (*os.File, error) {
	return d.root.Open(name)
}

func (d *runDir) Close() error {
	err := d.root.Close()
	d.parent.Close()
	return err
}

// errNotNew says that what was opened as the run's new directory is not it.
func errNotNew(why string) error {
	return fmt.Errorf("%s: it was replaced after it was made; nothing was written to it", why)
}
