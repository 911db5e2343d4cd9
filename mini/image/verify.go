//mini:chapter 06

package image

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/minikit/kit/mini/layer"
)

// Problem is something Verify found wrong, and what to do about it.
type Problem struct {
	What string
	Fix  string
}

func (p Problem) String() string { return p.What + ": " + p.Fix }

// Report is what Verify found.
type Report struct {
	Blobs, Layers, Images int       // how many were checked
	Problems              []Problem // empty when the store is consistent
	// Unused counts blobs and layers no image names (left by an interrupted pull or import, or
	// by an rmi of another image). They are not a problem: the next pull uses them, or
	// `mini image prune` removes them.
	Unused int
}

// Verify checks the whole store: it hashes every blob again (its name must be its sha256),
// checks that every unpacked layer measures what it measured when it was unpacked, and that
// every image's manifest, config, layer blobs and unpacked layers are there.
func (s *Store) Verify() (Report, error) {
	var r Report
	entries, err := os.ReadDir(s.blobDir())
	if err != nil {
		return r, fmt.Errorf("list the blobs: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			continue // another Mini's blob in flight (or swept by the next Open)
		}
		r.Blobs++
		p := filepath.Join(s.blobDir(), e.Name())
		d := digest.NewDigestFromEncoded(digest.SHA256, e.Name())
		if d.Validate() != nil {
			r.Problems = append(r.Problems, Problem{fmt.Sprintf("%s is not named by a sha256 digest", p), "remove it: rm " + p})
			continue
		}
		if got, err := hashFile(p); err != nil {
			r.Problems = append(r.Problems, Problem{fmt.Sprintf("blob %s cannot be read: %v", short(d), err), "remove it (rm " + p + ") and pull or import its image again"})
		} else if got != d {
			r.Problems = append(r.Problems, Problem{fmt.Sprintf("blob %s is corrupt: its content's sha256 is %s", short(d), got), "remove it (rm " + p + ") and pull or import its image again"})
		}
	}
	entries, err = os.ReadDir(s.layersDir())
	if err != nil {
		return r, fmt.Errorf("list the layers: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		r.Layers++
		d := digest.NewDigestFromEncoded(digest.SHA256, e.Name())
		fix := "remove it (mini image prune, after removing the images that use it) and pull or import those images again"
		rec, err := s.readLayerRecord(d)
		if err != nil {
			r.Problems = append(r.Problems, Problem{fmt.Sprintf("layer %s has no readable layer.json: %v", short(d), err), fix})
			continue
		}
		size, err := layer.Measure(filepath.Join(s.layerDir(d), "fs"))
		if err != nil {
			r.Problems = append(r.Problems, Problem{fmt.Sprintf("layer %s cannot be read: %v", short(d), err), fix})
		} else if size != rec.Size {
			r.Problems = append(r.Problems, Problem{fmt.Sprintf("layer %s was changed after it was unpacked: %d entries and %d bytes, it had %d and %d", short(d), size.Entries, size.Bytes, rec.Size.Entries, rec.Size.Bytes), fix})
		}
	}
	idx, err := s.readIndex()
	if err != nil {
		r.Problems = append(r.Problems, Problem{err.Error(), "remove " + s.indexFile() + " and pull or import the images again"})
		return r, nil
	}
	used := map[string]bool{}
	for _, ref := range sortedRefs(idx) {
		e := idx.Refs[ref]
		if used[e.Manifest.Encoded()] {
			continue
		}
		r.Images++
		r.Problems = append(r.Problems, s.verifyImage(idx, ref, e, used)...)
	}
	r.Unused = countUnused(s.blobDir(), used) + countUnused(s.layersDir(), used)
	return r, nil
}

// verifyImage checks that everything an image needs is there; used collects what it needs.
func (s *Store) verifyImage(idx *index, ref string, e entry, used map[string]bool) []Problem {
	fix := fmt.Sprintf("pull or import %s again", familiar(ref))
	used[e.Manifest.Encoded()] = true
	img, err := s.load(idx, e.Manifest)
	if err != nil {
		return []Problem{{fmt.Sprintf("image %s: %v", familiar(ref), err), fix}}
	}
	if img.ID != e.Config {
		return []Problem{{fmt.Sprintf("image %s: the index says its ID is %s, its manifest %s", familiar(ref), short(e.Config), short(img.ID)), fix}}
	}
	used[img.ID.Encoded()] = true
	var ps []Problem
	for _, l := range img.Layers {
		used[l.Blob.Digest.Encoded()] = true
		used[l.DiffID.Encoded()] = true
		if !s.HasBlob(l.Blob.Digest) {
			ps = append(ps, Problem{fmt.Sprintf("image %s: layer blob %s is missing", familiar(ref), short(l.Blob.Digest)), fix})
		}
		if _, err := os.Stat(filepath.Join(s.layerDir(l.DiffID), "layer.json")); err != nil {
			ps = append(ps, Problem{fmt.Sprintf("image %s: layer %s is not unpacked", familiar(ref), short(l.DiffID)), fix})
		}
	}
	return ps
}

func countUnused(dir string, used map[string]bool) int {
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if !used[e.Name()] && !strings.HasPrefix(e.Name(), tmpPrefix) {
			n++
		}
	}
	return n
}

func hashFile(p string) (digest.Digest, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := digest.SHA256.Digester()
	if _, err := io.Copy(h.Hash(), f); err != nil {
		return "", err
	}
	return h.Digest(), nil
}
