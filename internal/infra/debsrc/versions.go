package debsrc

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
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

// NewestVersion is the highest of versions in Debian's order, as dpkg
// orders them (dpkg --compare-versions), or "" for none. Each must pass
// CheckVersion first.
func NewestVersion(ctx context.Context, versions []string) (string, error) {
	best := ""
	for _, v := range versions {
		if err := CheckVersion("version", v); err != nil {
			return "", err
		}
		if best == "" {
			best = v
			continue
		}
		newer, err := VersionNewer(ctx, v, best)
		if err != nil {
			return "", err
		}
		if newer {
			best = v
		}
	}
	return best, nil
}

// VersionNewer reports whether Debian version a sorts after b, asking
// dpkg --compare-versions, the definition of Debian's order.
func VersionNewer(ctx context.Context, a, b string) (bool, error) {
	err := exec.CommandContext(ctx, "dpkg", "--compare-versions", a, "gt", b).Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		return false, nil
	}
	return false, fmt.Errorf("dpkg --compare-versions %s gt %s: %w (dpkg orders Debian versions; install it)", a, b, err)
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
