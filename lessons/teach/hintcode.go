package teach

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/minikit/kit/lessons/internal/hint"
)

// LastCode returns the code of a step's last hint: the lines of its ```go blocks. A last hint
// without one is prose or a sketch (```text) and is not applied; ok is false then.
func LastCode(h *hint.Step) (code []string, ok bool) {
	if h == nil || len(h.Hints) == 0 {
		return nil, false
	}
	in := false
	for _, l := range strings.Split(h.Hints[len(h.Hints)-1], "\n") {
		t := strings.TrimSpace(l)
		switch {
		case !in && (t == "```go" || t == "~~~go"):
			in, ok = true, true
		case in && (t == "```" || t == "~~~"):
			in = false
		case in:
			code = append(code, l)
		}
	}
	return code, ok
}

// LoadHints reads the hints of the chapter whose lesson directory is dir (lessons/NN-slug).
func LoadHints(dir string) (map[string]*hint.Step, error) {
	return hint.Load(filepath.Join(dir, "hints.md"))
}

// Apply returns the text of a chapter file with s's solution replaced by code, indented like the
// solution: what the student's file looks like after following the last hint.
func Apply(file string, s *Step, code []string) (string, error) {
	lines := strings.Split(file, "\n")
	el := make([]Line, len(lines))
	for i, l := range lines {
		el[i] = Line{Text: strings.TrimRight(l, " \t\r"), Full: []string{l}}
	}
	at := find(el, s.Lines)
	if at < 0 {
		return "", fmt.Errorf("the solution of step %s is not in mini/%s's chapter file", s.ID, s.File)
	}
	var repl []string
	for _, c := range code {
		if strings.TrimSpace(c) == "" {
			repl = append(repl, "")
			continue
		}
		repl = append(repl, s.Indent+c)
	}
	out := append(append(append([]string{}, lines[:at]...), repl...), lines[at+len(s.Lines):]...)
	return strings.Join(out, "\n"), nil
}
