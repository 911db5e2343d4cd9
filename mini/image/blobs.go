//mini:chapter 06

package image

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"
)

// OpenBlob opens a blob of the store for reading (save, push: whatever sends an image on).
func (s *Store) OpenBlob(d digest.Digest) (io.ReadCloser, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("blob %q: %w", d, err)
	}
	f, err := os.Open(s.blobPath(d))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("blob %s is not in the store: %w (mini image verify checks the store)", short(d), err)
	}
	return f, err
}

// ReadBlob reads a small blob (a manifest, a config) whole.
func (s *Store) ReadBlob(d digest.Digest) ([]byte, error) { return s.readBlob(d) }

// ForgetBlobs removes the blobs ds that no image in the store uses: the undo of a load or an
// import that failed after writing them, so the store is left as it was.
func (s *Store) ForgetBlobs(ds []digest.Digest) error {
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	used := map[digest.Digest]bool{}
	for _, e := range idx.Refs {
		used[e.Manifest], used[e.Config] = true, true
		if mb, err := s.readBlob(e.Manifest); err == nil {
			if m, err := parseManifest(mb); err == nil {
				for _, l := range m.Layers {
					used[l.Digest] = true
				}
			}
		}
	}
	var errs []error
	for _, d := range ds {
		if used[d] || d.Validate() != nil {
			continue
		}
		if err := os.Remove(s.blobPath(d)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
