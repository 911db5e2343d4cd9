// Package teach holds the kit's rules for exercises that teach (shared/KIT.md, "Exercises that
// teach"): a lesson never prints a step's solution before the step passes, hints escalate without
// giving the whole answer away, and a code hint really passes the step's tests.
//
// The rules need each step's solution as the engine has it, so the package reads the markers of
// mini/ (the one hand-edited copy of the engine) with the generator's own parser. Both the
// student's tool (lessons show reveals an elided excerpt once its step passes) and the kit's
// verifier (scripts/verify) use it.
package teach

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/minikit/kit/scripts/gen/markers"
)

// Step is one exercise step with its solution.
type Step struct {
	ID      string // "02.1"
	Chapter int
	Number  int    // S of NN.S
	Title   string // what the TODO comment says
	File    string // slash path under mini/, which is also its path under chapters/NN-slug/
	Indent  string // the solution's indentation
	Comment string // "//" or "#"
	Lines   []string
}

// TODO is the comment line an elided excerpt shows in place of the solution, the same one the
// exercise has.
func (s *Step) TODO() string {
	return s.Indent + s.Comment + " " + markers.TODO(s.ID) + " " + s.Title
}

// YourCode is the line an elided excerpt shows under the TODO comment.
func (s *Step) YourCode() string { return s.Indent + s.Comment + " your code here" }

// Before reports whether s comes before o in the course: an earlier chapter, or an earlier step of
// the same chapter.
func (s *Step) Before(o *Step) bool {
	if s.Chapter != o.Chapter {
		return s.Chapter < o.Chapter
	}
	return s.Number < o.Number
}

// Steps is every step of the course, by ID.
type Steps map[string]*Step

// Sorted returns the steps in course order.
func (ss Steps) Sorted() []*Step {
	var out []*Step
	for _, s := range ss {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// InChapter returns the steps of chapter n in order.
func (ss Steps) InChapter(n int) []*Step {
	var out []*Step
	for _, s := range ss.Sorted() {
		if s.Chapter == n {
			out = append(out, s)
		}
	}
	return out
}

// Load reads every step's solution from the markers under root/mini. A repository without mini/
// has no steps (not an error: the lessons tool's fixtures have none).
func Load(root string) (Steps, error) {
	dir := filepath.Join(root, "mini")
	steps := Steps{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Contains(data, []byte("mini:solution")) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := markers.Parse("mini/"+rel, data)
		if err != nil {
			return err
		}
		for _, ms := range f.Steps {
			steps[ms.ID] = &Step{ID: ms.ID, Chapter: ms.Chapter, Number: ms.Number, Title: ms.Title,
				File: rel, Indent: ms.Indent, Comment: ms.Comment}
		}
		for _, l := range f.Lines {
			if l.Kind == markers.Code && l.Step != nil {
				s := steps[l.Step.ID]
				s.Lines = append(s.Lines, strings.TrimRight(l.Text, " \t\r"))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the steps' solutions in mini/: %w", err)
	}
	return steps, nil
}

// Significant returns the lines of s's solution that give something away: not blank, not only
// braces and brackets, not only a comment, not `return nil` or the error check every function
// has, and not a line the exercise file already shows elsewhere (given is the set of the
// exercise file's trimmed lines; nil for none).
func (s *Step) Significant(given map[string]bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range s.Lines {
		t := strings.TrimSpace(l)
		if Trivial(t) || given[t] || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// Trivial reports whether a trimmed line is too common to count as part of an answer.
func Trivial(t string) bool {
	if t == "" || strings.HasPrefix(t, "//") || strings.HasPrefix(t, "#") {
		return true
	}
	if strings.Trim(t, "{}()[],; \t") == "" || t == "} else {" {
		return true
	}
	switch t {
	case "return nil", "if err != nil {", "return", "continue", "break", "default:", "else":
		return true
	}
	// Passing an error up with zero values: return err, return nil, err, return "", 0, err.
	return passError.MatchString(t)
}

var passError = regexp.MustCompile(`^return ((nil|""|0|false), )*err$`)

// ParseID splits "02.10" into 2 and 10.
func ParseID(id string) (chapter, number int, err error) {
	a, b, ok := strings.Cut(id, ".")
	if ok {
		chapter, err = strconv.Atoi(a)
		if err == nil {
			number, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || len(a) != 2 {
		return 0, 0, fmt.Errorf("bad step ID %q (want NN.S)", id)
	}
	return chapter, number, nil
}
