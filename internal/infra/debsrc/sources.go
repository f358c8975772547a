package debsrc

import (
	"fmt"
	"strings"

	"github.com/allocbench/allocbench/internal/infra/aptsources"
)

// distSuite reports whether suite belongs to the release codename:
// "bookworm", "bookworm-updates", "bookworm-security", "bookworm/updates".
// Without a codename every suite does.
func distSuite(suite, codename string) bool {
	if codename == "" {
		// No codename to go by: take every suite.
		return true
	}
	return suite == codename || strings.HasPrefix(suite, codename+"-") || strings.HasPrefix(suite, codename+"/")
}

// sourceEntries turns the system's binary (deb) entries for the release
// codename into deb-src entries on the same mirrors, so that sources come
// from wherever the machine gets its packages (a mirror, a proxy, a
// snapshot). Entries of other repositories are left out.
func sourceEntries(system []aptsources.Entry, codename string) []aptsources.Entry {
	var out []aptsources.Entry
	seen := map[string]bool{}
	for _, s := range system {
		if !s.Enabled || !(s.HasType("deb") || s.HasType("deb-src")) {
			continue
		}
		var uris []string
		for _, u := range s.URIs {
			if !strings.HasPrefix(u, "cdrom:") {
				uris = append(uris, u)
			}
		}
		// A suite counts once per mirror and components: APT warns about
		// an index configured twice.
		var suites []string
		for _, su := range s.Suites {
			if !distSuite(su, codename) {
				continue
			}
			fresh := false
			for _, u := range uris {
				k := u + " " + su + " " + strings.Join(s.Components, " ")
				if !seen[k] {
					seen[k] = true
					fresh = true
				}
			}
			if fresh {
				suites = append(suites, su)
			}
		}
		if len(uris) == 0 || len(suites) == 0 {
			continue
		}
		out = append(out, aptsources.Entry{
			Types:      []string{"deb-src"},
			URIs:       uris,
			Suites:     suites,
			Components: s.Components,
			SignedBy:   s.SignedBy,
			Trusted:    s.Trusted,
			Enabled:    true,
			File:       s.File,
			Line:       s.Line,
		})
	}
	return out
}

// renameSuites returns entries with each suite of the release from
// changed to the release to: "bookworm", "bookworm-security" become
// "trixie", "trixie-security".
func renameSuites(entries []aptsources.Entry, from, to string) []aptsources.Entry {
	out := make([]aptsources.Entry, len(entries))
	for i, e := range entries {
		e.Suites = append([]string(nil), e.Suites...)
		for j, su := range e.Suites {
			if distSuite(su, from) {
				e.Suites[j] = to + strings.TrimPrefix(su, from)
			}
		}
		out[i] = e
	}
	return out
}

// formatDeb822 writes entries as a .sources file.
func formatDeb822(entries []aptsources.Entry) string {
	var b strings.Builder
	b.WriteString("# Written by allocbench (internal/infra/debsrc): the system's Debian mirrors, for source packages.\n")
	for i, s := range entries {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "# from %s\n", s.Origin())
		fmt.Fprintf(&b, "Types: %s\n", strings.Join(s.Types, " "))
		fmt.Fprintf(&b, "URIs: %s\n", strings.Join(s.URIs, " "))
		fmt.Fprintf(&b, "Suites: %s\n", strings.Join(s.Suites, " "))
		if len(s.Components) > 0 {
			fmt.Fprintf(&b, "Components: %s\n", strings.Join(s.Components, " "))
		}
		if s.SignedBy != "" {
			fmt.Fprintf(&b, "Signed-By: %s\n", s.SignedBy)
		}
		if s.Trusted != "" {
			fmt.Fprintf(&b, "Trusted: %s\n", s.Trusted)
		}
	}
	return b.String()
}

// describeSources is a one-line summary for the log:
// "http://deb.debian.org/debian bookworm bookworm-updates main".
func describeSources(entries []aptsources.Entry) string {
	var parts []string
	for _, s := range entries {
		parts = append(parts, strings.Join(s.URIs, " ")+" "+strings.Join(s.Suites, " ")+" "+strings.Join(s.Components, " "))
	}
	return strings.Join(parts, "; ")
}

// osCodename reads VERSION_CODENAME from an os-release file.
func osCodename(osRelease string) string {
	for _, line := range strings.Split(osRelease, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && (k == "VERSION_CODENAME" || k == "DEBIAN_CODENAME") && v != "" {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}
