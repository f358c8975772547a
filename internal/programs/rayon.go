package programs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// MuslTarget is Rust's name for x86-64 Linux with musl.
const MuslTarget = "x86_64-unknown-linux-musl"

// Toolchain is the cargo and rustc a build uses.
type Toolchain struct {
	Cargo string
	Rustc string // empty: cargo's own choice
}

// DistroToolchain returns the distribution's cargo and rustc (/usr/bin)
// where both are there, else the cargo on PATH; a rustup in front of PATH
// would otherwise build with another compiler than the packaged crates
// were checked with.
func DistroToolchain() (Toolchain, error) {
	if isExec("/usr/bin/cargo") && isExec("/usr/bin/rustc") {
		return Toolchain{Cargo: "/usr/bin/cargo", Rustc: "/usr/bin/rustc"}, nil
	}
	c, err := exec.LookPath("cargo")
	if err != nil {
		return Toolchain{}, errors.New("no cargo: Debian's cargo and rustc packages build examples/rayonmap")
	}
	return Toolchain{Cargo: c}, nil
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// RegistryDir is where Debian's librust-*-dev packages put crate sources;
// examples/rayonmap/.cargo/config.toml builds from there, offline.
const RegistryDir = "/usr/share/cargo/registry"

// BuildRayonMap copies the Cargo project src (examples/rayonmap) into dir,
// builds it there offline, for target ("" for the host's), and returns
// the binary's path. The project is copied so that the build writes
// nothing (Cargo.lock, target/) into the source tree. A failed build
// returns cargo's last lines.
func BuildRayonMap(ctx context.Context, tc Toolchain, src, dir, target string) (string, error) {
	if _, err := os.Stat(filepath.Join(RegistryDir, "rayon-1.6.1")); err != nil {
		if matches, _ := filepath.Glob(filepath.Join(RegistryDir, "rayon-1.*")); len(matches) == 0 {
			return "", fmt.Errorf("no rayon sources under %s: Debian's librust-rayon-dev installs them", RegistryDir)
		}
	}
	work := filepath.Join(dir, "rayonmap")
	if err := copyTree(src, work); err != nil {
		return "", fmt.Errorf("copying %s: %w", src, err)
	}
	args := []string{"build", "--release", "--offline", "--target-dir", filepath.Join(dir, "target")}
	if target != "" {
		args = append(args, "--target", target)
	}
	cmd := exec.CommandContext(ctx, tc.Cargo, args...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "CARGO_TERM_COLOR=never")
	if tc.Rustc != "" {
		cmd.Env = append(cmd.Env, "RUSTC="+tc.Rustc)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", tc.Cargo, strings.Join(args, " "), err, lastLines(out.String(), 12))
	}
	bin := filepath.Join(dir, "target", target, "release", "rayonmap")
	if !isExec(bin) {
		return "", fmt.Errorf("cargo built no %s", bin)
	}
	return bin, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// copyTree copies the regular files under src (its .cargo/config.toml
// included) to dst, leaving out a target directory and Cargo.lock.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if rel == "target" || rel == "Cargo.lock" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
}

// CachedRayonMap is BuildRayonMap into a directory under the user's cache
// (os.UserCacheDir, allocbench/rayonmap), named by a digest of the
// sources, the toolchain and the target, so that a second call with the
// same ones reuses the binary.
func CachedRayonMap(ctx context.Context, tc Toolchain, src, target string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the rayonmap build: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", tc.Cargo, tc.Rustc, target)
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.HasSuffix(p, "Cargo.lock") || strings.Contains(p, string(filepath.Separator)+"target"+string(filepath.Separator)) {
			return err
		}
		b, err := os.ReadFile(p)
		fmt.Fprintf(h, "%s\x00%d\x00", p[len(src):], len(b))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", src, err)
	}
	dir := filepath.Join(base, "allocbench", "rayonmap", hex.EncodeToString(h.Sum(nil))[:16])
	bin := filepath.Join(dir, "target", target, "release", "rayonmap")
	if isExec(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return BuildRayonMap(ctx, tc, src, dir, target)
}
