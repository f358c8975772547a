// Package docs reads the project's documentation, README.md and the pages
// under docs/, for the tests that keep it true to the code: flag tables,
// package and allocator tables, commands and examples.
package docs

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Read returns README.md followed by every docs/*.md page, in name order,
// of the repository at root, each file ending with a newline.
func Read(root string) (string, error) {
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return "", err
	}
	sort.Strings(pages)
	var b strings.Builder
	for _, p := range append([]string{filepath.Join(root, "README.md")}, pages...) {
		data, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		b.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}
