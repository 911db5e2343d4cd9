//mini:chapter 06

package image

import (
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Docker's schema 2 media types, which registries still serve beside the OCI ones (image-spec,
// media-types.md, "Compatibility Matrix"). The documents are the same shape.
const (
	DockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	DockerConfig       = "application/vnd.docker.container.image.v1+json"
	DockerLayer        = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	DockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
)

// layerTypes are the layer media types Mini unpacks. How a layer is compressed is sniffed from
// its bytes (package layer); the type only has to be one of these.
var layerTypes = map[string]bool{
	v1.MediaTypeImageLayer:     true,
	v1.MediaTypeImageLayerGzip: true,
	v1.MediaTypeImageLayerZstd: true,
	DockerLayer:                true,
	DockerForeignLayer:         true,
	// Deprecated by OCI 1.1, still found in registries.
	v1.MediaTypeImageLayerNonDistributable:     true,
	v1.MediaTypeImageLayerNonDistributableGzip: true,
	v1.MediaTypeImageLayerNonDistributableZstd: true,
}

// parseManifest reads an image manifest (OCI or Docker schema 2) and checks that Mini can use it.
func parseManifest(b []byte) (v1.Manifest, error) {
	var m v1.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read the manifest: %w", err)
	}
	switch m.MediaType {
	case v1.MediaTypeImageManifest, DockerManifest, "":
		// "" is allowed by OCI (the type then comes from the HTTP Content-Type).
	case v1.MediaTypeImageIndex, DockerManifestList:
		return m, fmt.Errorf("the manifest is an index of platforms (%s): resolve it to this platform's manifest first", m.MediaType)
	default:
		return m, fmt.Errorf("unknown manifest media type %q", m.MediaType)
	}
	if m.SchemaVersion != 2 {
		return m, fmt.Errorf("manifest schema version %d: Mini reads version 2 (OCI, Docker schema 2)", m.SchemaVersion)
	}
	if m.Config.MediaType != v1.MediaTypeImageConfig && m.Config.MediaType != DockerConfig {
		return m, fmt.Errorf("unknown config media type %q", m.Config.MediaType)
	}
	if err := m.Config.Digest.Validate(); err != nil {
		return m, fmt.Errorf("the manifest's config: %w", err)
	}
	for _, l := range m.Layers {
		if !layerTypes[l.MediaType] {
			return m, fmt.Errorf("layer %s has the unknown media type %q", short(l.Digest), l.MediaType)
		}
		if err := l.Digest.Validate(); err != nil {
			return m, fmt.Errorf("a layer of the manifest: %w", err)
		}
	}
	return m, nil
}

// parseConfig reads an image config and checks that it names one diffID per layer.
func parseConfig(b []byte, m v1.Manifest) (v1.Image, error) {
	var c v1.Image
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("read the image config: %w", err)
	}
	if len(c.RootFS.DiffIDs) != len(m.Layers) {
		return c, fmt.Errorf("the image config lists %d layers (rootfs.diff_ids), the manifest %d", len(c.RootFS.DiffIDs), len(m.Layers))
	}
	for _, d := range c.RootFS.DiffIDs {
		if err := d.Validate(); err != nil || d.Algorithm() != digest.SHA256 {
			return c, fmt.Errorf("the image config's diff_id %q is not a sha256 digest", d)
		}
	}
	return c, nil
}

// diffIDsOf reads the layers' diff_ids from the config blob of an image in the store, with no
// manifest at hand (a layer unpacked early, a leased image kept by a collection).
func (s *Store) diffIDsOf(config digest.Digest) ([]digest.Digest, error) {
	data, err := s.readBlob(config)
	if err != nil {
		return nil, err
	}
	var img v1.Image
	if err := json.Unmarshal(data, &img); err != nil {
		return nil, fmt.Errorf("read the image config %s: %w", config, err)
	}
	return img.RootFS.DiffIDs, nil
}
