package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The plots' SVG, as the plotting library writes it, spells every
// element's style out in full and every coordinate to five figures: with
// a hundred plots a page passes several megabytes. compactSVG writes the
// same picture smaller: each distinct style once, in a rule scoped to the
// plot's id that its elements name by class, and coordinates to a tenth of
// a point (the plots are drawn in points; a tenth is below a pixel).

var (
	styleAttr  = regexp.MustCompile(`\s+style="([^"]*)"`)
	coordAttr  = regexp.MustCompile(`\s(d|x|y|x1|x2|y1|y2|cx|cy|r|width|height|viewBox)="([^"]*)"`)
	longNumber = regexp.MustCompile(`-?\d+\.\d{2,}`)
	// circlePath is a circle as the plotting library draws one: two
	// half-circle arcs from the rightmost point.
	circlePath = regexp.MustCompile(`<path d="M(-?[\d.]+),(-?[\d.]+)A([\d.]+),([\d.]+) 0 1 1 (-?[\d.]+),(-?[\d.]+)A[\d.]+,[\d.]+ 0 1 1 (-?[\d.]+),(-?[\d.]+)Z"`)
)

// circles writes the plotting library's circles as <circle> elements.
func circles(doc string) string {
	return circlePath.ReplaceAllStringFunc(doc, func(p string) string {
		m := circlePath.FindStringSubmatch(p)
		if m[3] != m[4] || m[1] != m[7] || m[2] != m[6] || m[2] != m[8] {
			return p
		}
		x1, err1 := strconv.ParseFloat(m[1], 64)
		x2, err2 := strconv.ParseFloat(m[5], 64)
		if err1 != nil || err2 != nil {
			return p
		}
		return fmt.Sprintf(`<circle cx="%s" cy="%s" r="%s"`, strconv.FormatFloat((x1+x2)/2, 'f', -1, 64), m[2], m[3])
	})
}

// compactSVG returns doc, an <svg> element with the given id and its
// <title> first, with styles as classes and coordinates rounded.
func compactSVG(doc, id string) string {
	doc = coordAttr.ReplaceAllStringFunc(doc, func(attr string) string {
		return longNumber.ReplaceAllStringFunc(attr, func(n string) string {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return n
			}
			return strconv.FormatFloat(v, 'f', 1, 64)
		})
	})
	doc = circles(doc)
	classes := map[string]string{}
	var rules strings.Builder
	doc = styleAttr.ReplaceAllStringFunc(doc, func(attr string) string {
		style := styleAttr.FindStringSubmatch(attr)[1]
		c, ok := classes[style]
		if !ok {
			c = fmt.Sprintf("s%d", len(classes))
			classes[style] = c
			fmt.Fprintf(&rules, "#%s .%s{%s}\n", id, c, style)
		}
		return ` class="` + c + `"`
	})
	if rules.Len() == 0 {
		return doc
	}
	i := strings.Index(doc, "</title>")
	if i < 0 {
		return doc
	}
	i += len("</title>")
	return doc[:i] + "\n<style>\n" + rules.String() + "</style>" + doc[i:]
}
