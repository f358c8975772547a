package report

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompactSVG(t *testing.T) {
	in := `<svg id="p" width="420pt" height="250pt" viewBox="0 0 420 250">
<title id="p-title">T</title>
<path d="M99.626,77.885L100.25,3.14159" style="fill:none;stroke:#000000;stroke-width:0.5" />
<path d="M1,2L3,4" style="fill:none;stroke:#000000;stroke-width:0.5" />
<path d="M99.626,77.885A1.5,1.5 0 1 1 96.626,77.885A1.5,1.5 0 1 1 99.626,77.885Z" style="fill:#0071B0" />
<text x="16.626" y="-31.218" transform="scale(1, -1)"
	style="font-size:8.5px">0.25</text>
</svg>`
	out := compactSVG(in, "p")
	assert.Less(t, len(out), len(in))
	assert.Contains(t, out, `<path d="M99.6,77.9L100.2,3.1" class="s0" />`)
	assert.Contains(t, out, `<path d="M1,2L3,4" class="s0" />`, "one class for one style")
	assert.Contains(t, out, `<circle cx="98.1" cy="77.9" r="1.5" class="s1" />`, "a circle drawn as two arcs is a circle")
	assert.Contains(t, out, `<text x="16.6" y="-31.2" transform="scale(1, -1)" class="s2">0.25</text>`, "the text itself is not rounded; a style on its own line too")
	assert.Contains(t, out, "<style>\n#p .s0{fill:none;stroke:#000000;stroke-width:0.5}\n#p .s1{fill:#0071B0}\n#p .s2{font-size:8.5px}\n</style>")
	assert.Less(t, strings.Index(out, "</title>"), strings.Index(out, "<style>"), "the title stays first")
	assert.NotContains(t, out, "style=\"")
}
