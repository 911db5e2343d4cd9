//mini:chapter 06

package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image/reference"
)

// Result is what a pull brought: enough for the caller to store the manifest, and to record the
// image under its name.
type Result struct {
	// Reference is what was asked for, with Docker's defaults filled in.
	Reference reference.Reference
	// Digest is what the reference names on the registry: for a multi-platform image, the
	// index's digest (Docker's "RepoDigest"); otherwise the manifest's.
	Digest digest.Digest
	// Manifest is this platform's image manifest, with its exact bytes.
	Manifest *Manifest
	// Config is the image config's descriptor; the config itself is in the store. Its digest
	// is the image's ID.
	Config v1.Descriptor
	// Fetched and Existing count the layers downloaded and the layers the store already had.
	Fetched, Existing int
}

// Pull fetches the image ref names into store: the manifest (through an index to this
// platform's), the config, and each layer the store lacks, a few at a time. For docker.io the
// mirrors are tried first; the first one that has the manifest serves the blobs too.
func (c *Client) Pull(ctx context.Context, ref reference.Reference, store BlobStore, progress Progress) (*Result, error) {
	if progress == nil {
		progress = quiet{}
	}
	var errs []error
	for _, base := range c.bases(ref.Domain) {
		ep, top, err := c.resolve(ctx, ref, base)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return c.pullFrom(ctx, ep, ref, top, store, progress)
	}
	// The registry's own error says the most; a mirror's comes before it.
	return nil, errs[len(errs)-1]
}

// resolve pings the registry at base and fetches what ref names there.
func (c *Client) resolve(ctx context.Context, ref reference.Reference, base string) (*endpoint, *rawManifest, error) {
	ep, err := c.endpoint(ctx, ref.Domain, base)
	if err != nil {
		return nil, nil, err
	}
	top, err := c.fetchManifest(ctx, ep, ref.Path, ref.Object(), ref)
	return ep, top, err
}

// pullFrom finishes a pull from one endpoint, given the manifest or index ref named there.
func (c *Client) pullFrom(ctx context.Context, ep *endpoint, ref reference.Reference, top *rawManifest, store BlobStore, progress Progress) (*Result, error) {
	res := &Result{Reference: ref, Digest: top.digest}
	raw := top
	if isIndex(top.mediaType) {
		d, err := c.choosePlatform(top, ref)
		if err != nil {
			return nil, err
		}
		if raw, err = c.fetchManifest(ctx, ep, ref.Path, d.Digest.String(), ref); err != nil {
			return nil, err
		}
	}
	m, err := parseManifest(raw, ref)
	if err != nil {
		return nil, err
	}
	res.Manifest, res.Config = m, m.Config
	if !store.HasBlob(m.Config.Digest) {
		if err := c.fetchBlob(ctx, ep, ref.Path, m.Config, store, nil); err != nil {
			return nil, fmt.Errorf("the config of %s: %w", ref.Familiar(), err)
		}
	}
	res.Fetched, res.Existing, err = c.fetchLayers(ctx, ep, ref, m.Config, m.Layers, store, progress)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// fetchLayers fetches the layers the store lacks, at most Parallel at once. The first failure
// cancels the rest; every failure is reported.
func (c *Client) fetchLayers(ctx context.Context, ep *endpoint, ref reference.Reference, config v1.Descriptor, layers []v1.Descriptor, store BlobStore, progress Progress) (fetched, existing int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, c.opts.Parallel)
		seen = map[digest.Digest]bool{}
	)
	// A store that can start on a layer once its blob is in is told of each (image.Store
	// unpacks it while the others download).
	layerIn := func(l v1.Descriptor, i int) {}
	if s, ok := store.(LayerStarter); ok {
		layerIn = func(l v1.Descriptor, i int) { s.LayerIn(config, l, i) }
	}
	for i, l := range layers {
		// A layer listed twice (an empty layer, often) is fetched once.
		if seen[l.Digest] {
			continue
		}
		seen[l.Digest] = true
		if store.HasBlob(l.Digest) {
			existing++
			progress.Exists(l)
			layerIn(l, i)
			continue
		}
		fetched++
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			bp := progress.Start(l)
			err := c.fetchBlob(ctx, ep, ref.Path, l, store, bp)
			bp.Done(err)
			if err == nil {
				layerIn(l, i)
			}
			if err != nil {
				mu.Lock()
				// The first error is the cause; the others are the cancellation it caused.
				if len(errs) == 0 || !errors.Is(err, context.Canceled) {
					errs = append(errs, fmt.Errorf("layer %s: %w", short(l.Digest), err))
				}
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return fetched, existing, fmt.Errorf("pull %s: %w", ref.Familiar(), errors.Join(errs...))
	}
	if err := ctx.Err(); err != nil {
		return fetched, existing, fmt.Errorf("pull %s: %w", ref.Familiar(), err)
	}
	return fetched, existing, nil
}
