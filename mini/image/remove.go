//mini:chapter 06

package image

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/minikit/kit/mini/image/reference"
	"github.com/minikit/kit/mini/state"
)

// Tag gives the image src names a new name, dst (Docker's `tag SOURCE TARGET`). A name is only a
// pointer: the image, its blobs and its layers are not copied.
func (s *Store) Tag(src, dst string) (*Image, error) {
	ref, err := reference.Parse(dst)
	if err != nil {
		return nil, err
	}
	if ref.Digest != "" {
		return nil, fmt.Errorf("tag %s: a tag cannot carry a digest (the digest is the content's, not a name)", dst)
	}
	key := mustKey(ref)
	err = s.updateIndex(func(idx *index) error {
		m, err := idx.find(src)
		if err != nil {
			return err
		}
		e := idx.Refs[idx.refsOf(m)[0]]
		idx.Refs[key] = entry{Manifest: m, Config: e.Config}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Resolve(key)
}

// Removed is what Remove did, in Docker's words: the names it untagged and the images it deleted.
type Removed struct {
	Untagged []string        // familiar names: busybox:latest
	Deleted  []digest.Digest // image IDs
}

// RemoveOptions are rmi's flags.
type RemoveOptions struct {
	// Force removes an image by ID even when names in several repositories point at it.
	Force bool
	//mini:begin 07
	// InUse, if set, is asked before an image is deleted (its last name gone), under the store's
	// exclusive lock: an error keeps the image, and its names, as they were. Chapter 07's
	// containers: `mini create` holds the image's lease until its record is written, so a
	// container made from the image is never missed.
	InUse func(id digest.Digest) error
	//mini:end 07
}

// Remove removes name, as `docker rmi` does. A reference (busybox:latest) is untagged; the image
// is deleted only when no name is left pointing at it. An ID (or prefix) removes every name of
// the image, but when names in more than one repository point at it, only with Force. Deleting an
// image deletes the blobs and unpacked layers no other image uses: layers shared with another
// image stay.
func (s *Store) Remove(name string, o RemoveOptions) (Removed, error) {
	var out Removed
	err := s.exclusive(func() error {
		err := s.updateIndex(func(idx *index) error {
			out = Removed{}
			byName := false
			var refs []string
			if ref, err := reference.Parse(name); err == nil {
				if _, ok := idx.Refs[mustKey(ref)]; ok {
					refs, byName = []string{mustKey(ref)}, true
				}
			}
			m, err := idx.find(name)
			if err != nil {
				return err
			}
			if !byName {
				refs = idx.refsOf(m)
				if repos := repositories(refs); len(repos) > 1 && !o.Force {
					return fmt.Errorf("unable to delete %s (must be forced with -f): the image is referenced in %d repositories (%s)", name, len(repos), strings.Join(repos, ", "))
				}
			}
			id := idx.Refs[refs[0]].Config
			for _, r := range refs {
				delete(idx.Refs, r)
				out.Untagged = append(out.Untagged, familiar(r))
			}
			if len(idx.refsOf(m)) == 0 && !idx.hasConfig(id) {
				if err := s.leased(name, id); err != nil {
					return err // the index is not written: every name stays
				}
				//mini:begin 07
				if o.InUse != nil {
					if err := o.InUse(id); err != nil {
						return err // the index is not written: every name stays
					}
				}
				//mini:end 07
				out.Deleted = append(out.Deleted, id)
			}
			return nil
		})
		if err != nil {
			return err
		}
		_, err = s.collect()
		return err
	})
	return out, err
}

// Pruned is what Prune removed.
type Pruned struct {
	Blobs, Layers int
	Bytes         int64 // disk space given back
}

// Prune removes what no image uses: blobs and unpacked layers left by an interrupted pull or
// import, or by an Add that failed. It waits until no other Mini has the store open.
func (s *Store) Prune() (Pruned, error) {
	var p Pruned
	err := s.exclusive(func() error {
		if err := s.sweep(); err != nil {
			return err
		}
		var err error
		p, err = s.collect()
		return err
	})
	return p, err
}

// collect deletes every blob and layer no reference reaches (a mark and sweep). The caller holds
// the store lock exclusively, so no pull has blobs in flight that are not named yet.
func (s *Store) collect() (Pruned, error) {
	var p Pruned
	idx, err := s.readIndex()
	if err != nil {
		return p, err
	}
	blobs, layers := map[string]bool{}, map[string]bool{}
	for m := range idx.manifests() {
		blobs[m.Encoded()] = true
		mb, err := s.readBlob(m)
		if err != nil {
			continue // a missing manifest: verify reports it; its layers are not kept alive
		}
		man, err := parseManifest(mb)
		if err != nil {
			continue
		}
		blobs[man.Config.Digest.Encoded()] = true
		for _, l := range man.Layers {
			blobs[l.Digest.Encoded()] = true
		}
		if cb, err := s.readBlob(man.Config.Digest); err == nil {
			if cfg, err := parseConfig(cb, man); err == nil {
				for _, d := range cfg.RootFS.DiffIDs {
					layers[d.Encoded()] = true
				}
			}
		}
	}
	if err := s.markInUse(blobs, layers); err != nil {
		return p, err
	}
	var errs []error
	entries, err := os.ReadDir(s.blobDir())
	if err != nil {
		return p, fmt.Errorf("list the blobs: %w", err)
	}
	for _, e := range entries {
		if blobs[e.Name()] || strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil {
			p.Bytes += info.Size()
		}
		if err := os.Remove(filepath.Join(s.blobDir(), e.Name())); err != nil {
			errs = append(errs, err)
		}
		p.Blobs++
	}
	entries, err = os.ReadDir(s.layersDir())
	if err != nil {
		return p, fmt.Errorf("list the layers: %w", err)
	}
	for _, e := range entries {
		if layers[e.Name()] || strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if rec, err := s.readLayerRecord(digest.NewDigestFromEncoded(digest.SHA256, e.Name())); err == nil {
			p.Bytes += rec.Size.Bytes
		}
		if err := s.removeLayer(e.Name()); err != nil {
			errs = append(errs, err)
		}
		p.Layers++
	}
	if err := state.SyncDir(s.blobDir()); err != nil {
		errs = append(errs, err)
	}
	return p, errors.Join(errs...)
}

// removeLayer deletes an unpacked layer. It is renamed to a temporary name first: removing
// thousands of files takes a while, and a Mini killed meanwhile must not leave a layer that looks
// whole under its real name. The next Open sweeps the rest.
func (s *Store) removeLayer(hex string) error {
	trash := filepath.Join(s.layersDir(), tmpPrefix+"rm-"+hex)
	if err := os.Rename(filepath.Join(s.layersDir(), hex), trash); err != nil {
		return fmt.Errorf("remove layer %s: %w", hex, err)
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("remove layer %s: %w", hex, err)
	}
	return nil
}

// manifests is the set of manifests the references name.
func (idx *index) manifests() map[digest.Digest]bool {
	ms := map[digest.Digest]bool{}
	for _, e := range idx.Refs {
		ms[e.Manifest] = true
	}
	return ms
}

// hasConfig reports whether some reference still names an image with this ID.
func (idx *index) hasConfig(id digest.Digest) bool {
	for _, e := range idx.Refs {
		if e.Config == id {
			return true
		}
	}
	return false
}

// repositories lists the distinct repositories among refs.
func repositories(refs []string) []string {
	seen := map[string]bool{}
	var repos []string
	for _, r := range refs {
		name := r
		if ref, err := reference.Parse(r); err == nil {
			name = ref.FamiliarName()
		}
		if !seen[name] {
			seen[name] = true
			repos = append(repos, name)
		}
	}
	return repos
}

// familiar is the short form of a full reference, as Docker prints it.
func familiar(r string) string {
	if ref, err := reference.Parse(r); err == nil {
		return ref.Familiar()
	}
	return r
}
