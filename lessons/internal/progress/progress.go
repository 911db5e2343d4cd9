// Package progress keeps the student's progress in a small JSON file at the repository root. It is a
// cache: `lessons check NN` rebuilds chapter NN's entry from a real test run, and deleting the file
// loses nothing but the count of hints already shown.
package progress

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FileName is the progress file's name at the repository root (gitignored).
const FileName = ".lessons-progress.json"

// version changes when the file's shape does; a file of another version is ignored.
const version = 1

// Progress is the content of the progress file.
type Progress struct {
	Version  int                 `json:"version"`
	Chapters map[string]*Chapter `json:"chapters"` // by chapter number, "02"
	Hints    map[string]int      `json:"hints"`    // hints shown so far, by step ID "02.1"
}

// Chapter is what the last check of a chapter found.
type Chapter struct {
	Checked time.Time         `json:"checked"`
	Passed  bool              `json:"passed"`
	Steps   map[string]string `json:"steps"` // step ID → "done", "failing" or "not started"
}

// Load reads the progress file under root. A missing, unreadable or outdated file is an empty
// progress: the file is only a cache.
func Load(root string) *Progress {
	p := &Progress{}
	data, err := os.ReadFile(filepath.Join(root, FileName))
	if err != nil || json.Unmarshal(data, p) != nil || p.Version != version {
		p = &Progress{}
	}
	p.Version = version
	if p.Chapters == nil {
		p.Chapters = map[string]*Chapter{}
	}
	if p.Hints == nil {
		p.Hints = map[string]int{}
	}
	return p
}

// Save writes the progress file under root, replacing it atomically.
func (p *Progress) Save(root string) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encode progress: %w", err)
	}
	tmp, err := os.CreateTemp(root, FileName+".*")
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save progress to %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(root, FileName)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// StepStatus returns the recorded status of a step, "not started" when it was never checked.
func (p *Progress) StepStatus(chapter, step string) string {
	if ch := p.Chapters[chapter]; ch != nil && ch.Steps[step] != "" {
		return ch.Steps[step]
	}
	return "not started"
}

// Passed reports whether the chapter's last check passed.
func (p *Progress) Passed(chapter string) bool {
	ch := p.Chapters[chapter]
	return ch != nil && ch.Passed
}
