//mini:chapter 07

package image

import (
	"errors"
	"testing"

	"github.com/opencontainers/go-digest"
)

// Remove asks InUse only when the image itself would go (its last name), under the store's
// exclusive lock; an error keeps the image and every name as they were.
func TestRemoveAsksInUse(t *testing.T) {
	needRoot(t)
	s := openStore(t)
	img := importAs(t, s, testRootfs(t), "used:1", "true")
	if _, err := s.Tag("used:1", "used:2"); err != nil {
		t.Fatal(err)
	}
	var asked []digest.Digest
	inUse := func(id digest.Digest) error {
		asked = append(asked, id)
		return errors.New("container c uses it")
	}
	if _, err := s.Remove("used:2", RemoveOptions{InUse: inUse}); err != nil || len(asked) != 0 {
		t.Errorf("untag of one of two names: %v, InUse asked %d times; want done without asking", err, len(asked))
	}
	if _, err := s.Remove("used:1", RemoveOptions{InUse: inUse}); err == nil || len(asked) != 1 || asked[0] != img.ID {
		t.Errorf("removing the last name of an image in use: %v, asked %v; want refused after asking for %s", err, asked, img.ID)
	}
	if got, err := s.Resolve("used:1"); err != nil || got.ID != img.ID {
		t.Errorf("after the refusal: Resolve(used:1) = %v, %v; want the image, still named", got, err)
	}
	r, err := s.Remove("used:1", RemoveOptions{InUse: func(digest.Digest) error { return nil }})
	if err != nil || len(r.Deleted) != 1 {
		t.Errorf("removing it once nothing uses it: %+v, %v", r, err)
	}
}
