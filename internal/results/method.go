package results

import (
	"fmt"
	"strings"
)

// futexMethod is the method a futex-method value names: "tracepoint
// (host)" is the tracepoint method run by a tracer on the host for a
// container, which counts the same thing. "" for none (off, unavailable).
func futexMethod(value string) string {
	m, _, _ := strings.Cut(strings.TrimSpace(value), " ")
	if m == "off" || m == "unavailable" {
		return ""
	}
	return m
}

// FutexMethodWarnings says when the files' futex figures were measured
// with different methods (tracepoint counts all the time inside futex
// calls; sampled only the time a thread was blocked in one), naming each
// file's methods, with the cells of a file that measured with more than
// one. ReadFiles adds it to its warnings.
func FutexMethodWarnings(files []*File) []Warning {
	methods := map[string]bool{}
	var parts []string
	for _, f := range files {
		var values []string // this file's futex-method values, in order
		first := map[string]string{}
		seen := map[*Configuration]bool{}
		for _, r := range f.Results {
			if seen[r.Config] {
				continue
			}
			seen[r.Config] = true
			v := r.GetConfig(FutexMethodKey)
			m := futexMethod(v)
			if m == "" {
				continue
			}
			methods[m] = true
			if _, ok := first[v]; !ok {
				first[v] = r.Name.String()
				values = append(values, v)
			}
		}
		if len(values) == 0 {
			continue
		}
		desc := strings.Join(values, ", ")
		if len(values) > 1 {
			var from []string
			for _, v := range values {
				from = append(from, fmt.Sprintf("%s from %s", v, first[v]))
			}
			desc = strings.Join(from, ", ")
		}
		parts = append(parts, f.Path+": "+desc)
	}
	if len(methods) < 2 {
		return nil
	}
	return []Warning{{Msg: "futex figures measured with different methods are not comparable (tracepoint counts all the time inside futex calls, sampled only the time a thread was blocked in one): " +
		strings.Join(parts, "; ")}}
}
