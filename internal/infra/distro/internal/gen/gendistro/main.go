// Command gendistro writes what package distro's record gives into the
// files that show it (see package gen). It runs from `go generate
// ./internal/infra/distro`, in any directory of the module.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/allocbench/allocbench/internal/infra/distro/internal/gen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gendistro:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	wrote, err := gen.Write(root)
	for _, p := range wrote {
		fmt.Println("gendistro: wrote", p)
	}
	return err
}

// moduleRoot is the nearest directory at or above the working directory
// with a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}
