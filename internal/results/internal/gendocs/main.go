// Command gendocs writes the table of metrics (results.DocTable) into
// docs/workloads.md. It runs from `go generate ./internal/results`.
package main

import (
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
	// go generate runs this in the folder of package results.
	path := filepath.Join("..", "..", filepath.FromSlash(results.MetricsDoc))
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
