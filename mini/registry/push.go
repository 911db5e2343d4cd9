//mini:chapter 06

package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image/reference"
)

// BlobSource is where pushed blobs come from. image.Store implements it.
type BlobSource interface {
	OpenBlob(d digest.Digest) (io.ReadCloser, error)
}

// PushProgress hears what a push does with each blob.
type PushProgress interface {
	Exists(d v1.Descriptor)  // the registry has it already: not sent
	Mounted(d v1.Descriptor) // the registry copied it from another of its repositories
	Pushed(d v1.Descriptor)  // sent
}

// Push sends an image to ref's registry: every blob the registry lacks (config and layers), then
// the manifest under ref's tag. It returns the manifest's digest, which the registry confirms.
//
// The order is the protocol's: a registry refuses a manifest that names a blob it does not have
// (MANIFEST_BLOB_UNKNOWN), so the blobs go first. A blob it has is skipped (HEAD answers 200:
// registries are content-addressed too); a blob it has in another repository (mountFrom: where
// the image was pulled from) is "mounted", copied inside the registry, without sending a byte.
func (c *Client) Push(ctx context.Context, ref reference.Reference, manifest []byte, mediaType string, blobs []v1.Descriptor, src BlobSource, mountFrom string, progress PushProgress) (digest.Digest, error) {
	if ref.Tag == "" {
		return "", fmt.Errorf("push %s: name a tag to push to (NAME:TAG)", ref.Familiar())
	}
	ep, err := c.endpoint(ctx, ref.Domain, "")
	if err != nil {
		return "", err
	}
	scope := "repository:" + ref.Path + ":pull,push"
	for _, b := range blobs {
		if err := c.pushBlob(ctx, ep, ref.Path, scope, b, src, mountFrom, progress); err != nil {
			return "", err
		}
	}
	md := digest.FromBytes(manifest)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, ep.base+"/v2/"+ref.Path+"/manifests/"+ref.Tag, bytes.NewReader(manifest))
	if err != nil {
		return "", err
	}
	req.ContentLength = int64(len(manifest))
	req.Header.Set("Content-Type", mediaType)
	if err := c.authorize(ctx, ep, req, scope); err != nil {
		return "", err
	}
	resp, err := c.send(req, "put the manifest under the tag "+ref.Tag+" (last: it names blobs the registry now has)", "-X", "PUT", "--data-binary", "@manifest.json")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", statusError(resp, ep.domain, ref.Path, "the manifest of "+ref.Familiar())
	}
	if h := resp.Header.Get("Docker-Content-Digest"); h != "" && h != md.String() {
		return "", fmt.Errorf("registry %s stored the manifest of %s as %s, not %s: it changed it", ep.domain, ref.Familiar(), h, md)
	}
	return md, nil
}

// pushBlob sends one blob unless the registry has it: HEAD, else a cross-repository mount,
// else POST an upload and PUT the bytes to where it says, with the digest (monolithic upload).
func (c *Client) pushBlob(ctx context.Context, ep *endpoint, repo, scope string, d v1.Descriptor, src BlobSource, mountFrom string, progress PushProgress) error {
	blobURL := ep.base + "/v2/" + repo + "/blobs/" + d.Digest.String()
	head, err := http.NewRequestWithContext(ctx, http.MethodHead, blobURL, nil)
	if err != nil {
		return err
	}
	if err := c.authorize(ctx, ep, head, scope); err != nil {
		return err
	}
	resp, err := c.send(head, "does the registry have blob "+short(d.Digest)+" already? (200: yes, skip it)", "-I")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		progress.Exists(d)
		return nil
	}

	q := url.Values{}
	if mountFrom != "" && mountFrom != repo {
		q.Set("mount", d.Digest.String())
		q.Set("from", mountFrom)
	}
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.base+"/v2/"+repo+"/blobs/uploads/?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	// (A registry that may not mount — say the token does not cover the other repository —
	// answers 202 and starts an ordinary upload instead: nothing to handle.)
	if err := c.authorize(ctx, ep, post, scope); err != nil {
		return err
	}
	resp, err = c.send(post, "start an upload of blob "+short(d.Digest)+" (201 with ?mount=: the registry copied it from "+orNone(mountFrom)+")", "-X", "POST", "-i")
	if err != nil {
		return err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusCreated:
		progress.Mounted(d)
		return nil
	case http.StatusAccepted:
	default:
		return statusError(resp, ep.domain, repo, "an upload of blob "+short(d.Digest))
	}
	loc, err := resp.Location()
	if err != nil {
		return fmt.Errorf("registry %s started an upload but gave no Location: %w", ep.domain, err)
	}
	lq := loc.Query()
	lq.Set("digest", d.Digest.String())
	loc.RawQuery = lq.Encode()

	body, err := src.OpenBlob(d.Digest)
	if err != nil {
		return err
	}
	defer body.Close()
	put, err := http.NewRequestWithContext(ctx, http.MethodPut, loc.String(), body)
	if err != nil {
		return err
	}
	put.ContentLength = d.Size
	put.Header.Set("Content-Type", "application/octet-stream")
	if err := c.authorize(ctx, ep, put, scope); err != nil {
		return err
	}
	resp, err = c.send(put, "send blob "+short(d.Digest)+" in one request; the registry checks it against ?digest=", "-X", "PUT", "--data-binary", "@blob")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return statusError(resp, ep.domain, repo, "the upload of blob "+short(d.Digest))
	}
	progress.Pushed(d)
	return nil
}
