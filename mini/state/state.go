// Package state lays out Mini's state root: the one directory under which every run, and in
// later chapters every overlay layer, network allocation and image, lives.
//
// Everything Mini keeps is found from the root the caller passes in (--root, /var/lib/mini by
// default), never from a package-level path, so a test can give each run its own temporary root
// and leave the host's untouched.
package state

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// DefaultRoot is where Mini keeps its state unless --root says otherwise.
const DefaultRoot = "/var/lib/mini"

// Root is an opened state root.
type Root struct {
	Dir string
}

// Open makes sure the state root exists and returns it. The root is mode 0700: the container
// directories below it hold writable layers that other users have no business reading.
func Open(dir string) (*Root, error) {
	if dir == "" {
		dir = DefaultRoot
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("state root %q: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, "containers"), 0o700); err != nil {
		return nil, fmt.Errorf("create state root %s: %w (is it writable? Mini runs as root)", abs, err)
	}
	return &Root{Dir: abs}, nil
}

// RunDir is one run's directory: <root>/containers/<id>. It holds what the host side made
// for the run (the overlay's upper layer, the lock); chapter 07's container record lives in it too.
type RunDir struct {
	ID  string
	Dir string
}

// NewRun gives a new run an ID and its directory.
func (r *Root) NewRun() (*RunDir, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(r.Dir, "containers", id)
	// Mkdir, not MkdirAll: an existing directory means an ID collision, which must not be shared.
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create container directory: %w", err)
	}
	return &RunDir{ID: id, Dir: dir}, nil
}

//mini:begin 07

// NewRunID makes the run directory of a container record, with the record's own ID (chapter
// 07's engine uses Docker's 64 hex digits). An existing directory is an error, as in NewRun.
func (r *Root) NewRunID(id string) (*RunDir, error) {
	dir := filepath.Join(r.Dir, "containers", id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create container directory: %w", err)
	}
	return &RunDir{ID: id, Dir: dir}, nil
}

// OpenRun returns the existing run directory of the container id.
func (r *Root) OpenRun(id string) (*RunDir, error) {
	dir := filepath.Join(r.Dir, "containers", id)
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("container directory: %w", err)
	}
	return &RunDir{ID: id, Dir: dir}, nil
}

//mini:end 07

// Path returns a path inside the container's directory.
func (c *RunDir) Path(elem ...string) string {
	return filepath.Join(append([]string{c.Dir}, elem...)...)
}

// Remove deletes the container's directory and everything in it.
func (c *RunDir) Remove() error {
	//mini:begin 04
	// The lock file goes last. A Mini killed half-way through the removal then leaves a
	// directory whose lock nobody holds, which the next run's stale sweep finishes removing;
	// had the lock file gone first, the rest would look like a run that is just starting, and
	// stay for ever.
	if entries, err := os.ReadDir(c.Dir); err == nil {
		for _, e := range entries {
			if e.Name() != lockFile {
				if err := os.RemoveAll(c.Path(e.Name())); err != nil {
					return fmt.Errorf("remove container directory %s: %w", c.Dir, err)
				}
			}
		}
	}
	//mini:end 04
	if err := os.RemoveAll(c.Dir); err != nil {
		return fmt.Errorf("remove container directory %s: %w", c.Dir, err)
	}
	return nil
}

// newID returns 12 random hex digits, as short as Docker's short IDs.
func newID() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a container ID: %w", err)
	}
	return hex.EncodeToString(b), nil
}
