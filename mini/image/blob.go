//mini:chapter 06

package image

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"

	"github.com/minikit/kit/mini/state"
)

// HasBlob reports whether the store holds the blob named d. A blob is only ever there whole and
// checked, so "there" is enough.
func (s *Store) HasBlob(d digest.Digest) bool {
	if d.Validate() != nil || d.Algorithm() != digest.SHA256 {
		return false
	}
	_, err := os.Stat(s.blobPath(d))
	return err == nil
}

// WriteBlob stores exactly size bytes read from r whose sha256 is d. The bytes go to a temporary
// file and are hashed as they stream; only when the count and the digest both match is the file
// renamed to its digest. A registry (or a proxy, or a flipped bit) that sends something else
// leaves nothing behind, and a Mini killed halfway leaves only the temporary name.
func (s *Store) WriteBlob(d digest.Digest, size int64, r io.Reader) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("blob %q: %w", d, err)
	}
	if d.Algorithm() != digest.SHA256 {
		return fmt.Errorf("blob %s: Mini stores sha256 blobs only", d)
	}
	if s.HasBlob(d) {
		return nil
	}
	_, _, err := s.putBlob(r, d.Encoded(), func(got digest.Digest, n int64) error {
		if n != size {
			return fmt.Errorf("blob %s: %d bytes arrived, the manifest says %d", short(d), n, size)
		}
		if got != d {
			return fmt.Errorf("blob %s: the content's sha256 is %s: refused (corrupted or tampered with on the way)", short(d), got)
		}
		return nil
	}, size+1) // one byte more than size: a longer stream is caught, not cut
	return err
}

// putBlob streams r (at most limit bytes, or all of it if limit < 0) into a temporary file,
// hashing it, asks check whether the digest and size are right, and renames the file to its
// digest. hint goes into the temporary name, for whoever finds one.
func (s *Store) putBlob(r io.Reader, hint string, check func(digest.Digest, int64) error, limit int64) (digest.Digest, int64, error) {
	if len(hint) > 16 {
		hint = hint[:16]
	}
	f, err := os.CreateTemp(s.blobDir(), tmpPrefix+hint+"-")
	if err != nil {
		return "", 0, fmt.Errorf("store a blob: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) (digest.Digest, int64, error) {
		f.Close()
		os.Remove(tmp)
		return "", 0, err
	}
	if limit >= 0 {
		r = io.LimitReader(r, limit)
	}
	h := digest.SHA256.Digester()
	n, err := io.Copy(io.MultiWriter(f, h.Hash()), r)
	if err != nil {
		return fail(fmt.Errorf("store a blob: %w", err))
	}
	got := h.Digest()
	if check != nil {
		if err := check(got, n); err != nil {
			return fail(err)
		}
	}
	// fsync before the rename: after a power cut the name must not point at data that never
	// reached the disk.
	if err := f.Chmod(0o444); err != nil {
		return fail(fmt.Errorf("store blob %s: %w", short(got), err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("store blob %s: %w", short(got), err))
	}
	if err := f.Close(); err != nil {
		return fail(fmt.Errorf("store blob %s: %w", short(got), err))
	}
	if err := os.Rename(tmp, s.blobPath(got)); err != nil {
		os.Remove(tmp)
		return "", 0, fmt.Errorf("store blob %s: %w", short(got), err)
	}
	return got, n, state.SyncDir(s.blobDir())
}

// readBlob returns a (small) blob's content: a manifest or a config.
func (s *Store) readBlob(d digest.Digest) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("blob %q: %w", d, err)
	}
	b, err := os.ReadFile(s.blobPath(d))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("blob %s is not in the store: %w", short(d), err)
	}
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", short(d), err)
	}
	return b, nil
}

// short is the first 12 hex digits of a digest, as Docker shows IDs.
func short(d digest.Digest) string {
	e := d.Encoded()
	if len(e) > 12 {
		e = e[:12]
	}
	return e
}
