//mini:chapter 06

package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image/reference"
)

// Docker's schema2 media types. OCI's are image-spec's own constants (v1.MediaType…); Docker's
// came first and most registries still serve them, so a client must read both.
const (
	MediaTypeDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeDockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerConfig       = "application/vnd.docker.container.image.v1+json"
	MediaTypeDockerLayer        = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	MediaTypeDockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
	mediaTypeDockerSchema1      = "application/vnd.docker.distribution.manifest.v1+prettyjws"
)

// accept is the Accept header of a manifest request: every kind Mini reads. A registry picks the
// best it has; without this header, old registries fall back to Docker's long-dead schema 1.
var accept = strings.Join([]string{
	v1.MediaTypeImageIndex, MediaTypeDockerManifestList, v1.MediaTypeImageManifest, MediaTypeDockerManifest,
}, ", ")

// maxManifest bounds what is read as a manifest: they are a few KiB; the limit keeps a broken
// or hostile registry from filling memory.
const maxManifest = 4 << 20

// LayerMediaTypes are the layer types Mini unpacks.
var LayerMediaTypes = []string{
	v1.MediaTypeImageLayer, v1.MediaTypeImageLayerGzip, v1.MediaTypeImageLayerZstd, MediaTypeDockerLayer,
}

// Manifest is an image manifest as the registry sent it: its exact bytes (their sha256 is its
// digest, so they are kept, never re-encoded) and what they say.
type Manifest struct {
	Digest    digest.Digest
	MediaType string
	Bytes     []byte
	v1.Manifest
}

// rawManifest is a manifest or an index, before we know which.
type rawManifest struct {
	digest    digest.Digest
	mediaType string
	bytes     []byte
}

// fetchManifest asks for the manifest of ref (a tag or a digest) and checks that its bytes are
// the ones named: a digest asked for must be the sha256 of what came, and so must the
// Docker-Content-Digest header the registry sends.
func (c *Client) fetchManifest(ctx context.Context, ep *endpoint, repo, ref string, named reference.Reference) (*rawManifest, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.base+"/v2/"+repo+"/manifests/"+ref, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	if err := c.authorize(ctx, ep, req, pullScope(repo)); err != nil {
		return nil, err
	}
	resp, err := c.send(req, "fetch the manifest of "+repo+":"+ref+" (the Accept header lists the kinds Mini reads)")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp, ep.domain, repo, "manifest "+named.Familiar())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("registry %s: read the manifest of %s: %w", ep.domain, named.Familiar(), err)
	}
	if len(body) > maxManifest {
		return nil, fmt.Errorf("registry %s sent a manifest for %s bigger than %d MiB: refusing it", ep.domain, named.Familiar(), maxManifest>>20)
	}
	got := digest.FromBytes(body)
	if want, err := digest.Parse(ref); err == nil && want != got {
		return nil, fmt.Errorf("registry %s sent a manifest for %s whose digest is %s, not the %s asked for: refusing it", ep.domain, named.Familiar(), got, want)
	}
	if h := resp.Header.Get("Docker-Content-Digest"); h != "" && h != got.String() {
		return nil, fmt.Errorf("registry %s sent a manifest for %s whose digest is %s, not the %s its header names: refusing it", ep.domain, named.Familiar(), got, h)
	}
	return &rawManifest{digest: got, mediaType: manifestType(resp.Header.Get("Content-Type"), body), bytes: body}, nil
}

// manifestType is the manifest's media type: the mediaType field in it, or else the
// Content-Type the registry sent.
func manifestType(contentType string, body []byte) string {
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	if json.Unmarshal(body, &probe) == nil && probe.MediaType != "" {
		return probe.MediaType
	}
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType
	}
	return t
}

// isIndex reports whether a media type is a list of manifests, one per platform.
func isIndex(t string) bool {
	return t == v1.MediaTypeImageIndex || t == MediaTypeDockerManifestList
}

// parseManifest reads an image manifest and refuses what Mini cannot use, naming it.
func parseManifest(m *rawManifest, named reference.Reference) (*Manifest, error) {
	switch m.mediaType {
	case v1.MediaTypeImageManifest, MediaTypeDockerManifest:
	case mediaTypeDockerSchema1, "application/vnd.docker.distribution.manifest.v1+json":
		return nil, fmt.Errorf("%s is in Docker's old schema 1 format, which Mini does not read: push it again with a current tool", named.Familiar())
	default:
		return nil, fmt.Errorf("%s has a manifest of unknown media type %q: Mini reads OCI and Docker schema 2 images", named.Familiar(), m.mediaType)
	}
	out := &Manifest{Digest: m.digest, MediaType: m.mediaType, Bytes: m.bytes}
	if err := json.Unmarshal(m.bytes, &out.Manifest); err != nil {
		return nil, fmt.Errorf("read the manifest of %s: %w", named.Familiar(), err)
	}
	if err := checkDescriptor(out.Config, []string{v1.MediaTypeImageConfig, MediaTypeDockerConfig}, "config"); err != nil {
		return nil, fmt.Errorf("%s: %w", named.Familiar(), err)
	}
	if len(out.Layers) == 0 {
		return nil, fmt.Errorf("%s: the manifest lists no layers", named.Familiar())
	}
	for i, l := range out.Layers {
		if err := checkDescriptor(l, LayerMediaTypes, fmt.Sprintf("layer %d", i+1)); err != nil {
			if l.MediaType == MediaTypeDockerForeignLayer || l.MediaType == v1.MediaTypeImageLayerNonDistributable { //nolint:staticcheck // named to refuse it
				err = fmt.Errorf("layer %d is a foreign layer (kept outside the registry, e.g. a Windows base): Mini pulls only Linux images", i+1)
			}
			return nil, fmt.Errorf("%s: %w", named.Familiar(), err)
		}
	}
	return out, nil
}

// checkDescriptor refuses a descriptor of a media type Mini cannot use, or one that is not a
// valid sha256 with a size.
func checkDescriptor(d v1.Descriptor, types []string, what string) error {
	known := false
	for _, t := range types {
		known = known || d.MediaType == t
	}
	if !known {
		return fmt.Errorf("the %s has media type %q, which Mini does not read (it reads %s)", what, d.MediaType, strings.Join(types, ", "))
	}
	if err := d.Digest.Validate(); err != nil || d.Digest.Algorithm() != digest.SHA256 {
		return fmt.Errorf("the %s has a bad digest %q", what, d.Digest)
	}
	if d.Size < 0 {
		return fmt.Errorf("the %s has a negative size", what)
	}
	return nil
}

// choosePlatform picks, from an index, the manifest for the client's platform
// (linux/amd64 on a PC), or says which platforms there are.
func (c *Client) choosePlatform(m *rawManifest, named reference.Reference) (v1.Descriptor, error) {
	var idx v1.Index
	if err := json.Unmarshal(m.bytes, &idx); err != nil {
		return v1.Descriptor{}, fmt.Errorf("read the index of %s: %w", named.Familiar(), err)
	}
	want := c.opts.Platform
	var have []string
	for _, d := range idx.Manifests {
		p := d.Platform
		if p == nil {
			continue
		}
		if p.OS == want.OS && p.Architecture == want.Architecture && (want.Variant == "" || p.Variant == want.Variant) {
			return d, nil
		}
		if p.OS != "unknown" { // attestations, not images
			have = append(have, platformString(*p))
		}
	}
	return v1.Descriptor{}, fmt.Errorf("%s has no image for %s: it has %s", named.Familiar(), platformString(want), orNone(strings.Join(have, ", ")))
}

func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// pullScope is the token scope that lets us read repo.
func pullScope(repo string) string { return "repository:" + repo + ":pull" }
