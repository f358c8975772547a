package distro

import (
	"fmt"
	"slices"
	"strings"
)

// Markdown renders the table of allocbench's own needs (not the tests') as
// docs/allocators.md shows it: one row per need, one column per release, and the
// reasons for the missing packages numbered below.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| need |")
	for _, r := range releases {
		b.WriteString(" " + r.Name + " |")
	}
	b.WriteString("\n|---|")
	for range releases {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	var reasons []string
	for _, info := range needs {
		if info.Test {
			continue
		}
		fmt.Fprintf(&b, "| %s |", needCell(info.Need))
		for _, r := range releases {
			p, _ := r.Package(info.Need)
			if p.Shipped() {
				cell := "`" + p.Name + "`"
				if p.Repo == "epel" {
					cell += " (EPEL)"
				}
				fmt.Fprintf(&b, " %s |", cell)
				continue
			}
			i := slices.Index(reasons, p.None)
			if i < 0 {
				reasons = append(reasons, p.None)
				i = len(reasons) - 1
			}
			fmt.Fprintf(&b, " none (%d) |", i+1)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	for i, r := range reasons {
		fmt.Fprintf(&b, "(%d) %s.\n", i+1, upperFirst(r))
		if i < len(reasons)-1 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// needCell names a need and, for commands and libraries, what shows it is
// there: "mimalloc (`libmimalloc.so.2`, `libmimalloc.so.3`)".
func needCell(n Need) string {
	var shown []string
	for _, r := range releases {
		p, ok := r.Package(n)
		if !ok || !p.Shipped() || p.Provides.Kind == File {
			continue
		}
		s := "`" + p.Provides.Name + "`"
		if !slices.Contains(shown, s) {
			shown = append(shown, s)
		}
	}
	doc := n.Doc()
	if len(shown) == 0 || strings.Contains(doc, strings.Trim(shown[0], "`")) {
		return doc
	}
	return doc + " (" + strings.Join(shown, ", ") + ")"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
