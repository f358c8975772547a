// Command gendocs writes the table of metrics (results.DocTable) into
// docs/workloads.md. It runs from `go generate ./internal/results`, in any
// directory of the module.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/allocbench/allocbench/internal/results"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	path := filepath.Join(root, filepath.FromSlash(results.MetricsDoc))
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	page, err := results.WithDocTable(string(data))
	if err != nil {
		return err
	}
	if page == string(data) {
		return nil
	}
	fmt.Println("gendocs: wrote", results.MetricsDoc)
	return os.WriteFile(path, []byte(page), 0o644)
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
