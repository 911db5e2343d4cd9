//mini:chapter 06

package layer

import (
	"bufio"
	"io"
)

// Uncompressed returns the uncompressed tar stream of a layer archive, whatever its compression
// (gzip, zstd or none, by its magic bytes). Close releases the decompressor.
func Uncompressed(r io.Reader) (io.ReadCloser, error) {
	tr, release, err := decompress(bufio.NewReader(r))
	if err != nil {
		return nil, err
	}
	return readCloser{tr, release}, nil
}

type readCloser struct {
	io.Reader
	release func()
}

func (r readCloser) Close() error {
	if r.release != nil {
		r.release()
	}
	return nil
}
