//mini:chapter 06

// Package layer applies an image layer to a directory.
//
// A layer is a tar archive of the changes one build step made: files added or changed, and
// "whiteouts" for files deleted. Mini unpacks each layer once into a directory of its own and
// overlayfs stacks those directories as a container's read-only lowers (chapter 04). The archive
// comes from a registry, that is from a stranger, so every entry is checked before it touches the
// disk: a layer is data, and it must not be able to write one byte outside its own directory.
package layer

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// ErrRefused is wrapped by every error about an entry that Mini will not apply because of what
// it would do (escape the layer, create a device). The message names the entry.
var ErrRefused = errors.New("refused")

// ErrEscape is wrapped (beside ErrRefused) when an entry would resolve outside the layer's root.
var ErrEscape = errors.New("resolves outside the layer")

// Apply unpacks the layer read from r into dir, which must exist and should be empty. r may be
// gzip- or zstd-compressed or a plain tar; the magic bytes say which. Apply returns the layer's
// diffID: the sha256 of the uncompressed tar, which an image's config lists to name its layers.
//
// On an error dir holds part of the layer: the caller unpacks into a temporary directory and
// removes it (package image does), so a half-applied layer is never used.
func Apply(dir string, r io.Reader) (digest.Digest, error) {
	plain, closeFn, err := decompress(bufio.NewReader(r))
	if err != nil {
		return "", err
	}
	defer closeFn()
	// The diffID is computed over every byte of the uncompressed stream, also the padding after
	// the end of the archive, so hash the stream, not the entries.
	h := digest.SHA256.Digester()
	stream := io.TeeReader(plain, h.Hash())

	root, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return "", fmt.Errorf("open the layer directory: %w", err)
	}
	defer root.Close()
	a := &applier{root: root}
	tr := tar.NewReader(stream)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read the layer: %w (is the blob truncated?)", err)
		}
		if err := a.apply(hdr, tr); err != nil {
			return "", fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
	}
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return "", fmt.Errorf("read the layer: %w", err)
	}
	if err := a.finish(); err != nil {
		return "", err
	}
	return h.Digest(), nil
}

// applier holds what Apply needs between entries.
type applier struct {
	root *os.File // the layer's root directory; every entry is resolved below it
	dirs []dirTime
}

// dirTime is a directory whose mtime is set at the end: creating its entries would change it.
type dirTime struct {
	rel   string
	mtime time.Time
}

// finish sets the directories' mtimes, deepest first.
func (a *applier) finish() error {
	for i := len(a.dirs) - 1; i >= 0; i-- {
		d := a.dirs[i]
		f, err := openBeneath(a.root, d.rel)
		if errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ENOENT) {
			continue // a later entry replaced the directory
		}
		if err != nil {
			return fmt.Errorf("layer entry %q: %w", d.rel, err)
		}
		err = setTimes(f, ".", d.mtime, 0)
		f.Close()
		if err != nil {
			return fmt.Errorf("layer entry %q: %w", d.rel, err)
		}
	}
	return nil
}
