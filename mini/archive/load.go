//mini:chapter 06

package archive

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
)

// Load reads an image archive (docker-archive or OCI layout, gzip-compressed or not: what
// `docker save`, `podman save`, `skopeo copy` and `mini save` write) into the store, and
// returns the names it loaded. It checks everything before it names anything: a bad archive
// leaves the store as it was.
func Load(store *image.Store, r io.Reader) ([]string, error) {
	dir, err := os.MkdirTemp(store.Dir(), ".tmp-load-") // swept by the store if Mini is killed
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := extract(r, dir); err != nil {
		return nil, err
	}
	l := &loader{store: store, dir: dir}
	var images []loaded
	switch {
	case l.exists("manifest.json"):
		images, err = l.docker()
	case l.exists("index.json"):
		images, err = l.oci()
	default:
		err = errors.New("load: the archive has neither manifest.json (docker-archive) nor index.json (OCI layout): it is not an image archive")
	}
	if err == nil {
		var names []string
		for _, img := range images {
			if _, err = store.Add(image.NewImage{Ref: img.ref, Manifest: img.manifest}); err != nil {
				break
			}
			names = append(names, img.ref.Familiar())
		}
		if err == nil {
			return names, nil
		}
	}
	// Undo: the blobs this load wrote, unless an image in the store uses them.
	return nil, errors.Join(err, store.ForgetBlobs(l.added))
}

// loaded is one image of the archive: its name and the manifest to record it by.
type loaded struct {
	ref      reference.Reference
	manifest []byte
}

type loader struct {
	store *image.Store
	dir   string
	added []digest.Digest // blobs this load put in the store
}

// docker reads a docker-archive: manifest.json lists, per image, its config file, its layer
// tars in order and its tags.
func (l *loader) docker() ([]loaded, error) {
	var entries []dockerManifest
	if err := l.readJSON("manifest.json", &entries); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errors.New("load: manifest.json lists no image")
	}
	var out []loaded
	layerIDs := map[string]bool{}
	for _, e := range entries {
		cfg, err := l.read(e.Config)
		if err != nil {
			return nil, fmt.Errorf("load: manifest.json names the config %s: %w", e.Config, err)
		}
		cd := digest.FromBytes(cfg)
		if named := digestInName(e.Config); named != "" && named != cd.Encoded() {
			return nil, fmt.Errorf("load: the config %s has the digest %s, not the one its name says: the archive is damaged", e.Config, cd)
		}
		var c v1.Image
		if err := json.Unmarshal(cfg, &c); err != nil {
			return nil, fmt.Errorf("load: the config %s is not an image config: %w", e.Config, err)
		}
		if len(c.RootFS.DiffIDs) != len(e.Layers) {
			return nil, fmt.Errorf("load: manifest.json lists %d layers for %s, its config %d", len(e.Layers), e.Config, len(c.RootFS.DiffIDs))
		}
		if err := l.put(cd, cfg); err != nil {
			return nil, err
		}
		m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest,
			Config: v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: cd, Size: int64(len(cfg))}}
		for _, name := range e.Layers {
			desc, err := l.putFile(name)
			if err != nil {
				return nil, fmt.Errorf("load: manifest.json names the layer %s: %w", name, err)
			}
			m.Layers = append(m.Layers, desc)
			layerIDs[layerID(name)] = true
		}
		mb, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		if len(e.RepoTags) == 0 {
			return nil, fmt.Errorf("load: image %s has no name in manifest.json (RepoTags): save it by name", cd.Encoded()[:12])
		}
		for _, t := range e.RepoTags {
			ref, err := reference.Parse(t)
			if err != nil {
				return nil, fmt.Errorf("load: manifest.json names the image %q: %w", t, err)
			}
			out = append(out, loaded{ref: ref, manifest: mb})
		}
	}
	// The old "repositories" file names each tag's top layer: it must be one of them.
	if l.exists("repositories") {
		var repos map[string]map[string]string
		if err := l.readJSON("repositories", &repos); err != nil {
			return nil, err
		}
		for repo, tags := range repos {
			for tag, id := range tags {
				// (skopeo and old Docker name the legacy layer directory <id>/ instead.)
				if !layerIDs[id] && !l.exists(id) {
					return nil, fmt.Errorf("load: repositories says %s:%s is layer %s, which manifest.json does not list: the archive is damaged", repo, tag, id)
				}
			}
		}
	}
	return out, nil
}

// oci reads an OCI image layout: index.json points at manifests (or at indexes of them, one per
// platform), named by the org.opencontainers.image.ref.name annotation.
func (l *loader) oci() ([]loaded, error) {
	var idx v1.Index
	if err := l.readJSON("index.json", &idx); err != nil {
		return nil, err
	}
	var out []loaded
	for _, d := range idx.Manifests {
		name := d.Annotations["io.containerd.image.name"]
		if name == "" {
			name = d.Annotations[v1.AnnotationRefName]
		}
		if !strings.ContainsAny(name, ":/") {
			return nil, fmt.Errorf("load: the OCI layout names an image %q, not a full name such as busybox:latest: save it under a name", name)
		}
		ref, err := reference.Parse(name)
		if err != nil {
			return nil, fmt.Errorf("load: the OCI layout names the image %q: %w", name, err)
		}
		md, err := l.platformManifest(d)
		if err != nil {
			return nil, err
		}
		mb, err := l.blob(md)
		if err != nil {
			return nil, err
		}
		var m v1.Manifest
		if err := json.Unmarshal(mb, &m); err != nil {
			return nil, fmt.Errorf("load: manifest %s: %w", md.Digest, err)
		}
		for _, b := range append([]v1.Descriptor{m.Config}, m.Layers...) {
			if err := l.putBlob(b); err != nil {
				return nil, err
			}
		}
		out = append(out, loaded{ref: ref, manifest: mb})
	}
	if len(out) == 0 {
		return nil, errors.New("load: index.json lists no image")
	}
	return out, nil
}

// platformManifest follows an index to this machine's manifest.
func (l *loader) platformManifest(d v1.Descriptor) (v1.Descriptor, error) {
	if d.MediaType != v1.MediaTypeImageIndex && d.MediaType != "application/vnd.docker.distribution.manifest.list.v2+json" {
		return d, nil
	}
	b, err := l.blob(d)
	if err != nil {
		return d, err
	}
	var idx v1.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return d, fmt.Errorf("load: index %s: %w", d.Digest, err)
	}
	for _, m := range idx.Manifests {
		if m.Platform != nil && m.Platform.OS == "linux" && m.Platform.Architecture == runtime.GOARCH {
			return m, nil
		}
	}
	return d, fmt.Errorf("load: index %s has no image for linux/%s", d.Digest, runtime.GOARCH)
}

// blob reads a small blob of the layout, checking its digest.
func (l *loader) blob(d v1.Descriptor) ([]byte, error) {
	b, err := l.read(blobPath(d.Digest))
	if err != nil {
		return nil, fmt.Errorf("load: blob %s: %w", d.Digest, err)
	}
	if got := digest.FromBytes(b); got != d.Digest {
		return nil, fmt.Errorf("load: blob %s has the digest %s: the archive is damaged", d.Digest, got)
	}
	return b, nil
}

// putBlob copies a blob of the layout into the store (which checks its digest and size).
func (l *loader) putBlob(d v1.Descriptor) error {
	if err := d.Digest.Validate(); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if l.store.HasBlob(d.Digest) {
		return nil
	}
	f, err := l.open(blobPath(d.Digest))
	if err != nil {
		return fmt.Errorf("load: the archive lacks blob %s: %w", d.Digest, err)
	}
	defer f.Close()
	if err := l.store.WriteBlob(d.Digest, d.Size, f); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	l.added = append(l.added, d.Digest)
	return nil
}

// putFile stores a file of the archive as a layer blob: hashed first, then written (the store
// checks the digest again while it writes). Its media type follows its first bytes.
func (l *loader) putFile(name string) (v1.Descriptor, error) {
	f, err := l.open(name)
	if err != nil {
		return v1.Descriptor{}, err
	}
	defer f.Close()
	h := sha256.New()
	br := bufio.NewReader(f)
	head, _ := br.Peek(4)
	n, err := io.Copy(h, br)
	if err != nil {
		return v1.Descriptor{}, err
	}
	d := v1.Descriptor{MediaType: v1.MediaTypeImageLayer, Digest: digest.NewDigest(digest.SHA256, h), Size: n}
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		d.MediaType = v1.MediaTypeImageLayerGzip
	case len(head) >= 4 && string(head) == "\x28\xb5\x2f\xfd":
		d.MediaType = v1.MediaTypeImageLayerZstd
	}
	if l.store.HasBlob(d.Digest) {
		return d, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return d, err
	}
	if err := l.store.WriteBlob(d.Digest, d.Size, f); err != nil {
		return d, err
	}
	l.added = append(l.added, d.Digest)
	return d, nil
}

func (l *loader) put(d digest.Digest, b []byte) error {
	if l.store.HasBlob(d) {
		return nil
	}
	if err := l.store.WriteBlob(d, int64(len(b)), strings.NewReader(string(b))); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	l.added = append(l.added, d)
	return nil
}

// open opens name inside the extracted archive; a symbolic link in it resolves inside, never out.
func (l *loader) open(name string) (*os.File, error) {
	p, err := securejoin.SecureJoin(l.dir, name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("the archive has no %s", name)
	}
	return f, err
}

func (l *loader) read(name string) ([]byte, error) {
	f, err := l.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 64<<20))
}

func (l *loader) readJSON(name string, v any) error {
	b, err := l.read(name)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("load: %s: %w", name, err)
	}
	return nil
}

func (l *loader) exists(name string) bool {
	_, err := os.Lstat(filepath.Join(l.dir, name))
	return err == nil
}

// extract unpacks the archive into dir, refusing any member that would land outside it: an
// absolute name, "..", a link (hard or symbolic) that leaves, a device.
func extract(r io.Reader, dir string) error {
	br := bufio.NewReader(r)
	var in io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		defer zr.Close()
		in = zr
	}
	tr := tar.NewReader(in)
	count := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if count == 0 {
				return fmt.Errorf("load: the input is not a tar archive (%v): give a file written by mini save, docker save, podman save or skopeo", err)
			}
			return fmt.Errorf("load: the archive is damaged or cut short: %w", err)
		}
		count++
		name := path.Clean(hdr.Name)
		if path.IsAbs(hdr.Name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("load: the archive's member %q would land outside it: refused", hdr.Name)
		}
		if name == "." {
			continue
		}
		target := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o700); err != nil {
				return fmt.Errorf("load: %w", err)
			}
		case tar.TypeReg:
			f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return fmt.Errorf("load: member %s: %w", hdr.Name, err)
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("load: member %s: %w", hdr.Name, err)
			}
		case tar.TypeSymlink:
			// Old docker-archives link a layer shared by two images; the link is followed only
			// inside the archive (see open), so it may stay as it is.
			if err := os.Symlink(hdr.Linkname, target); err != nil {
				return fmt.Errorf("load: member %s: %w", hdr.Name, err)
			}
		default:
			return fmt.Errorf("load: the archive's member %q is a %s, which no image archive has: refused", hdr.Name, typeName(hdr.Typeflag))
		}
	}
	return nil
}

func typeName(t byte) string {
	switch t {
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device node"
	case tar.TypeFifo:
		return "named pipe"
	}
	return fmt.Sprintf("tar entry of type %q", t)
}

// digestInName is the hex digest a file name carries (blobs/sha256/<hex>, <hex>.json), or "".
func digestInName(name string) string {
	base := strings.TrimSuffix(path.Base(name), ".json")
	if len(base) == 64 && strings.Trim(base, "0123456789abcdef") == "" {
		return base
	}
	return ""
}

// layerID is how the repositories file names a layer: the directory of <id>/layer.tar, or the
// hex of blobs/sha256/<hex> or <hex>.tar.
func layerID(name string) string {
	if path.Base(name) == "layer.tar" {
		return path.Base(path.Dir(name))
	}
	return strings.TrimSuffix(path.Base(name), ".tar")
}
