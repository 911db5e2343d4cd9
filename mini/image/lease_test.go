//mini:chapter 06

package image

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// A lease keeps its image: rmi refuses (even forced), and an image that lost its name while
// leased keeps its files through a prune. A released lease, or the lease of a run that died,
// keeps nothing.
func TestLeaseKeepsTheImage(t *testing.T) {
	needRoot(t)
	s := openStore(t)
	rootfs := testRootfs(t)
	img := importAs(t, s, rootfs, "leased:1", "true")
	lease, err := s.Lease(img.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		_, err := s.Remove("leased:1", RemoveOptions{Force: force})
		if err == nil || !strings.Contains(err.Error(), "running container") || !strings.Contains(err.Error(), "PID "+strconv.Itoa(os.Getpid())) {
			t.Errorf("rmi (force %t) of a leased image: %v; want refused, naming the run's PID", force, err)
		}
	}
	if got, err := s.Resolve("leased:1"); err != nil || got.ID != img.ID {
		t.Fatalf("after the refusals: Resolve = %v, %v; want the image, still named", got, err)
	}

	// The name moves to another image (as a pull of a newer image does); the leased one has
	// no name left, and a prune must still keep what the running container needs.
	other := importAs(t, s, rootfs, "leased:1", "false")
	if other.ID == img.ID {
		t.Fatal("the two imports have the same ID: the test needs two images")
	}
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(img.Lowers(), s.blobPath(img.ID)) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("prune removed %s of a leased image: %v", p, err)
		}
	}
	if err := lease.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.blobPath(img.ID)); !os.IsNotExist(err) {
		t.Errorf("after the release, a prune kept the unnamed image's config: %v", err)
	}

	// A run killed while it held a lease: the file stays, its lock went with the process.
	dead, err := s.Lease(other.ID)
	if err != nil {
		t.Fatal(err)
	}
	dead.f.Close()
	if _, err := s.Remove("leased:1", RemoveOptions{}); err != nil {
		t.Errorf("rmi with only a dead run's lease: %v; want removed", err)
	}
	if entries, _ := os.ReadDir(s.leaseDir()); len(entries) != 0 {
		t.Errorf("the dead run's lease file is still there: %v", entries)
	}
}
