//mini:chapter 06

package layer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	// klauspost/compress's gzip reader is the standard library's API, about twice as fast: a
	// pull's unpacking spends its CPU here, beside the kernel's inode creation.
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// The magic bytes that start a compressed stream. A layer's media type says how it is
// compressed too, but the bytes cannot lie: sniffing them also handles registries and tools that
// label a layer loosely.
var (
	gzipMagic  = []byte{0x1f, 0x8b}
	zstdMagic  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	bzip2Magic = []byte("BZh")
	xzMagic    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

// decompress returns the uncompressed tar stream of a layer, and a function that releases the
// decompressor.
func decompress(r *bufio.Reader) (io.Reader, func(), error) {
	head, err := r.Peek(6)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, nil, fmt.Errorf("read the layer: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("read the gzip layer: %w", err)
		}
		return z, func() { z.Close() }, nil
	case bytes.HasPrefix(head, zstdMagic):
		z, err := zstd.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("read the zstd layer: %w", err)
		}
		return z, z.Close, nil
	case bytes.HasPrefix(head, bzip2Magic), bytes.HasPrefix(head, xzMagic):
		return nil, nil, fmt.Errorf("the layer is bzip2- or xz-compressed, which OCI images do not use: only gzip, zstd and plain tar are supported")
	}
	return r, func() {}, nil
}
