package kit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/minikit/kit/scripts/gen/markers"
)

// StepsFile is the name of the step list in every exercise tree; the lessons tool and
// scripts/verify read it.
const StepsFile = "steps.json"

// Step is one entry of steps.json.
type Step struct {
	ID    string `json:"id"`    // "02.1"
	Title string `json:"title"` // the text of the //mini:solution marker
	File  string `json:"file"`  // slash path relative to the exercise tree
	Line  int    `json:"line"`  // the line of the TODO comment in the exercise file
	// number orders the steps of a chapter: 02.2 before 02.10.
	number int
}

// ReadSteps reads the steps.json of an exercise tree.
func ReadSteps(exerciseDir string) ([]Step, error) {
	data, err := os.ReadFile(filepath.Join(exerciseDir, StepsFile))
	if err != nil {
		return nil, err
	}
	var steps []Step
	if err := json.Unmarshal(data, &steps); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(exerciseDir, StepsFile), err)
	}
	return steps, nil
}

// locateSteps finds the TODO comment of each cut step in the final exercise file. It looks in
// the output rather than counting source lines because the header, removed markers and import
// fixing all move lines.
func locateSteps(rel string, exercise []byte, cut []*markers.Step) ([]Step, error) {
	lines := bytes.Split(exercise, []byte("\n"))
	var steps []Step
	for _, s := range cut {
		todo := []byte(markers.TODO(s.ID))
		line := 0
		for i, l := range lines {
			if bytes.Contains(l, todo) {
				line = i + 1
				break
			}
		}
		if line == 0 {
			return nil, fmt.Errorf("mini/%s:%d: step %s: no %s comment in the generated exercise", rel, s.Line, s.ID, todo)
		}
		steps = append(steps, Step{ID: s.ID, Title: s.Title, File: rel, Line: line, number: s.Number})
	}
	return steps, nil
}

func encodeSteps(steps []Step) ([]byte, error) {
	if steps == nil {
		steps = []Step{} // "[]", not "null": a chapter without steps still has a list
	}
	data, err := json.MarshalIndent(steps, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", StepsFile, err)
	}
	return append(data, '\n'), nil
}
