package debsrc

import (
	"fmt"
	"regexp"
	"strings"
)

// DpkgQueryFormat makes dpkg-query print "<status> <source> <source version>"
// for a binary package.
const DpkgQueryFormat = `${db:Status-Status} ${source:Package} ${source:Version}\n`

// ParseDpkgQuery reads the output of dpkg-query -W -f DpkgQueryFormat: the
// source package and version of an installed binary package, or ok=false
// when it is not installed.
func ParseDpkgQuery(out string) (source, version string, ok bool) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "installed" {
			return f[1], f[2], true
		}
	}
	return "", "", false
}

// ParsePolicyCandidate reads the "Candidate:" line of apt-cache policy.
func ParsePolicyCandidate(out string) string {
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && k == "Candidate" {
			v = strings.TrimSpace(v)
			if v == "(none)" {
				return ""
			}
			return v
		}
	}
	return ""
}

var binNMU = regexp.MustCompile(`\+b[0-9]+$`)

// SourceVersion turns a binary package's version into its source package's:
// a binNMU ("5.3.0-1+b1") is a rebuild of source "5.3.0-1".
func SourceVersion(binary string) string {
	return binNMU.ReplaceAllString(binary, "")
}

// ParseShowsrcVersions reads the Version fields of apt-cache showsrc for one
// source package.
func ParseShowsrcVersions(out, source string) []string {
	var versions []string
	pkgName := ""
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") {
			continue
		}
		switch k {
		case "Package":
			pkgName = strings.TrimSpace(v)
		case "Version":
			if pkgName == source {
				versions = append(versions, strings.TrimSpace(v))
			}
		}
	}
	return versions
}

// NewestVersion is the highest of versions in Debian's order, or "".
func NewestVersion(versions []string) string {
	best := ""
	for _, v := range versions {
		if best == "" || CompareVersions(v, best) > 0 {
			best = v
		}
	}
	return best
}

// StripEpoch drops "1:" from "1:2.0-1": file names carry no epoch.
func StripEpoch(v string) string {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		return v[i+1:]
	}
	return v
}

// UpstreamVersion drops the epoch and the Debian revision: "2.0.9+ds-2" is
// upstream "2.0.9+ds".
func UpstreamVersion(v string) string {
	v = StripEpoch(v)
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return v[:i]
	}
	return v
}

var validVersion = regexp.MustCompile(`^([0-9]+:)?[0-9][A-Za-z0-9.+~-]*$`)

// CheckVersion rejects a string that is not a Debian version, before it
// goes into a command line or a path.
func CheckVersion(what, v string) error {
	if !validVersion.MatchString(v) {
		return fmt.Errorf("%s: %q is not a Debian version", what, v)
	}
	return nil
}

// CompareVersions orders two Debian versions as dpkg does: epoch, then the
// upstream version, then the revision, each compared in alternating runs of
// non-digits (where '~' sorts before everything, even the end) and numbers.
func CompareVersions(a, b string) int {
	ea, ua, ra := splitVersion(a)
	eb, ub, rb := splitVersion(b)
	if c := compareNumbers(ea, eb); c != 0 {
		return c
	}
	if c := compareFragment(ua, ub); c != 0 {
		return c
	}
	return compareFragment(ra, rb)
}

func splitVersion(v string) (epoch, upstream, revision string) {
	epoch = "0"
	if i := strings.IndexByte(v, ':'); i >= 0 {
		epoch, v = v[:i], v[i+1:]
	}
	upstream = v
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		upstream, revision = v[:i], v[i+1:]
	}
	return epoch, upstream, revision
}

func compareNumbers(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// charOrder is dpkg's weight of one character of a non-digit run.
func charOrder(c byte, end bool) int {
	switch {
	case end:
		return 0
	case c == '~':
		return -1
	case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		return int(c)
	default:
		return int(c) + 256
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func compareFragment(a, b string) int {
	for a != "" || b != "" {
		// The non-digit run.
		i, j := 0, 0
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			var ca, cb byte
			endA := i >= len(a) || isDigit(a[i])
			endB := j >= len(b) || isDigit(b[j])
			if !endA {
				ca = a[i]
			}
			if !endB {
				cb = b[j]
			}
			oa, ob := charOrder(ca, endA), charOrder(cb, endB)
			if oa != ob {
				if oa < ob {
					return -1
				}
				return 1
			}
			if !endA {
				i++
			}
			if !endB {
				j++
			}
		}
		a, b = a[i:], b[j:]
		// The number.
		i, j = 0, 0
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareNumbers(a[:i], b[:j]); c != 0 {
			return c
		}
		a, b = a[i:], b[j:]
	}
	return 0
}
