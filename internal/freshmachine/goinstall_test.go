package freshmachine

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/sysinfo"
)

const (
	modulePath = "github.com/allocbench/allocbench"
	// testVersion is the version the test publishes the clone as.
	testVersion = "v0.1.0"
)

// TestGoInstall publishes a clean clone of the module to a file-based
// GOPROXY, installs the command from there with go install into an empty
// GOBIN, and runs the quick main job from an empty directory: the installed
// binary finds its own source through its build info and builds the test
// binaries from it.
func TestGoInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("installs allocbench with go install and runs the quick main job; skipped with -short")
	}
	_, err := exec.LookPath("go")
	need(t, err == nil, "needs the go command")
	dir := t.TempDir()
	src := cleanClone(t, dir)
	proxy := filepath.Join(dir, "proxy")
	publish(t, src, proxy, testVersion)

	gobin := filepath.Join(dir, "bin")
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	env := append(os.Environ(),
		"GOBIN="+gobin,
		// A module cache of its own, so that nothing of an earlier run is
		// taken for the version; writable, so the test can remove it.
		"GOMODCACHE="+filepath.Join(dir, "modcache"),
		"GOFLAGS=-modcacherw",
		// The module from the test's proxy, its dependencies from the
		// host's module cache: no network.
		"GOPROXY=file://"+proxy+",file://"+filepath.Join(goEnv(t, "GOMODCACHE"), "cache", "download"),
		"GOSUMDB=off",
		"GOTOOLCHAIN=local",
	)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	start := time.Now()
	install := exec.CommandContext(ctx, "go", "install", modulePath+"/cmd/allocbench@"+testVersion)
	install.Dir, install.Env = empty, env
	out, err := install.CombinedOutput()
	require.NoError(t, err, "go install: %s", out)
	t.Logf("go install took %s", time.Since(start).Round(time.Second))
	bin := filepath.Join(gobin, "allocbench")
	out, err = exec.Command("go", "version", "-m", bin).Output()
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^\s+mod\s+`+modulePath+`\s+`+testVersion+`\s`, string(out), "the binary knows its version")

	start = time.Now()
	job := exec.CommandContext(ctx, bin, "-quick", "-o", filepath.Join(dir, "results"))
	job.Dir, job.Env = empty, env
	log := &timedLog{start: start}
	job.Stdout, job.Stderr = log, log
	err = job.Run()
	require.NoError(t, err, "allocbench -quick from an empty directory:\n%s", tail(log.String(), 60))
	t.Logf("the quick main job took %s", time.Since(start).Round(time.Second))
	moduleDir := filepath.Join(dir, "modcache", modulePath+"@"+testVersion)
	assert.Contains(t, log.String(), "building the test binaries from this binary's own version, "+modulePath+"@"+testVersion+", in "+moduleDir,
		"it says where it builds from")
	entries, err := os.ReadDir(empty)
	require.NoError(t, err)
	assert.Empty(t, entries, "the job writes nothing into the directory it runs in when -o points elsewhere")
	checkResults(t, resultsDir(t, filepath.Join(dir, "results")), allocsByVariant(sysinfo.Release()))
}

// publish lays out a file-based module proxy under dir that serves the
// files git tracks in src as module@version: @v/list, .info, .mod and .zip.
func publish(t *testing.T, src, dir, version string) {
	t.Helper()
	at := filepath.Join(dir, filepath.FromSlash(modulePath), "@v")
	require.NoError(t, os.MkdirAll(at, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(at, "list"), []byte(version+"\n"), 0o644))
	info, err := json.Marshal(struct{ Version, Time string }{version, time.Now().UTC().Format(time.RFC3339)})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(at, version+".info"), info, 0o644))
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(at, version+".mod"), gomod, 0o644))

	out, err := exec.Command("git", "-C", src, "ls-files", "-z").Output()
	require.NoError(t, err)
	names := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	// A directory with its own go.mod is another module: the module's zip
	// leaves it out, as the go command's does.
	var nested []string
	for _, name := range names {
		if path.Base(name) == "go.mod" && name != "go.mod" {
			nested = append(nested, path.Dir(name)+"/")
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		if slices.ContainsFunc(nested, func(dir string) bool { return strings.HasPrefix(name, dir) }) {
			continue
		}
		st, err := os.Lstat(filepath.Join(src, name))
		require.NoError(t, err)
		if !st.Mode().IsRegular() {
			continue // module zips hold regular files only
		}
		data, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		w, err := zw.Create(modulePath + "@" + version + "/" + name)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(filepath.Join(at, version+".zip"), buf.Bytes(), 0o644))
}
