package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// compare and report build for macOS and Windows without cgo; the
// Linux-only parts are behind build tags.
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the command")
	}
	for _, goos := range []string{"darwin", "windows"} {
		for _, args := range [][]string{
			{"build", "-o", filepath.Join(t.TempDir(), "allocbench"), "."},
			{"vet", "."},
		} {
			cmd := exec.Command("go", args...)
			cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
			out, err := cmd.CombinedOutput()
			assert.NoError(t, err, "GOOS=%s go %s:\n%s", goos, strings.Join(args, " "), out)
		}
	}
}
