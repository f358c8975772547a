package alloc

import (
	"fmt"
	"strings"
)

// MarkdownTable renders the built-in records as the allocator table of
// docs/allocators.md; a test keeps the page equal to it.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| allocator | libraries (release: soname (package)) | entry points | version | trim | musl variant |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, s := range builtins {
		libs := "part of the binary"
		if s.Kind == Harness {
			libs = "inside the harness"
		}
		if len(s.Libraries) > 0 {
			// Releases that share soname and package share a cell.
			var keys []string
			groups := map[string][]string{}
			for _, r := range sortedReleases(s) {
				l, _ := s.On(r)
				k := fmt.Sprintf("`%s` (`%s`)", l.Soname, l.Package)
				if _, ok := groups[k]; !ok {
					keys = append(keys, k)
				}
				groups[k] = append(groups[k], r)
			}
			var parts []string
			for _, k := range keys {
				parts = append(parts, strings.Join(groups[k], ", ")+": "+k)
			}
			libs = strings.Join(parts, "; ")
		}
		m, f, r := s.Symbols()
		entry := fmt.Sprintf("`%s`, `%s`, `%s`", m, f, r)
		musl := "not built: " + s.MuslSkip
		switch {
		case s.Kind != Shared:
			musl = "musl's own"
			if s.Kind == Harness {
				musl = "the same"
			}
		case s.MuslBuilt():
			musl = fmt.Sprintf("Debian source `%s` (%s), static, `%s`", s.Musl.Source, s.Musl.Style, s.Musl.Symbols[0])
		case s.Musl != nil:
			musl = fmt.Sprintf("tried, Debian source `%s` (%s): fails: %s", s.Musl.Source, s.Musl.Style, s.MuslSkip)
		}
		version := hookCell(s.Version)
		switch s.Kind {
		case CLibrary:
			version = "`gnu_get_libc_version`, musl's version string"
		case Harness:
			version = "`harness`"
		}
		trim := hookCell(s.Trim)
		if s.Kind == CLibrary {
			trim = "`malloc_trim` (glibc)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", s.Name, libs, entry, version, trim, musl)
	}
	return b.String()
}

func hookCell(h Hook) string {
	if h.Kind == NoHook {
		return "none"
	}
	return fmt.Sprintf("`%s` (%s)", h.Symbol, h.Kind)
}
