// Package elfinfo reads what allocbench needs to know about a shared
// library before it loads it: that it is a shared object for this machine,
// the symbols it defines, and its GNU build-id.
package elfinfo

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
)

// Library is what was read from a shared library's file.
type Library struct {
	Path string
	// Defined are the dynamic symbols the library defines (functions and
	// data, any binding but local).
	Defined map[string]bool
	// BuildID is the GNU build-id note, in hex; "" when there is none.
	BuildID string
}

// machines maps GOARCH to the ELF machine a library must be built for.
var machines = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"386":     elf.EM_386,
	"arm64":   elf.EM_AARCH64,
	"arm":     elf.EM_ARM,
	"riscv64": elf.EM_RISCV,
	"ppc64le": elf.EM_PPC64,
	"s390x":   elf.EM_S390,
}

// Read opens path and checks that it is an ELF shared object for this
// machine.
func Read(path string) (Library, error) {
	f, err := elf.Open(path)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) || errors.Is(err, io.EOF) {
			return Library{}, fmt.Errorf("%s is not an ELF file (%v): give a shared library (.so)", path, err)
		}
		return Library{}, err
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return Library{}, fmt.Errorf("%s is an ELF %s, not a shared library (.so)", path, f.Type)
	}
	if m, ok := machines[runtime.GOARCH]; ok && f.Machine != m {
		return Library{}, fmt.Errorf("%s is built for %s, but this machine is %s", path, f.Machine, m)
	}
	lib := Library{Path: path, Defined: map[string]bool{}}
	syms, err := f.DynamicSymbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return Library{}, fmt.Errorf("%s: reading its dynamic symbols: %w", path, err)
	}
	for _, s := range syms {
		if s.Section == elf.SHN_UNDEF || elf.ST_BIND(s.Info) == elf.STB_LOCAL {
			continue
		}
		lib.Defined[s.Name] = true
	}
	lib.BuildID = buildID(f)
	return lib, nil
}

// BuildID returns the GNU build-id of the ELF file at path, in hex, or ""
// when it has none or cannot be read.
func BuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	return buildID(f)
}

// buildID finds the NT_GNU_BUILD_ID note in the file's note segments (or
// note sections, for a file without program headers).
func buildID(f *elf.File) string {
	var notes [][]byte
	for _, p := range f.Progs {
		if p.Type == elf.PT_NOTE {
			if b, err := io.ReadAll(p.Open()); err == nil {
				notes = append(notes, b)
			}
		}
	}
	if len(notes) == 0 {
		for _, s := range f.Sections {
			if s.Type == elf.SHT_NOTE {
				if b, err := s.Data(); err == nil {
					notes = append(notes, b)
				}
			}
		}
	}
	for _, b := range notes {
		if id := findNote(b, f.ByteOrder, "GNU", 3 /* NT_GNU_BUILD_ID */); id != nil {
			return hex.EncodeToString(id)
		}
	}
	return ""
}

// findNote walks ELF notes (namesz, descsz, type, name, desc, each padded
// to 4 bytes) and returns the descriptor of the first note with the given
// name and type.
func findNote(b []byte, order binary.ByteOrder, name string, typ uint32) []byte {
	align := func(n uint32) uint32 { return (n + 3) &^ 3 }
	for len(b) >= 12 {
		namesz, descsz, t := order.Uint32(b), order.Uint32(b[4:]), order.Uint32(b[8:])
		b = b[12:]
		if uint64(align(namesz))+uint64(align(descsz)) > uint64(len(b)) {
			return nil
		}
		n := bytes.TrimRight(b[:namesz], "\x00")
		desc := b[align(namesz) : align(namesz)+descsz]
		if t == typ && string(n) == name {
			return desc
		}
		b = b[align(namesz)+align(descsz):]
	}
	return nil
}

// Executable is what was read from a program's file.
type Executable struct {
	Path string
	// Interpreter is the dynamic linker the program names (PT_INTERP);
	// "" for a statically linked program, which the dynamic linker never
	// sees, so that LD_PRELOAD does nothing to it.
	Interpreter string
}

// Static reports whether the program is statically linked (static-pie
// included): it has no dynamic linker.
func (e Executable) Static() bool { return e.Interpreter == "" }

// ReadExecutable opens path and checks that it is an ELF program for this
// machine, and reads whether it is dynamically linked.
func ReadExecutable(path string) (Executable, error) {
	f, err := elf.Open(path)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) || errors.Is(err, io.EOF) {
			return Executable{}, fmt.Errorf("%s is not an ELF program (%v)", path, err)
		}
		return Executable{}, err
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return Executable{}, fmt.Errorf("%s is an ELF %s, not a program", path, f.Type)
	}
	if m, ok := machines[runtime.GOARCH]; ok && f.Machine != m {
		return Executable{}, fmt.Errorf("%s is built for %s, but this machine is %s", path, f.Machine, m)
	}
	e := Executable{Path: path}
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p.Open(), 4096))
		if err != nil {
			return Executable{}, fmt.Errorf("%s: reading its interpreter: %w", path, err)
		}
		e.Interpreter = string(bytes.TrimRight(b, "\x00"))
	}
	return e, nil
}
