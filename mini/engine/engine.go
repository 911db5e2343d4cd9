//mini:chapter 07

// Package engine keeps containers as objects that outlive the command line: a container is
// created once, started, stopped and started again, and removed by `mini rm`, and between
// those commands it is a record on disk, not a process of anybody's.
//
// A container's record lives in its run directory, <root>/containers/<id>/ (see state.RunDir):
//
//	config.json    the user's request (Record): written once by create, never changed by a run
//	state.json     what its runs did (State): running, exited, the exit code, the PIDs
//	container.log  what the command wrote, one JSON object per line (Docker's json-file format)
//	monitor.lock   held by the container's monitor for as long as it lives
//	upper/ ...     chapter 04's overlay directories, kept from one run to the next
//
// Every command of the engine is a short-lived process. The one process that lives as long as
// the container is its monitor (monitor.go): the init process's parent.
package engine

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/minikit/kit/mini/state"
)

// Engine is Mini's containers under one state root.
type Engine struct {
	root *state.Root
}

// Open opens the engine of the state root dir (state.DefaultRoot when empty).
func Open(dir string) (*Engine, error) {
	root, err := state.Open(dir)
	if err != nil {
		return nil, err
	}
	return &Engine{root: root}, nil
}

// Root is the engine's state root directory.
func (e *Engine) Root() string { return e.root.Dir }

// NotFoundError is "No such container", Docker's words, so scripts can tell it apart.
type NotFoundError struct{ Ref string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no such container: %s (see mini ps -a)", e.Ref)
}

// lock serialises the commands that change which names and IDs exist (create, rename, rm):
// two `mini create --name web` at once must not both get the name.
func (e *Engine) lock() (func(), error) {
	f, err := state.LockFile(filepath.Join(e.root.Dir, "containers.lock"), state.Exclusive)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

// List returns every container record, newest first.
func (e *Engine) List() ([]*Container, error) {
	entries, err := os.ReadDir(filepath.Join(e.root.Dir, "containers"))
	if err != nil {
		return nil, fmt.Errorf("list the containers: %w", err)
	}
	var cs []*Container
	for _, ent := range entries {
		dir := filepath.Join(e.root.Dir, "containers", ent.Name())
		if !state.Kept(dir) {
			continue // a run of `mini run` in the foreground: not a record
		}
		c, err := e.load(ent.Name())
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // removed while we listed
			}
			return nil, err
		}
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Created.After(cs[j].Created) })
	return cs, nil
}

// Lookup finds a container by name, by full ID or by an unambiguous prefix of its ID, as
// Docker does everywhere a container is named.
func (e *Engine) Lookup(ref string) (*Container, error) {
	ref = strings.TrimPrefix(ref, "/")
	if ref == "" {
		return nil, errors.New("no container given")
	}
	// A name is one readlink(2) away in the names index (names.go); IDs, prefixes and a stale
	// index entry go the long way, through every record.
	if namePattern.MatchString(ref) {
		if id, err := os.Readlink(filepath.Join(e.namesDir(), ref)); err == nil && filepath.Base(id) == id {
			if c, err := e.load(id); err == nil && c.Name == ref {
				return c, nil
			}
		}
	}
	cs, err := e.List()
	if err != nil {
		return nil, err
	}
	var prefixed []*Container
	for _, c := range cs {
		if c.Name == ref || c.ID == ref {
			return c, nil
		}
		if strings.HasPrefix(c.ID, ref) {
			prefixed = append(prefixed, c)
		}
	}
	switch len(prefixed) {
	case 0:
		return nil, &NotFoundError{Ref: ref}
	case 1:
		return prefixed[0], nil
	}
	return nil, fmt.Errorf("%d containers have an ID that starts with %q: give more of the ID, or the name", len(prefixed), ref)
}

// newID returns 64 hex digits (256 random bits), Docker's container ID; the first 12 are its
// short form.
func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a container ID: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ShortID is the 12-digit form of an ID that ps and run -d print.
func ShortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
