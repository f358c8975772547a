package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withProxyVersions(t *testing.T, versions []string, err error) {
	t.Helper()
	proxyVersions = func(context.Context) ([]string, error) { return versions, err }
	t.Cleanup(func() { proxyVersions = goListVersions })
}

func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.0",
		Main:      debug.Module{Path: modulePath, Version: "v0.3.0"},
		Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-03T08:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	assert.Equal(t, "allocbench v0.3.0\n"+
		"module github.com/allocbench/allocbench\n"+
		"revision 0123456789abcdef0123456789abcdef01234567 2026-12-03T08:00:00Z (uncommitted changes)\n"+
		"built with go1.26.0 for linux/amd64\n", versionText(bi))

	bi.Settings[5].Value = "false"
	assert.Contains(t, versionText(bi), "revision 0123456789abcdef0123456789abcdef01234567 2026-12-03T08:00:00Z\n")

	bare := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: modulePath, Version: "(devel)"}}
	assert.Equal(t, "allocbench (devel)\n"+
		"module github.com/allocbench/allocbench\n"+
		"revision unknown: the build has no version control information (go run, go test and -buildvcs=false leave it out, as does a build outside a git clone)\n"+
		"built with go1.26.0\n", versionText(bare))
}

func TestVersionCommand(t *testing.T) {
	withBuildInfo(t, "v0.3.0")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"version"}, &stdout, &stderr))
	assert.Equal(t, "allocbench v0.3.0\nmodule github.com/allocbench/allocbench\n", stdout.String()[:len("allocbench v0.3.0\nmodule github.com/allocbench/allocbench\n")])
	assert.Empty(t, stderr.String())

	// The real build information of this test binary.
	buildInfo = debug.ReadBuildInfo
	stdout.Reset()
	require.NoError(t, run([]string{"version"}, &stdout, &stderr))
	assert.Regexp(t, `^allocbench \S+\nmodule github.com/allocbench/allocbench\nrevision .+\nbuilt with go1\.\S+`, stdout.String())

	stdout.Reset()
	err := run([]string{"version", "now"}, &stdout, &stderr)
	require.Error(t, err)
	assert.Equal(t, 2, exitCode(err))
	assert.Contains(t, err.Error(), `version takes no arguments, not "now"`)
	assert.Empty(t, stdout.String())

	stderr.Reset()
	require.NoError(t, run([]string{"help", "version"}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), versionSummary)
}

// goListVersions asks the go command, which asks the proxies in GOPROXY:
// here a file-based one.
func TestGoListVersions(t *testing.T) {
	proxy := t.TempDir()
	list := filepath.Join(proxy, modulePath, "@v", "list")
	require.NoError(t, os.MkdirAll(filepath.Dir(list), 0o755))
	require.NoError(t, os.WriteFile(list, []byte("v0.2.0\nv0.1.0\n"), 0o644))
	for _, v := range []string{"v0.1.0", "v0.2.0"} {
		// The go command reads the newest version's go.mod for retractions.
		base := filepath.Join(filepath.Dir(list), v)
		require.NoError(t, os.WriteFile(base+".info", []byte(`{"Version":"`+v+`","Time":"2026-01-01T00:00:00Z"}`), 0o644))
		require.NoError(t, os.WriteFile(base+".mod", []byte("module "+modulePath+"\n\ngo 1.26.0\n"), 0o644))
	}
	t.Setenv("GOPROXY", "file://"+proxy)
	t.Setenv("GOFLAGS", "-modcacherw")
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GONOSUMDB", modulePath)
	versions, err := goListVersions(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"v0.1.0", "v0.2.0"}, versions)

	require.NoError(t, os.WriteFile(list, nil, 0o644))
	versions, err = goListVersions(context.Background())
	require.NoError(t, err)
	assert.Empty(t, versions)

	t.Setenv("GOPROXY", "off")
	_, err = goListVersions(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "go list -m -versions github.com/allocbench/allocbench: ")
}

func TestInstallAdvice(t *testing.T) {
	withProxyVersions(t, []string{"v0.1.0", "v0.2.0"}, nil)
	assert.Equal(t, "or install a released version and run that: go install github.com/allocbench/allocbench/cmd/allocbench@v0.2.0 (the module proxy has v0.1.0, v0.2.0)",
		installAdvice(context.Background()))

	clone := "clone it and run it from the clone: git clone https://github.com/allocbench/allocbench && cd allocbench && go run ./cmd/allocbench"
	withProxyVersions(t, nil, nil)
	assert.Equal(t, "or, as the module proxy has no released version of it to install, "+clone, installAdvice(context.Background()))

	withProxyVersions(t, nil, errors.New("go list -m -versions github.com/allocbench/allocbench: 403 Forbidden"))
	assert.Equal(t, "or, as the module proxy could not be asked for a released version to install (go list -m -versions github.com/allocbench/allocbench: 403 Forbidden), "+clone,
		installAdvice(context.Background()))
}
