package elfinfo

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindNote(t *testing.T) {
	var b []byte
	note := func(name string, typ uint32, desc []byte) {
		n := append([]byte(name), 0)
		hdr := make([]byte, 12)
		binary.LittleEndian.PutUint32(hdr, uint32(len(n)))
		binary.LittleEndian.PutUint32(hdr[4:], uint32(len(desc)))
		binary.LittleEndian.PutUint32(hdr[8:], typ)
		b = append(b, hdr...)
		b = append(b, n...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		b = append(b, desc...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	note("GNU", 1, []byte{0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}) // ABI tag
	note("Go", 3, []byte{9, 9})
	note("GNU", 3, []byte{0xde, 0xad, 0xbe, 0xef, 1})
	assert.Equal(t, []byte{0xde, 0xad, 0xbe, 0xef, 1}, findNote(b, binary.LittleEndian, "GNU", 3))
	assert.Nil(t, findNote(b[:len(b)-8], binary.LittleEndian, "GNU", 3), "a cut note is not read past its end")
	assert.Nil(t, findNote(b, binary.LittleEndian, "GNU", 4))
}

func TestReadSharedLibrary(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("ALLOCBENCH_REQUIRE") == "all" {
			t.Fatal("gcc is needed")
		}
		t.Skip("no gcc")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "x.c")
	require.NoError(t, os.WriteFile(src, []byte("int x_exported(void) { return 1; }\nstatic int hidden(void) { return 2; }\nint use(void) { return hidden(); }\n"), 0o644))
	lib := filepath.Join(dir, "libx.so")
	out, err := exec.Command("gcc", "-shared", "-fPIC", "-Wl,--build-id=sha1", "-o", lib, src).CombinedOutput()
	require.NoError(t, err, "%s", out)
	l, err := Read(lib)
	require.NoError(t, err)
	assert.True(t, l.Defined["x_exported"])
	assert.False(t, l.Defined["hidden"])
	assert.False(t, l.Defined["malloc"], "undefined references are not definitions")
	assert.Regexp(t, `^[0-9a-f]{40}$`, l.BuildID)
	assert.Equal(t, l.BuildID, BuildID(lib))

	out, err = exec.Command("gcc", "-shared", "-fPIC", "-Wl,--build-id=none", "-o", lib, src).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "", BuildID(lib))

	exe := filepath.Join(dir, "x.o")
	out, err = exec.Command("gcc", "-c", "-o", exe, src).CombinedOutput()
	require.NoError(t, err, "%s", out)
	_, err = Read(exe)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a shared library")

	txt := filepath.Join(dir, "x.txt")
	require.NoError(t, os.WriteFile(txt, []byte("not elf at all"), 0o644))
	_, err = Read(txt)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not an ELF file")
}

func TestReadExecutable(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	e, err := ReadExecutable(sh)
	require.NoError(t, err)
	assert.False(t, e.Static(), "Debian's sh is dynamically linked")
	assert.Contains(t, e.Interpreter, "ld-")

	text := filepath.Join(t.TempDir(), "script")
	require.NoError(t, os.WriteFile(text, []byte("#!/bin/sh\n"), 0o755))
	_, err = ReadExecutable(text)
	assert.ErrorContains(t, err, "not an ELF program")
}
