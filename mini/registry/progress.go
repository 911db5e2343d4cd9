//mini:chapter 06

package registry

import (
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Progress hears how a pull's layers go. The library only reports; the command decides what a
// terminal or a pipe sees (bars, or one line per layer). Calls for different layers come from
// different goroutines at once.
type Progress interface {
	// Exists: the store already holds this layer; it is not fetched.
	Exists(layer v1.Descriptor)
	// Start: this layer begins to download. The BlobProgress hears its bytes.
	Start(layer v1.Descriptor) BlobProgress
}

// BlobProgress hears one layer's download.
type BlobProgress interface {
	// Write is given each chunk as it arrives (only its length matters). It must not fail.
	Write(p []byte) (int, error)
	// Done: the layer is in the store (err nil), or its download failed.
	Done(err error)
}

// quiet is the Progress of a pull nobody watches.
type quiet struct{}

func (quiet) Exists(v1.Descriptor) {}

func (quiet) Start(v1.Descriptor) BlobProgress { return quietBlob{} }

type quietBlob struct{}

func (quietBlob) Write(p []byte) (int, error) { return len(p), nil }
func (quietBlob) Done(error)                  {}
