// Command proginputs writes the inputs of the real programs docs/exec.md
// measures: a tree of text files for ripgrep and a text file for xz, the
// same for the same arguments (package internal/programs).
//
//	go run ./examples/proginputs -tree /tmp/p/tree -files 3000 -text /tmp/p/input.txt -size 16777216
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/allocbench/allocbench/internal/programs"
)

func main() {
	tree := flag.String("tree", "", "directory to write the text tree into (none: no tree)")
	files := flag.Int("files", 3000, "files in the tree")
	text := flag.String("text", "", "file to write the text into (none: no file)")
	size := flag.Int64("size", 16<<20, "bytes of the text file")
	flag.Parse()
	if err := run(*tree, *files, *text, *size); err != nil {
		fmt.Fprintln(os.Stderr, "proginputs:", err)
		os.Exit(1)
	}
}

func run(tree string, files int, text string, size int64) error {
	if tree == "" && text == "" {
		return fmt.Errorf("nothing to write: give -tree DIR, -text FILE or both")
	}
	if tree != "" {
		n, err := programs.TextTree(tree, files, 1)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %d files, %d bytes\n", tree, files, n)
	}
	if text != "" {
		if err := programs.TextFile(text, size, 2); err != nil {
			return err
		}
		fmt.Printf("%s: %d bytes\n", text, size)
	}
	return nil
}
