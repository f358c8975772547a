//go:build !linux

package main

import (
	"os"
	"path/filepath"
)

// mkdirAt makes the directory name in p. (The jobs that make run
// directories run on Linux; see rundir_linux.go.)
func mkdirAt(p *os.File, name string, perm os.FileMode) error {
	return os.Mkdir(filepath.Join(p.Name(), name), perm)
}

// openNewDirAt opens the directory name of p.
func openNewDirAt(p *os.File, name string) (*os.Root, error) {
	root, err := os.OpenRoot(filepath.Join(p.Name(), name))
	if err != nil {
		return nil, err
	}
	if err := root.Chmod(".", 0o755); err != nil {
		root.Close()
		return nil, err
	}
	return root, nil
}

// rmdirAt removes the empty directory name of p.
func rmdirAt(p *os.File, name string, root *os.Root) error {
	return os.Remove(filepath.Join(p.Name(), name))
}
