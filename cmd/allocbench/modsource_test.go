package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withBuildInfo(t *testing.T, version string) {
	t.Helper()
	buildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: version}}, true
	}
	t.Cleanup(func() { buildInfo = debug.ReadBuildInfo })
}

func TestModuleRootInACheckout(t *testing.T) {
	withBuildInfo(t, "(devel)")
	var log bytes.Buffer
	dir, err := moduleRoot(context.Background(), &log)
	require.NoError(t, err)
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "cmd", "allocbench"), wd, "the checkout's root")
	assert.Empty(t, log.String(), "nothing to say: it builds where it runs")
}

func TestModuleRootOutsideACheckout(t *testing.T) {
	empty := t.TempDir()
	t.Chdir(empty)

	withBuildInfo(t, "(devel)")
	withProxyVersions(t, []string{"v0.1.0", "v0.2.0"}, nil)
	_, err := moduleRoot(context.Background(), &bytes.Buffer{})
	require.Error(t, err)
	for _, want := range []string{
		"the current directory " + empty + " is not in an allocbench checkout",
		"(devel) build",
		"run it from its checkout (go run ./cmd/allocbench)",
		"go install github.com/allocbench/allocbench/cmd/allocbench@v0.2.0 (the module proxy has v0.1.0, v0.2.0)",
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "@latest", "the proxy serves no @latest for this module")

	withProxyVersions(t, nil, nil)
	_, err = moduleRoot(context.Background(), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the module proxy has no released version of it to install, clone it and run it from the clone: "+
		"git clone https://github.com/allocbench/allocbench && cd allocbench && go run ./cmd/allocbench")
	assert.NotContains(t, err.Error(), "go install")

	withBuildInfo(t, "v0.0.0-20261203080000-0123456789ab+dirty")
	_, err = moduleRoot(context.Background(), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "uncommitted changes (version v0.0.0-20261203080000-0123456789ab+dirty)")

	// Another module's directory is no checkout either.
	require.NoError(t, os.WriteFile(filepath.Join(empty, "go.mod"), []byte("module example.com/other\n\ngo 1.22\n"), 0o644))
	withBuildInfo(t, "(devel)")
	_, err = moduleRoot(context.Background(), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is in module example.com/other, not in an allocbench checkout")
}

func TestDownloadModuleError(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-modcacherw")
	t.Setenv("GOMODCACHE", t.TempDir())
	_, err := downloadModule(context.Background(), "v0.0.1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fetching this binary's own source, github.com/allocbench/allocbench@v0.0.1")
}
