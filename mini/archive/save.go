//mini:chapter 06

// Package archive moves images in and out of the store as tar files: `mini save` and
// `mini load` (an image whole, its layers, history and ID kept), and `mini import` (one flat
// root filesystem made a new image).
//
// A saved archive is read by every tool people use, because it is two formats in one tar, as
// Docker 25 writes it:
//
//	oci-layout, index.json, blobs/sha256/…   an OCI image layout (skopeo oci-archive:, podman, umoci)
//	manifest.json, repositories              a docker-archive (docker load, podman load, skopeo docker-archive:)
//
// Both name the same blobs, so nothing is stored twice. The layers are written uncompressed:
// docker-archive readers take a layer's digest to be its diffID, the digest of the uncompressed
// tar that the image config lists.
package archive

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
	"github.com/minikit/kit/mini/layer"
)

// dockerManifest is one entry of a docker-archive's manifest.json.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// Save writes the images names name (references or IDs) to w as one tar.
func Save(store *image.Store, names []string, w io.Writer) error {
	if len(names) == 0 {
		return fmt.Errorf("save: name at least one image (mini images lists them)")
	}
	s := &saver{store: store, tw: tar.NewWriter(w), written: map[digest.Digest]bool{}}
	if err := s.file("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	index := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex}
	var manifests []dockerManifest
	repositories := map[string]map[string]string{}
	for _, name := range names {
		img, err := store.Resolve(name)
		if err != nil {
			return err
		}
		layers, desc, err := s.image(img)
		if err != nil {
			return err
		}
		tags := tagsToSave(img, name)
		for _, ref := range tags {
			d := desc
			d.Annotations = map[string]string{
				"io.containerd.image.name": ref.String(),
				v1.AnnotationRefName:       ref.Tag,
			}
			index.Manifests = append(index.Manifests, d)
			repo := ref.FamiliarName()
			if repositories[repo] == nil {
				repositories[repo] = map[string]string{}
			}
			repositories[repo][ref.Tag] = img.Config.RootFS.DiffIDs[len(img.Config.RootFS.DiffIDs)-1].Encoded()
		}
		if len(tags) == 0 {
			index.Manifests = append(index.Manifests, desc)
		}
		dm, err := dockerEntry(img.ID, layers, tags)
		if err != nil {
			return err
		}
		manifests = append(manifests, dm)
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"index.json", index}, {"manifest.json", manifests}, {"repositories", repositories}} {
		b, err := json.Marshal(f.v)
		if err != nil {
			return err
		}
		if err := s.file(f.name, b); err != nil {
			return err
		}
	}
	return s.tw.Close()
}

// saver writes one archive; each blob goes in once, however many images share it.
type saver struct {
	store   *image.Store
	tw      *tar.Writer
	written map[digest.Digest]bool
}

// dockerEntry is one image's entry in manifest.json, the file `docker load` and `podman load`
// read first: the path in the archive of the image's config (whose sha256 is the image ID, so
// the ID survives the trip), the names to give the image, as Docker prints them, and the paths of
// its layer tars, bottom layer first: the order of the config's rootfs.diff_ids, which a loader
// checks each layer's sha256 against.
func dockerEntry(id digest.Digest, layers []v1.Descriptor, tags []reference.Reference) (dockerManifest, error) {
	//mini:solution 06.5 Write the image's manifest.json entry: the config's path in the archive, the tags as Docker prints them, the layers' paths bottom first.
	dm := dockerManifest{Config: blobPath(id)}
	for _, t := range tags {
		dm.RepoTags = append(dm.RepoTags, t.Familiar())
	}
	for _, l := range layers {
		dm.Layers = append(dm.Layers, blobPath(l.Digest))
	}
	return dm, nil
	//mini:stub return dockerManifest{}, todo.Step("06.5")
	//mini:end
}

// image writes one image's blobs: its config, its layers uncompressed, and a manifest naming
// them (a new manifest: the registry's named compressed layers; the config, and so the image
// ID, is the same). It returns the layers' descriptors, bottom first, and the manifest's.
func (s *saver) image(img *image.Image) ([]v1.Descriptor, v1.Descriptor, error) {
	cfg, err := s.store.ReadBlob(img.ID)
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	if err := s.blob(img.ID, cfg); err != nil {
		return nil, v1.Descriptor{}, err
	}
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest,
		Config: v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: img.ID, Size: int64(len(cfg))}}
	for i, l := range img.Layers {
		desc, err := s.layer(l)
		if err != nil {
			return nil, v1.Descriptor{}, err
		}
		if want := img.Config.RootFS.DiffIDs[i]; desc.Digest != want {
			return nil, v1.Descriptor{}, fmt.Errorf("layer %d of %s: its uncompressed digest is %s, the config says %s: run mini image verify", i+1, img.ID.Encoded()[:12], desc.Digest, want)
		}
		m.Layers = append(m.Layers, desc)
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	md := digest.FromBytes(mb)
	if err := s.blob(md, mb); err != nil {
		return nil, v1.Descriptor{}, err
	}
	return m.Layers, v1.Descriptor{MediaType: v1.MediaTypeImageManifest, Digest: md, Size: int64(len(mb))}, nil
}

// layer writes a layer uncompressed. The tar header needs the size first: the layer is
// decompressed once into a temporary file, hashed on the way.
func (s *saver) layer(l image.Layer) (v1.Descriptor, error) {
	desc := v1.Descriptor{MediaType: v1.MediaTypeImageLayer, Digest: l.DiffID}
	if s.written[l.DiffID] {
		return desc, nil
	}
	blob, err := s.store.OpenBlob(l.Blob.Digest)
	if err != nil {
		return desc, err
	}
	defer blob.Close()
	tr, err := layer.Uncompressed(blob)
	if err != nil {
		return desc, err
	}
	defer tr.Close()
	tmp, err := os.CreateTemp("", "mini-save-*.tar")
	if err != nil {
		return desc, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), tr)
	if err != nil {
		return desc, fmt.Errorf("decompress layer %s: %w", l.Blob.Digest.Encoded()[:12], err)
	}
	desc.Digest, desc.Size = digest.NewDigest(digest.SHA256, h), n
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return desc, err
	}
	if err := s.header(blobPath(desc.Digest), n); err != nil {
		return desc, err
	}
	if _, err := io.Copy(s.tw, tmp); err != nil {
		return desc, err
	}
	s.written[desc.Digest] = true
	return desc, nil
}

func (s *saver) blob(d digest.Digest, b []byte) error {
	if s.written[d] {
		return nil
	}
	s.written[d] = true
	return s.file(blobPath(d), b)
}

func (s *saver) file(name string, b []byte) error {
	if err := s.header(name, int64(len(b))); err != nil {
		return err
	}
	_, err := s.tw.Write(b)
	return err
}

// header writes a tar header, and the blobs/ and blobs/sha256/ directories before the first
// blob (some readers want the directories listed).
func (s *saver) header(name string, size int64) error {
	if len(name) > 6 && name[:6] == "blobs/" && !s.written["dirs"] {
		s.written["dirs"] = true
		for _, d := range []string{"blobs/", "blobs/sha256/"} {
			if err := s.tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: epoch}); err != nil {
				return err
			}
		}
	}
	return s.tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size, ModTime: epoch})
}

// epoch is the time on every entry: the same images give the same archive.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// tagsToSave are the names an image is saved with: the one asked for when a name was given,
// every tag for an ID.
func tagsToSave(img *image.Image, name string) []reference.Reference {
	refs := img.Refs
	if asked, err := reference.Parse(name); err == nil && asked.Tag != "" && contains(img.Refs, asked.String()) {
		refs = []string{asked.String()}
	}
	var tags []reference.Reference
	for _, r := range refs {
		if ref, err := reference.Parse(r); err == nil && ref.Tag != "" {
			tags = append(tags, ref)
		}
	}
	return tags
}

func blobPath(d digest.Digest) string { return "blobs/" + string(d.Algorithm()) + "/" + d.Encoded() }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
