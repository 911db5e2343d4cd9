package teach

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/minikit/kit/lessons/internal/hint"
)

// Leak is a place where a lesson or a hint gives away a step's answer too early.
type Leak struct {
	File string // relative to the repository root
	Line int
	Step string
	Why  string
}

func (l Leak) String() string {
	return fmt.Sprintf("%s:%d: step %s: %s", l.File, l.Line, l.Step, l.Why)
}

// Course is what the rules look at: the steps and where the lessons are.
type Course struct {
	Root  string
	Steps Steps
	given map[string]map[string]bool // step ID → trimmed lines of its exercise file
}

// Open loads the steps of the repository at root.
func Open(root string) (*Course, error) {
	steps, err := Load(root)
	if err != nil {
		return nil, err
	}
	c := &Course{Root: root, Steps: steps, given: map[string]map[string]bool{}}
	for _, s := range steps {
		c.given[s.ID] = c.exerciseLines(s)
	}
	return c, nil
}

// exerciseLines is the set of trimmed lines the student's exercise file already has: a line
// there is no answer, wherever else it appears. A missing exercise gives none.
func (c *Course) exerciseLines(s *Step) map[string]bool {
	dirs, _ := filepath.Glob(filepath.Join(c.Root, "exercises", fmt.Sprintf("%02d-*", s.Chapter)))
	set := map[string]bool{}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, filepath.FromSlash(s.File)))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(data), "\n") {
			set[strings.TrimSpace(l)] = true
		}
	}
	return set
}

// Answer is the significant lines of a step's solution: what a lesson may not show before the
// step passes.
func (c *Course) Answer(id string) []string {
	s := c.Steps[id]
	if s == nil {
		return nil
	}
	return s.Significant(c.given[id])
}

var lessonDir = regexp.MustCompile(`^([0-9]{2})-`)

// CheckLessons checks every lessons/NN-slug/README.md and hints.md:
//
//   - a lesson of chapter NN shows no solution line of a step of chapter NN or later (elided
//     excerpts show the code around a step; `lessons show` reveals the rest once it passes);
//   - every hint of step NN.S but the last shows no solution line of NN.S or a later step;
//   - the last hint shows no solution line of a later step, and not every line of its own.
func (c *Course) CheckLessons() ([]Leak, error) {
	dirs, err := filepath.Glob(filepath.Join(c.Root, "lessons", "[0-9][0-9]-*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(dirs)
	var leaks []Leak
	for _, d := range dirs {
		m := lessonDir.FindStringSubmatch(filepath.Base(d))
		var n int
		fmt.Sscanf(m[1], "%d", &n)
		rel := "lessons/" + filepath.Base(d) + "/"
		if data, err := os.ReadFile(filepath.Join(d, "README.md")); err == nil {
			leaks = append(leaks, c.lessonLeaks(rel+"README.md", string(data), n)...)
		}
		path := filepath.Join(d, "hints.md")
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return leaks, fmt.Errorf("read hints: %w", err)
		}
		hints, err := hint.Parse(rel+"hints.md", string(data))
		if err != nil {
			return leaks, err
		}
		leaks = append(leaks, c.hintLeaks(rel+"hints.md", string(data), hints)...)
	}
	return leaks, nil
}

// lessonLeaks finds the solution lines of steps of chapter n and later in a lesson.
func (c *Course) lessonLeaks(name, text string, n int) []Leak {
	var open, passed []*Step
	for _, s := range c.Steps.Sorted() {
		if s.Chapter >= n {
			open = append(open, s)
		} else {
			passed = append(passed, s)
		}
	}
	return c.leaks(name, strings.Split(text, "\n"), 0, open, passed)
}

// hintLeaks applies the hint rules to every step's hints.
func (c *Course) hintLeaks(name, text string, hints map[string]*hint.Step) []Leak {
	lines := strings.Split(text, "\n")
	var ids []string
	for id := range hints {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var leaks []Leak
	for _, id := range ids {
		h, self := hints[id], c.Steps[id]
		if self == nil {
			continue // hints of a step the engine does not have; lessons hint reports it
		}
		var later, passed []*Step
		for _, s := range c.Steps.Sorted() {
			switch {
			case self.Before(s):
				later = append(later, s)
			case s.Before(self):
				passed = append(passed, s)
			}
		}
		for k := range h.Hints {
			from, to := hintLines(lines, h, k)
			last := k == len(h.Hints)-1
			if !last {
				leaks = append(leaks, c.leaks(name, lines[from:to], from, append([]*Step{self}, later...), passed)...)
				continue
			}
			leaks = append(leaks, c.leaks(name, lines[from:to], from, later, append(passed, self))...)
			answer := c.Answer(id)
			shown := map[string]bool{}
			for _, l := range lines[from:to] {
				for _, cand := range candidates(l) {
					shown[cand] = true
				}
			}
			all := len(answer) > 0
			for _, a := range answer {
				all = all && shown[a]
			}
			if all {
				leaks = append(leaks, Leak{name, h.Lines[k], id, fmt.Sprintf("the last hint (Hint %d) shows every line of the solution: leave the student something to write", k+1)})
			}
		}
	}
	return leaks
}

// hintLines returns the 0-based range of file lines that hold hint k of h.
func hintLines(lines []string, h *hint.Step, k int) (from, to int) {
	from = h.Lines[k] // the line after the heading, 0-based
	if k+1 < len(h.Lines) {
		return from, h.Lines[k+1] - 1
	}
	fence := false
	for to = from; to < len(lines); to++ {
		t := strings.TrimSpace(lines[to])
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
		}
		if !fence && strings.HasPrefix(lines[to], "## ") {
			break
		}
	}
	return from, to
}

// leaks reports each line (numbered from offset) that shows a solution line of one of steps. A
// line that is also in the solution of a step already passed gives nothing away.
func (c *Course) leaks(name string, lines []string, offset int, steps, passed []*Step) []Leak {
	answers := map[string]string{} // solution line → step ID
	for i := len(steps) - 1; i >= 0; i-- {
		for _, a := range c.Answer(steps[i].ID) {
			answers[a] = steps[i].ID
		}
	}
	for _, s := range passed {
		for _, l := range s.Lines {
			delete(answers, strings.TrimSpace(l))
		}
	}
	var leaks []Leak
	for i, l := range lines {
		for _, cand := range candidates(l) {
			if id, ok := answers[cand]; ok {
				leaks = append(leaks, Leak{name, offset + i + 1, id, fmt.Sprintf("shows a line of the step's solution before it passes: %q (elide it: docs/lessons-format.md)", cand)})
				break
			}
		}
	}
	return leaks
}

var inlineCode = regexp.MustCompile("`([^`]+)`")

// candidates are the pieces of a line that could quote a solution line: the whole line and each
// inline code span, trimmed.
func candidates(line string) []string {
	out := []string{strings.TrimSpace(line)}
	for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}
