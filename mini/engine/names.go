//mini:chapter 07

package engine

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"

	"github.com/minikit/kit/mini/state"
)

// The names index: <root>/names/NAME is a symbolic link to the ID of the container that has the
// name. symlink(2) fails with EEXIST when the name exists already, so taking a name is one
// atomic system call, and `create` does not read every record to learn which names are taken
// (at 100 containers that read was a few milliseconds of each create; Docker keeps a name
// registrar for the same reason). The record's Name stays the truth the index is made from: a
// link whose container has no record (a create or an rm killed half-way) is stale, and the next
// container to want the name takes it over. All of it under the engine lock (Engine.lock).
func (e *Engine) namesDir() string { return filepath.Join(e.root.Dir, "names") }

// nameTakenError says which container has the name already.
type nameTakenError struct{ name, owner string }

func (n *nameTakenError) Error() string {
	return fmt.Sprintf("the container name %q is already in use by container %q: remove (or rename) that container to reuse the name", n.name, n.owner)
}

// claimName gives name to the container id, or says who has it.
func (e *Engine) claimName(name, id string) error {
	if err := e.indexNames(); err != nil {
		return err
	}
	link := filepath.Join(e.namesDir(), name)
	for {
		err := os.Symlink(id, link)
		if err == nil || !errors.Is(err, fs.ErrExist) {
			if err != nil {
				return fmt.Errorf("claim the container name %q: %w", name, err)
			}
			return nil
		}
		owner, rerr := os.Readlink(link)
		if errors.Is(rerr, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if rerr != nil {
			return fmt.Errorf("claim the container name %q: %w", name, rerr)
		}
		if owner == id {
			return nil
		}
		if state.Kept(filepath.Join(e.root.Dir, "containers", owner)) {
			return &nameTakenError{name: name, owner: owner}
		}
		if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("take over the stale container name %q: %w", name, err)
		}
	}
}

// releaseName gives name back, if the container id still has it.
func (e *Engine) releaseName(name, id string) error {
	if name == "" {
		return nil
	}
	link := filepath.Join(e.namesDir(), name)
	if owner, err := os.Readlink(link); err != nil || owner != id {
		return nil // not its name (or no name): nothing to give back
	}
	if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("release the container name %q: %w", name, err)
	}
	return nil
}

// indexNames makes the index from the records when there is none yet (a state root written
// before the index existed).
func (e *Engine) indexNames() error {
	if _, err := os.Stat(e.namesDir()); err == nil {
		return nil
	}
	cs, err := e.List()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(e.root.Dir, ".tmp-names-")
	if err != nil {
		return fmt.Errorf("index the container names: %w", err)
	}
	for _, c := range cs {
		if c.Name == "" {
			continue // a dead container: its name went with its record
		}
		if err := os.Symlink(c.ID, filepath.Join(tmp, c.Name)); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("index the container names: %w", err)
		}
	}
	if err := os.Rename(tmp, e.namesDir()); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("index the container names: %w", err)
	}
	return nil
}

// A container without --name gets a name like Docker's: an adjective and a scientist.
var (
	adjectives = []string{"brave", "calm", "eager", "fervent", "gentle", "happy", "keen", "lucid",
		"modest", "nifty", "quirky", "serene", "tender", "vibrant", "wise", "zealous"}
	scientists = []string{"curie", "darwin", "euler", "franklin", "hopper", "hypatia", "kepler",
		"lovelace", "meitner", "noether", "pasteur", "ritchie", "thompson", "torvalds", "turing", "wozniak"}
)

// randomName is the attempt-th try at a free name; after 20 taken ones, a longer name.
func randomName(attempt int) string {
	name := pick(adjectives) + "_" + pick(scientists)
	if attempt > 20 {
		name += "_" + pick([]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) + pick(scientists)
	}
	return name
}

func pick(words []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
	if err != nil {
		return words[0]
	}
	return words[n.Int64()]
}
