//mini:chapter 06

// Package image is Mini's image store: a content-addressed store under the state root.
//
//	<root>/images/
//	  blobs/sha256/<hex>        manifests, configs and layer archives, named by their sha256
//	  layers/<diffID-hex>/fs/   each layer unpacked once, an overlay lower for every image that has it
//	  layers/<diffID-hex>/layer.json   what the unpacked layer measured (for verify)
//	  index.json                the references: name:tag → manifest digest
//	  lock, index.lock          flock(2) files (see Open)
//
// Everything becomes visible under its final name by one rename(2), after it is complete and
// checked: a blob after its size and sha256 match, a layer after its uncompressed sha256 matches
// the image config's diff_ids, the index as a whole new file. A Mini killed at any point leaves a
// temporary name behind at worst (".tmp-…"), never a wrong file under a right name; the next
// Open sweeps the temporary names away and the next pull or import does the rest again.
package image

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/state"
)

// Store is an open image store.
type Store struct {
	// Explain narrates what the store does (unpacking, naming) for --explain; nil is silent.
	Explain *explain.Narrator

	dir   string        // <root>/images
	lock  *os.File      // the store lock, held shared for as long as the Store is open
	early *earlyUnpacks // layers unpacked while a pull downloads the others (early.go)
	//mini:begin 07

	// Used, if set, lists the images that containers were made from (chapter 07's records): a
	// collection (rmi, prune) keeps their files as it keeps a leased image's, named or not.
	Used func() ([]digest.Digest, error)
	//mini:end 07
}

// mechanism labels the store's steps in --explain.
const mechanism explain.Mechanism = "image"

// tmpPrefix starts every name that is not (yet) part of the store.
const tmpPrefix = ".tmp-"

// Open opens (and creates) the image store under the state root.
//
// Every open Store holds a shared flock on images/lock until Close, and the few operations that
// delete (Remove, Prune) take it exclusively. So a deletion never runs while another Mini is
// pulling or importing: it would delete blobs the other has written but not yet tagged. When Open
// gets the lock exclusively at once, no other Mini is at work, and the temporary names an
// interrupted one left behind are swept.
func Open(stateRoot string) (*Store, error) {
	if stateRoot == "" {
		stateRoot = state.DefaultRoot
	}
	abs, err := filepath.Abs(stateRoot)
	if err != nil {
		return nil, fmt.Errorf("state root %q: %w", stateRoot, err)
	}
	s := &Store{dir: filepath.Join(abs, "images")}
	s.early = newEarlyUnpacks()
	for _, d := range []string{s.blobDir(), s.layersDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create the image store %s: %w (is it writable? Mini runs as root)", s.dir, err)
		}
	}
	s.lock, err = state.LockFile(filepath.Join(s.dir, "lock"), state.Shared)
	if err != nil {
		return nil, fmt.Errorf("open the image store: %w", err)
	}
	ok, err := state.TryRelock(s.lock, state.Exclusive)
	if err == nil && ok {
		err = s.sweep()
	}
	// Back to shared, also when the exclusive lock was refused: flock(2) dropped the shared
	// one while it tried.
	if rerr := state.Relock(s.lock, state.Shared); rerr != nil || err != nil {
		s.Close()
		return nil, errors.Join(err, rerr)
	}
	return s, nil
}

// Close releases the store.
func (s *Store) Close() error {
	if s.lock == nil {
		return nil
	}
	s.waitUnpacks()
	err := s.lock.Close()
	s.lock = nil
	return err
}

// Dir is the store's directory, <root>/images.
func (s *Store) Dir() string { return s.dir }

func (s *Store) blobDir() string   { return filepath.Join(s.dir, "blobs", "sha256") }
func (s *Store) layersDir() string { return filepath.Join(s.dir, "layers") }
func (s *Store) indexFile() string { return filepath.Join(s.dir, "index.json") }

func (s *Store) blobPath(d digest.Digest) string { return filepath.Join(s.blobDir(), d.Encoded()) }

// layerDir is where the layer with this diffID is unpacked (its fs/ is the overlay lower).
func (s *Store) layerDir(diffID digest.Digest) string {
	return filepath.Join(s.layersDir(), diffID.Encoded())
}

// exclusive runs f holding the store lock exclusively: no other Mini has the store open
// meanwhile. It waits for them.
func (s *Store) exclusive(f func() error) error {
	if err := state.Relock(s.lock, state.Exclusive); err != nil {
		return err
	}
	err := f()
	if rerr := state.Relock(s.lock, state.Shared); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// sweep removes what interrupted work left: temporary blobs, half-unpacked layers, layers
// being deleted, a temporary index. The caller holds the store lock exclusively.
func (s *Store) sweep() error {
	for _, d := range []string{s.dir, s.blobDir(), s.layersDir()} {
		entries, err := os.ReadDir(d)
		if err != nil {
			return fmt.Errorf("sweep the image store: %w", err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), tmpPrefix) {
				if err := os.RemoveAll(filepath.Join(d, e.Name())); err != nil {
					return fmt.Errorf("sweep the image store: %w", err)
				}
			}
		}
	}
	return nil
}
