//mini:chapter 06

package registry

import (
	"context"
	"fmt"
	"hash"
	"io"
	"net/http"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// BlobStore is where pulled blobs go. image.Store implements it.
type BlobStore interface {
	// HasBlob reports whether the store already holds the blob named d.
	HasBlob(d digest.Digest) bool
	// WriteBlob stores exactly size bytes whose sha256 is d, reading r; it verifies while it
	// streams and makes the blob visible under d only when both match.
	WriteBlob(d digest.Digest, size int64, r io.Reader) error
}

// A LayerStarter is a BlobStore that can start on a layer as soon as its blob is in (fetched
// now, or there already) while the others download: image.Store unpacks it. config is the
// image's config blob (in the store by then), index the layer's place in the manifest.
type LayerStarter interface {
	LayerIn(config, layer v1.Descriptor, index int)
}

// fetchBlob copies one blob from the registry into the store, unless the store has it. What the
// registry sends is verified while it streams: the store only ever sees bytes that are checked
// by the time they end.
func (c *Client) fetchBlob(ctx context.Context, ep *endpoint, repo string, d v1.Descriptor, store BlobStore, progress BlobProgress) error {
	var resp *http.Response
	// A token lives minutes (Docker Hub's: 5); a long pull outlives it. A 401 for a blob asks
	// for a fresh token once, then gives up.
	for try := 0; try < 2; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.base+"/v2/"+repo+"/blobs/"+d.Digest.String(), nil)
		if err != nil {
			return err
		}
		if err := c.authorize(ctx, ep, req, pullScope(repo)); err != nil {
			return err
		}
		resp, err = c.send(req, fmt.Sprintf("fetch blob %s (%d bytes); its sha256 must be its name (check: sha256sum %s)", short(d.Digest), d.Size, short(d.Digest)), "-L", "-o", short(d.Digest))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusUnauthorized || !ep.forgetToken(pullScope(repo), req) {
			break
		}
		resp.Body.Close()
	}
	if resp.StatusCode != http.StatusOK {
		return statusError(resp, ep.domain, repo, "blob "+d.Digest.String()+" in "+repo)
	}
	defer resp.Body.Close()
	// A length that is already wrong needs no download to be refused.
	if resp.ContentLength >= 0 && resp.ContentLength != d.Size {
		return fmt.Errorf("registry %s: blob %s of %s is %d bytes, but the manifest says %d: refusing it", ep.domain, short(d.Digest), repo, resp.ContentLength, d.Size)
	}
	var r io.Reader = newVerifyingReader(resp.Body, d)
	if progress != nil {
		r = io.TeeReader(r, progress)
	}
	if err := store.WriteBlob(d.Digest, d.Size, r); err != nil {
		return fmt.Errorf("registry %s: blob %s of %s: %w", ep.domain, short(d.Digest), repo, err)
	}
	return nil
}

// verifyingReader passes a blob through and checks it against its descriptor: never more than
// Size bytes, and once Size bytes have passed, their sha256 must be Digest. It reports a
// mismatch as an error from Read, so whoever copies the blob stops and throws the copy away.
type verifyingReader struct {
	r      io.Reader
	want   v1.Descriptor
	hash   hash.Hash // the digest of what has passed so far
	n      int64     // how many bytes have passed
	failed error     // once a check failed, every later Read fails the same way
}

func newVerifyingReader(r io.Reader, want v1.Descriptor) *verifyingReader {
	return &verifyingReader{r: r, want: want, hash: want.Digest.Algorithm().Hash()}
}

// Read reads from the blob, counts and hashes what passes, and checks the size and the digest:
// too many bytes is an error at once; at Size bytes the digest must match; an end before Size
// bytes is a truncated blob.
func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.failed != nil {
		return 0, v.failed
	}
	//mini:solution 06.2 Verify a blob while it streams: count and hash each chunk; refuse more than Size bytes, a wrong digest at Size bytes, an early end.
	n, err := v.r.Read(p)
	if v.n+int64(n) > v.want.Size {
		v.failed = fmt.Errorf("the registry sent more than the %d bytes of blob %s: refusing it", v.want.Size, short(v.want.Digest))
		return 0, v.failed
	}
	v.hash.Write(p[:n])
	v.n += int64(n)
	if v.n == v.want.Size {
		if got := digest.NewDigest(v.want.Digest.Algorithm(), v.hash); got != v.want.Digest {
			v.failed = fmt.Errorf("the registry sent a blob whose digest is %s, not %s: refusing it", got, v.want.Digest)
			return 0, v.failed
		}
	}
	if err == io.EOF && v.n < v.want.Size {
		v.failed = fmt.Errorf("blob %s is truncated: the registry sent %d of its %d bytes", short(v.want.Digest), v.n, v.want.Size)
		return n, v.failed
	}
	return n, err
	//mini:stub return 0, todo.Step("06.2")
	//mini:end
}

// short is the 12 hex digits Docker shows for a digest.
func short(d digest.Digest) string {
	e := d.Encoded()
	if len(e) > 12 {
		e = e[:12]
	}
	return e
}
