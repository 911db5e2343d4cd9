//mini:chapter 06

package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/opencontainers/go-digest"

	"github.com/minikit/kit/mini/state"
)

// index is the store's one mutable file: which names point at which images. Blobs and layers
// never change once written; only names come and go, and they all live here, so that one atomic
// rename of this file is one consistent change.
type index struct {
	Version int `json:"version"`
	// Refs maps a full reference ("docker.io/library/busybox:latest", or "name@sha256:…" for an
	// image pulled by digest) to the image it names.
	Refs map[string]entry `json:"refs"`
}

// entry is what a reference points at.
type entry struct {
	Manifest digest.Digest `json:"manifest"` // the image manifest's digest (its blob)
	Config   digest.Digest `json:"config"`   // the config's digest: the image ID
	// RepoDigest is what the registry calls the image (a multi-platform index's digest, or the
	// manifest's); "" for an image that never came from a registry.
	RepoDigest digest.Digest `json:"repo_digest,omitempty"`
}

const indexVersion = 1

// readIndex reads the references. A missing index is an empty store. No lock is needed to read:
// the file is only ever replaced whole.
func (s *Store) readIndex() (*index, error) {
	idx := &index{Version: indexVersion, Refs: map[string]entry{}}
	b, err := os.ReadFile(s.indexFile())
	if errors.Is(err, os.ErrNotExist) {
		return idx, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the image index: %w", err)
	}
	if err := json.Unmarshal(b, idx); err != nil {
		return nil, fmt.Errorf("read the image index %s: %w (mini image verify says more)", s.indexFile(), err)
	}
	if idx.Version != indexVersion {
		return nil, fmt.Errorf("the image index %s has version %d; this Mini reads version %d", s.indexFile(), idx.Version, indexVersion)
	}
	if idx.Refs == nil {
		idx.Refs = map[string]entry{}
	}
	return idx, nil
}

// updateIndex changes the references under index.lock: read, change, write atomically. The lock
// makes two Minis tagging at once both count (without it the second write would drop the first's
// tag); the atomic write makes a reader, or a Mini killed halfway, see the old index or the new.
func (s *Store) updateIndex(change func(*index) error) error {
	lock, err := state.LockFile(filepath.Join(s.dir, "index.lock"), state.Exclusive)
	if err != nil {
		return err
	}
	defer lock.Close()
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	if err := change(idx); err != nil {
		return err
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return fmt.Errorf("write the image index: %w", err)
	}
	return state.WriteFileAtomic(s.indexFile(), append(b, '\n'), 0o600)
}

// refsOf lists the references that point at manifest m, sorted.
func (idx *index) refsOf(m digest.Digest) []string {
	var refs []string
	for r, e := range idx.Refs {
		if e.Manifest == m {
			refs = append(refs, r)
		}
	}
	sort.Strings(refs)
	return refs
}
