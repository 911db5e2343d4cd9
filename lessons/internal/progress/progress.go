// Package progress keeps the student's progress in a small JSON file at the repository root. It is a
// cache: `lessons check NN` rebuilds chapter NN's entry from a real test run, and deleting the file
// loses nothing but the count of hints already shown.
package progress

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
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

// Load reads the progress file under root. A missing, broken or outdated file is an empty
// progress: the file is only a cache. A file that exists but may not be read (one an older
// version wrote as root under sudo, mode 0600) is an error that says how to get it back: reading
// it as empty would show the student nothing done, and the next save would drop their hints.
func Load(root string) (*Progress, error) {
	p := &Progress{}
	path := filepath.Join(root, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("cannot read your progress in %s (%v): it belongs to another user, probably root from a `sudo` run; give it back with `sudo chown $(id -u):$(id -g) %s`", path, err, path)
	}
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
	return p, nil
}

// Owner is the user files written for the student belong to. Under sudo the tool runs as root,
// but the progress file and restored exercise files are the student's: left to root (and 0600,
// as a temporary file is created), the student's next run without sudo could not read them.
type Owner struct{ UID, GID int }

// SudoOwner returns the user who ran sudo when this process is root and SUDO_UID and SUDO_GID
// say who that was, and nil otherwise (files then belong to whoever runs the tool).
func SudoOwner(getenv func(string) string, euid int) *Owner {
	if euid != 0 {
		return nil
	}
	uid, err1 := strconv.Atoi(getenv("SUDO_UID"))
	gid, err2 := strconv.Atoi(getenv("SUDO_GID"))
	if err1 != nil || err2 != nil || uid == 0 {
		return nil
	}
	return &Owner{UID: uid, GID: gid}
}

// Give makes path belong to o; a nil o leaves it alone.
func (o *Owner) Give(path string) error {
	if o == nil {
		return nil
	}
	if err := os.Lchown(path, o.UID, o.GID); err != nil {
		return fmt.Errorf("give %s back to user %d: %w", path, o.UID, err)
	}
	return nil
}

// Save writes the progress file under root, replacing it atomically, with mode 0644 and owned by
// owner (nil: by whoever runs the tool).
func (p *Progress) Save(root string, owner *Owner) error {
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
	// CreateTemp makes the file 0600; the progress is no secret, and 0644 keeps it readable.
	merr := os.Chmod(tmp.Name(), 0o644)
	if err := errors.Join(werr, cerr, merr, owner.Give(tmp.Name())); err != nil {
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
