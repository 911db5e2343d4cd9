// Package hint reads a chapter's hints.md: one `## NN.S Title` section per step, each holding
// progressive `### Hint N` subsections, from a nudge to nearly the answer.
package hint

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/minikit/kit/lessons/internal/course"
)

// Step is the hints of one step.
type Step struct {
	ID    string   // "02.1"
	Title string   // the rest of the ## line
	Hints []string // markdown, in the order they are revealed
	Lines []int    // the line of each hint's "### Hint N" heading in the file
}

// Load parses the hints file at path.
func Load(path string) (map[string]*Step, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read hints: %w", err)
	}
	return Parse(path, string(data))
}

// Parse parses the text of a hints file; name is used in errors.
func Parse(name, text string) (map[string]*Step, error) {
	steps := map[string]*Step{}
	var cur *Step
	var body *strings.Builder
	flush := func() {
		if cur != nil && body != nil {
			cur.Hints = append(cur.Hints, strings.TrimSpace(body.String()))
		}
		body = nil
	}
	fence := ""
	for i, line := range strings.Split(text, "\n") {
		pos := fmt.Sprintf("%s:%d", name, i+1)
		if f := fenceOf(line); f != "" && (fence == "" || strings.HasPrefix(strings.TrimSpace(line), fence)) {
			if fence == "" {
				fence = f
			} else {
				fence = ""
			}
		}
		switch {
		case fence == "" && strings.HasPrefix(line, "## "):
			flush()
			fields := strings.Fields(strings.TrimPrefix(line, "## "))
			id, err := course.NormalizeStep(fields[0])
			if err != nil {
				return nil, fmt.Errorf("%s: a section must start with a step ID (## 02.1 Title): %w", pos, err)
			}
			if steps[id] != nil {
				return nil, fmt.Errorf("%s: step %s has a second section: merge them", pos, id)
			}
			cur = &Step{ID: id, Title: strings.Join(fields[1:], " ")}
			steps[id] = cur
		case fence == "" && strings.HasPrefix(line, "### "):
			flush()
			if cur == nil {
				return nil, fmt.Errorf("%s: a hint before any ## NN.S section", pos)
			}
			n, err := hintNumber(line)
			if err != nil || n != len(cur.Hints)+1 {
				return nil, fmt.Errorf("%s: expected \"### Hint %d\" (hints are numbered 1, 2, ... within a step)", pos, len(cur.Hints)+1)
			}
			body = &strings.Builder{}
			cur.Lines = append(cur.Lines, i+1)
		case body != nil:
			body.WriteString(line + "\n")
		}
	}
	flush()
	return steps, nil
}

func hintNumber(line string) (int, error) {
	fields := strings.Fields(strings.TrimPrefix(line, "### "))
	if len(fields) < 2 || !strings.EqualFold(fields[0], "hint") {
		return 0, fmt.Errorf("not a hint heading")
	}
	return strconv.Atoi(strings.TrimSuffix(fields[1], ":"))
}

// fenceOf returns the fence (``` or ~~~) a line opens or closes, or "".
func fenceOf(line string) string {
	t := strings.TrimSpace(line)
	for _, f := range []string{"```", "~~~"} {
		if strings.HasPrefix(t, f) {
			return f
		}
	}
	return ""
}
