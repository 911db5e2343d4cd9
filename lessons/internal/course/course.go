// Package course finds the kit's repository and reads what the generator wrote into it: the chapters
// under exercises/, their steps (steps.json), and the matching lessons/ and solutions/ directories.
package course

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Module is the module path of the repository root's go.mod.
const Module = "github.com/minikit/kit"

// Course is the kit's repository, seen from the student's side.
type Course struct {
	Root string // absolute path of the repository root
}

// Chapter is one exercises/NN-slug directory and its steps.
type Chapter struct {
	Num   string // "02"
	Slug  string // "02-namespaces"
	Name  string // "namespaces"
	Steps []Step
}

// Step is one entry of exercises/NN-slug/steps.json: a stub the student replaces.
type Step struct {
	ID    string `json:"id"`    // "02.1"
	Title string `json:"title"` // one line
	File  string `json:"file"`  // relative to the exercise directory, slash-separated
	Line  int    `json:"line"`  // of the TODO comment
}

var slugPattern = regexp.MustCompile(`^(\d{2})-([a-z0-9-]+)$`)

// Find returns the course whose root is dir, or the nearest directory at or above dir whose go.mod
// declares the kit's module. The nested go.mod files of chapters/ and exercises/ declare another
// module, so the walk passes through them.
func Find(dir string) (*Course, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("find the kit's repository from %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if moduleOf(filepath.Join(d, "go.mod")) == Module {
			return &Course{Root: d}, nil
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("no go.mod of module %s at or above %s: run lessons inside the kit's repository, or pass --repo DIR", Module, abs)
		}
	}
}

// Open returns the course rooted at dir and checks that it is the kit's repository.
func Open(dir string) (*Course, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open the kit's repository %s: %w", dir, err)
	}
	if moduleOf(filepath.Join(abs, "go.mod")) != Module {
		return nil, fmt.Errorf("%s has no go.mod of module %s: pass the kit's repository root to --repo", abs, Module)
	}
	return &Course{Root: abs}, nil
}

// moduleOf returns the module path declared by a go.mod file, or "" if there is none.
func moduleOf(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`)
		}
	}
	return ""
}

// Chapters lists the chapters that have an exercise, in order, with their steps.
func (c *Course) Chapters() ([]*Chapter, error) {
	entries, err := os.ReadDir(filepath.Join(c.Root, "exercises"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the exercises: %w", err)
	}
	var chapters []*Chapter
	for _, e := range entries {
		m := slugPattern.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		ch := &Chapter{Num: m[1], Slug: e.Name(), Name: m[2]}
		if ch.Steps, err = c.readSteps(ch); err != nil {
			return nil, err
		}
		chapters = append(chapters, ch)
	}
	sort.Slice(chapters, func(i, j int) bool { return chapters[i].Num < chapters[j].Num })
	return chapters, nil
}

// Chapter returns the chapter numbered num ("2" and "02" both work).
func (c *Course) Chapter(num string) (*Chapter, error) {
	want, err := NormalizeChapter(num)
	if err != nil {
		return nil, err
	}
	chapters, err := c.Chapters()
	if err != nil {
		return nil, err
	}
	var have []string
	for _, ch := range chapters {
		if ch.Num == want {
			return ch, nil
		}
		have = append(have, ch.Num)
	}
	if len(have) == 0 {
		return nil, fmt.Errorf("chapter %s: %s has no exercises yet: run `go run ./scripts/gen`", want, c.Root)
	}
	return nil, fmt.Errorf("chapter %s does not exist: the chapters are %s", want, strings.Join(have, ", "))
}

// Step returns the chapter and step of a step ID such as "02.1".
func (c *Course) Step(id string) (*Chapter, Step, error) {
	num, _, ok := strings.Cut(id, ".")
	if !ok {
		return nil, Step{}, fmt.Errorf("%q is not a step: write it as chapter.step, e.g. 02.1", id)
	}
	ch, err := c.Chapter(num)
	if err != nil {
		return nil, Step{}, err
	}
	want, err := NormalizeStep(id)
	if err != nil {
		return nil, Step{}, err
	}
	for _, s := range ch.Steps {
		if s.ID == want {
			return ch, s, nil
		}
	}
	return nil, Step{}, fmt.Errorf("step %s does not exist: chapter %s has steps %s", want, ch.Num, strings.Join(ch.StepIDs(), ", "))
}

// StepIDs returns the IDs of the chapter's steps, in order.
func (ch *Chapter) StepIDs() []string {
	ids := make([]string, len(ch.Steps))
	for i, s := range ch.Steps {
		ids[i] = s.ID
	}
	return ids
}

// ExerciseDir is where the student works on the chapter.
func (c *Course) ExerciseDir(ch *Chapter) string { return filepath.Join(c.Root, "exercises", ch.Slug) }

// SolutionDir holds the complete versions of the files the exercise cuts.
func (c *Course) SolutionDir(ch *Chapter) string { return filepath.Join(c.Root, "solutions", ch.Slug) }

// LessonDir holds the chapter's README.md and hints.md.
func (c *Course) LessonDir(ch *Chapter) string { return filepath.Join(c.Root, "lessons", ch.Slug) }

// Rel returns path relative to the repository root, slash-separated, for messages and git.
func (c *Course) Rel(path string) string {
	rel, err := filepath.Rel(c.Root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

// CutFiles lists the files the chapter's exercise cuts (those under solutions/NN-slug but its
// go.mod and go.sum), as paths relative to the exercise directory, slash-separated and sorted.
func (c *Course) CutFiles(ch *Chapter) ([]string, error) {
	dir := c.SolutionDir(ch)
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// The generator gives the solution tree its module files so it builds; no exercise cuts them.
		if d.Type().IsRegular() && d.Name() != "go.mod" && d.Name() != "go.sum" {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the solution files of chapter %s: %w", ch.Num, err)
	}
	sort.Strings(files)
	return files, nil
}

func (c *Course) readSteps(ch *Chapter) ([]Step, error) {
	path := filepath.Join(c.ExerciseDir(ch), "steps.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the steps of chapter %s: %w (run `go run ./scripts/gen`)", ch.Num, err)
	}
	var steps []Step
	if err := json.Unmarshal(data, &steps); err != nil {
		return nil, fmt.Errorf("parse %s: %w", c.Rel(path), err)
	}
	for i, s := range steps {
		id, err := NormalizeStep(s.ID)
		if err != nil || !strings.HasPrefix(id, ch.Num+".") {
			return nil, fmt.Errorf("%s: step %q is not a step of chapter %s", c.Rel(path), s.ID, ch.Num)
		}
		steps[i].ID = id
	}
	return steps, nil
}
