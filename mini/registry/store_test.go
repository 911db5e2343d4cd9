//mini:chapter 06

package registry

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// options returns client options for a test registry, with the login when it needs one.
func options(r *registrytest.Registry) Options {
	o := Options{Timeout: 20 * time.Second}
	if r.Mode != registrytest.Anonymous {
		o.Credentials = map[string]Credential{r.Host: {Username: registrytest.User, Password: registrytest.Password}}
	}
	return o
}

// dirStore is a BlobStore in a directory that trusts what it is given: it writes what the
// reader yields and keeps it only if the reader ended without error. It checks nothing itself,
// so the client's own verification is what the tests see.
type dirStore struct{ dir string }

func newDirStore(t *testing.T) *dirStore { return &dirStore{dir: t.TempDir()} }

func (s *dirStore) path(d digest.Digest) string { return filepath.Join(s.dir, d.Encoded()) }

func (s *dirStore) HasBlob(d digest.Digest) bool {
	_, err := os.Stat(s.path(d))
	return err == nil
}

func (s *dirStore) WriteBlob(d digest.Digest, size int64, r io.Reader) error {
	f, err := os.CreateTemp(s.dir, ".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), s.path(d))
}

// blobs lists the digests in the store.
func (s *dirStore) blobs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
