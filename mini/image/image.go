//mini:chapter 06

package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image/reference"
	"github.com/minikit/kit/mini/layer"
)

// Image is an image in the store.
type Image struct {
	// ID is the digest of the image's config. The config names every layer by its uncompressed
	// digest (rootfs.diff_ids) and carries the run defaults, so two images with the same ID have
	// the same files and run the same way, wherever they came from: the ID survives a re-pull, a
	// save and load, a registry that recompresses the layers (the manifest digest would change).
	ID digest.Digest
	// Manifest is the manifest's digest: which blobs the image is made of.
	Manifest digest.Digest
	// Refs are the references that name this image (full form: docker.io/library/busybox:latest).
	Refs []string
	// RepoDigests are the registry digests of the references that have one ("name@sha256:…").
	RepoDigests []string
	// Config is the image's config: the run defaults (Entrypoint, Cmd, Env, WorkingDir, User)
	// and its history.
	Config v1.Image
	// Layers are the image's layers, bottom first, as the manifest lists them.
	Layers []Layer
	// Size is the bytes of all the layers' files, unpacked (what `mini images` shows).
	Size int64
}

// Layer is one layer of an image.
type Layer struct {
	Blob   v1.Descriptor // the archive as the registry serves it
	DiffID digest.Digest // the sha256 of the uncompressed archive
	Dir    string        // the unpacked layer: an overlay lower
	Size   layer.Size
}

// Lowers are the image's unpacked layer directories, top layer first: the order overlayfs wants
// in lowerdir= (the leftmost lower is the uppermost).
func (img *Image) Lowers() []string {
	lowers := make([]string, 0, len(img.Layers))
	for i := len(img.Layers) - 1; i >= 0; i-- {
		lowers = append(lowers, img.Layers[i].Dir)
	}
	return lowers
}

// Resolve finds the image that name means, as Docker does: a reference first (busybox,
// busybox:1.36, localhost:5000/app@sha256:…), then an image ID or an unambiguous prefix of one
// (with or without "sha256:").
func (s *Store) Resolve(name string) (*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	m, err := idx.find(name)
	if err != nil {
		return nil, err
	}
	return s.load(idx, m)
}

// ErrNotFound is wrapped by Resolve's error when no image matches.
var ErrNotFound = errors.New("no such image")

// find returns the manifest digest name means.
func (idx *index) find(name string) (digest.Digest, error) {
	if ref, err := reference.Parse(name); err == nil {
		if e, ok := idx.Refs[mustKey(ref)]; ok && (ref.Digest == "" || ref.Digest == e.Manifest || ref.Digest == e.RepoDigest) {
			return e.Manifest, nil
		}
		if ref.Digest != "" {
			// name@digest also finds the image pulled under a tag whose digest that is.
			for r, e := range idx.Refs {
				if strings.HasPrefix(r, ref.Name()+":") && (e.Manifest == ref.Digest || e.RepoDigest == ref.Digest) {
					return e.Manifest, nil
				}
			}
		}
	}
	prefix := strings.TrimPrefix(name, "sha256:")
	if prefix == "" || strings.Trim(prefix, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%w: %s (mini images lists them; mini pull %s fetches it)", ErrNotFound, name, name)
	}
	byID := map[digest.Digest]digest.Digest{} // image ID → a manifest with it
	for _, r := range sortedRefs(idx) {
		e := idx.Refs[r]
		if strings.HasPrefix(e.Config.Encoded(), prefix) {
			if _, ok := byID[e.Config]; !ok {
				byID[e.Config] = e.Manifest
			}
		}
	}
	switch len(byID) {
	case 0:
		return "", fmt.Errorf("%w: %s (mini images lists them)", ErrNotFound, name)
	case 1:
		for _, m := range byID {
			return m, nil
		}
	}
	var ids []string
	for id := range byID {
		ids = append(ids, short(id))
	}
	sort.Strings(ids)
	return "", fmt.Errorf("the ID prefix %q is ambiguous: it matches %d images (%s); give more of the ID", name, len(ids), strings.Join(ids, ", "))
}

// mustKey is refKey for a reference that parsed.
func mustKey(r reference.Reference) string {
	k, _ := refKey(r)
	return k
}

func sortedRefs(idx *index) []string {
	refs := make([]string, 0, len(idx.Refs))
	for r := range idx.Refs {
		refs = append(refs, r)
	}
	sort.Strings(refs)
	return refs
}

// List returns every image in the store (one per manifest), newest first.
func (s *Store) List() ([]*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	seen := map[digest.Digest]bool{}
	var images []*Image
	for _, r := range sortedRefs(idx) {
		m := idx.Refs[r].Manifest
		if seen[m] {
			continue
		}
		seen[m] = true
		img, err := s.load(idx, m)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", r, err)
		}
		images = append(images, img)
	}
	sort.SliceStable(images, func(i, j int) bool {
		a, b := images[i].Config.Created, images[j].Config.Created
		if a != nil && b != nil && !a.Equal(*b) {
			return a.After(*b)
		}
		return images[i].ID < images[j].ID
	})
	return images, nil
}

// load reads an image's manifest and config from their blobs.
func (s *Store) load(idx *index, m digest.Digest) (*Image, error) {
	mb, err := s.readBlob(m)
	if err != nil {
		return nil, fmt.Errorf("the image's manifest: %w (mini image verify says more)", err)
	}
	man, err := parseManifest(mb)
	if err != nil {
		return nil, err
	}
	cb, err := s.readBlob(man.Config.Digest)
	if err != nil {
		return nil, fmt.Errorf("the image's config: %w (mini image verify says more)", err)
	}
	cfg, err := parseConfig(cb, man)
	if err != nil {
		return nil, err
	}
	img := &Image{ID: man.Config.Digest, Manifest: m, Config: cfg, Refs: idx.refsOf(m)}
	for _, r := range img.Refs {
		if e := idx.Refs[r]; e.RepoDigest != "" {
			name := r
			if ref, err := reference.Parse(r); err == nil {
				name = ref.Name()
			}
			if rd := name + "@" + e.RepoDigest.String(); !slices.Contains(img.RepoDigests, rd) {
				img.RepoDigests = append(img.RepoDigests, rd)
			}
		}
	}
	for i, l := range man.Layers {
		lay := Layer{Blob: l, DiffID: cfg.RootFS.DiffIDs[i], Dir: filepath.Join(s.layerDir(cfg.RootFS.DiffIDs[i]), "fs")}
		if rec, err := s.readLayerRecord(lay.DiffID); err == nil {
			lay.Size = rec.Size
		}
		img.Size += lay.Size.Bytes
		img.Layers = append(img.Layers, lay)
	}
	return img, nil
}

func (s *Store) readLayerRecord(diffID digest.Digest) (layerRecord, error) {
	var rec layerRecord
	b, err := os.ReadFile(filepath.Join(s.layerDir(diffID), "layer.json"))
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("layer %s: layer.json: %w", short(diffID), err)
	}
	return rec, nil
}
