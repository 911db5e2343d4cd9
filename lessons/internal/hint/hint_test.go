package hint

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	text := "# Hints\n\n## 02.1 Pivot the root\n\nintro is not a hint\n\n### Hint 1\n\nFirst.\n\n### Hint 2\n\n```\n## not a section\n```\n\n## 2.10 Tenth\n### Hint 1\nTen.\n"
	got, err := Parse("hints.md", text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Step{
		"02.1":  {ID: "02.1", Title: "Pivot the root", Hints: []string{"First.", "```\n## not a section\n```"}, Lines: []int{7, 11}},
		"02.10": {ID: "02.10", Title: "Tenth", Hints: []string{"Ten."}, Lines: []int{18}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Parse (-want +got):\n%s", d)
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"## Pivot\n":                         "hints.md:1: a section must start with a step ID",
		"## 02.1 A\n### Hint 2\n":            `hints.md:2: expected "### Hint 1"`,
		"### Hint 1\n":                       "hints.md:1: a hint before any ## NN.S section",
		"## 02.1 A\n### Hint 1\n## 02.1 B\n": "hints.md:3: step 02.1 has a second section",
	}
	for text, want := range tests {
		_, err := Parse("hints.md", text)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error starting %q", text, err, want)
		}
	}
}
