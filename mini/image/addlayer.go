//mini:chapter 07

package image

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image/reference"
)

// LayerOptions describe the image AddLayer makes.
type LayerOptions struct {
	// Ref is the name to give the new image.
	Ref reference.Reference
	// Config is the new image's run defaults (Cmd, Env, ...): usually the base's, changed.
	Config v1.ImageConfig
	// Author goes into the config and the history entry.
	Author string
	// History describes the new layer (`mini history` shows it). Its Created is set to now.
	History v1.History
}

// AddLayer makes a new image of base's layers with one more on top, read from layer (an
// uncompressed OCI layer tar: whiteouts as .wh.NAME), and names it o.Ref. With a nil base the
// layer is the whole image (a container of a plain --rootfs directory has no image below it).
//
// The layer is stored as it comes, uncompressed, so its blob digest is its diffID too; then the
// new config (base's diff_ids and history, one more of each) and the manifest (base's layer
// blobs, one more) are written as blobs, and Add unpacks the layer and records the name, exactly
// as for a pulled image. A failure before the name is recorded forgets the blobs it added.
func (s *Store) AddLayer(base *Image, layer io.Reader, o LayerOptions) (*Image, error) {
	layerDigest, layerSize, err := s.putBlob(layer, "layer", nil, -1)
	if err != nil {
		return nil, fmt.Errorf("store the new layer: %w", err)
	}
	added := []digest.Digest{layerDigest}
	fail := func(err error) (*Image, error) {
		if ferr := s.ForgetBlobs(added); ferr != nil {
			err = fmt.Errorf("%w (and removing its blobs: %v)", err, ferr)
		}
		return nil, err
	}
	now := time.Now().UTC()
	cfg := v1.Image{Platform: v1.Platform{Architecture: runtime.GOARCH, OS: "linux"}, RootFS: v1.RootFS{Type: "layers"}}
	var layers []v1.Descriptor
	if base != nil {
		if len(base.Layers) != len(base.Config.RootFS.DiffIDs) {
			return fail(fmt.Errorf("the image %s has %d layers and %d diff_ids: mini image verify says more", short(base.ID), len(base.Layers), len(base.Config.RootFS.DiffIDs)))
		}
		cfg.Platform = base.Config.Platform
		cfg.RootFS.DiffIDs = slices.Clone(base.Config.RootFS.DiffIDs)
		cfg.History = slices.Clone(base.Config.History)
		for _, l := range base.Layers {
			layers = append(layers, l.Blob)
		}
	}
	cfg.Created, cfg.Author, cfg.Config = &now, o.Author, o.Config
	cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, layerDigest)
	h := o.History
	h.Created, h.Author = &now, o.Author
	cfg.History = append(cfg.History, h)
	layers = append(layers, v1.Descriptor{MediaType: v1.MediaTypeImageLayer, Digest: layerDigest, Size: layerSize})

	cb, err := json.Marshal(cfg)
	if err != nil {
		return fail(err)
	}
	configDigest, _, err := s.putBlob(bytes.NewReader(cb), "config", nil, -1)
	if err != nil {
		return fail(err)
	}
	added = append(added, configDigest)
	mb, err := json.Marshal(v1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: v1.MediaTypeImageManifest,
		Config:    v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: configDigest, Size: int64(len(cb))},
		Layers:    layers,
	})
	if err != nil {
		return fail(err)
	}
	added = append(added, digest.FromBytes(mb))
	img, err := s.Add(NewImage{Ref: o.Ref, Manifest: mb})
	if err != nil {
		return fail(err) // ForgetBlobs keeps any blob an image names, should the name be recorded
	}
	return img, nil
}
