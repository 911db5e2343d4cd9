//mini:chapter 06

package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image/reference"
	"github.com/minikit/kit/mini/state"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: unpacking a layer gives files the tar's owners (root), which takes CAP_CHOWN")
	}
}

// testRootfs is a tiny root filesystem.
func testRootfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin", "busybox"), []byte("#!/not/really\n"), 0o755)
	os.Symlink("busybox", filepath.Join(dir, "bin", "sh"))
	os.WriteFile(filepath.Join(dir, "etc", "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
	return dir
}

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func importAs(t *testing.T, s *Store, dir, name string, cmd ...string) *Image {
	t.Helper()
	ref, err := reference.Parse(name)
	if err != nil {
		t.Fatal(err)
	}
	img, err := s.ImportDir(dir, ImportOptions{Ref: ref, Cmd: cmd, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestImportResolveLowers(t *testing.T) {
	needRoot(t)
	s := openStore(t)
	rootfs := testRootfs(t)
	img := importAs(t, s, rootfs, "busybox", "sh")
	again := importAs(t, openStore(t), rootfs, "busybox", "sh")
	if img.ID != again.ID {
		t.Errorf("importing the same directory twice gave two IDs: %s and %s (not reproducible)", img.ID, again.ID)
	}
	for _, name := range []string{"busybox", "busybox:latest", "docker.io/library/busybox:latest", img.ID.String(), img.ID.Encoded()[:5]} {
		got, err := s.Resolve(name)
		if err != nil {
			t.Errorf("Resolve(%q): %v", name, err)
			continue
		}
		if got.ID != img.ID {
			t.Errorf("Resolve(%q) = %s, want %s", name, got.ID, img.ID)
		}
	}
	if _, err := s.Resolve("nothere"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve(nothere): %v, want ErrNotFound", err)
	}
	lowers := img.Lowers()
	if len(lowers) != 1 {
		t.Fatalf("Lowers = %v, want one layer", lowers)
	}
	if b, err := os.ReadFile(filepath.Join(lowers[0], "etc", "passwd")); err != nil || !strings.HasPrefix(string(b), "root:") {
		t.Errorf("the unpacked layer's etc/passwd: %q, %v", b, err)
	}
	if l, err := os.Readlink(filepath.Join(lowers[0], "bin", "sh")); err != nil || l != "busybox" {
		t.Errorf("bin/sh -> %q, %v", l, err)
	}
	if img.Size == 0 || len(img.Config.Config.Cmd) != 1 {
		t.Errorf("size %d, cmd %v", img.Size, img.Config.Config.Cmd)
	}
	if r, err := s.Verify(); err != nil || len(r.Problems) != 0 || r.Images != 1 {
		t.Errorf("Verify = %+v, %v", r, err)
	}
}

// Two tags of one image: removing one only untags; removing the last deletes the image, but
// not the layer another image still uses.
func TestTagRemoveSharedLayers(t *testing.T) {
	needRoot(t)
	s := openStore(t)
	rootfs := testRootfs(t)
	a := importAs(t, s, rootfs, "a:1", "sh")
	b := importAs(t, s, rootfs, "b:1", "echo", "b") // another config, the same layer
	if a.ID == b.ID || a.Layers[0].DiffID != b.Layers[0].DiffID {
		t.Fatalf("want two images sharing one layer: %+v %+v", a, b)
	}
	if _, err := s.Tag("a:1", "a:2"); err != nil {
		t.Fatal(err)
	}
	r, err := s.Remove("a:1", RemoveOptions{})
	if err != nil || fmt.Sprint(r.Untagged) != "[a:1]" || len(r.Deleted) != 0 {
		t.Fatalf("rmi a:1 = %+v, %v; want only untagged", r, err)
	}
	if _, err := s.Resolve("a:2"); err != nil {
		t.Fatalf("a:2 is gone after rmi a:1: %v", err)
	}
	r, err = s.Remove("a:2", RemoveOptions{})
	if err != nil || len(r.Deleted) != 1 || r.Deleted[0] != a.ID {
		t.Fatalf("rmi a:2 = %+v, %v; want %s deleted", r, err, a.ID)
	}
	if !s.HasBlob(b.Layers[0].Blob.Digest) {
		t.Error("the layer blob b uses was deleted")
	}
	if _, err := os.Stat(b.Lowers()[0]); err != nil {
		t.Errorf("the unpacked layer b uses was deleted: %v", err)
	}
	if s.HasBlob(a.ID) {
		t.Error("a's config blob is still there")
	}
	if _, err := s.Remove("b:1", RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.Lowers()[0]); !os.IsNotExist(err) {
		t.Errorf("the last image is gone, its layer is not: %v", err)
	}
	entries, _ := os.ReadDir(s.blobDir())
	if len(entries) != 0 {
		t.Errorf("blobs left after every image was removed: %v", entries)
	}
}

// An ID prefix that two images share is refused; names in two repositories need -f.
func TestRemoveByID(t *testing.T) {
	needRoot(t)
	s := openStore(t)
	rootfs := testRootfs(t)
	seen := map[byte]string{}
	var x, y *Image
	for i := 0; x == nil; i++ {
		img := importAs(t, s, rootfs, fmt.Sprintf("img%d", i), "echo", fmt.Sprint(i))
		c := img.ID.Encoded()[0]
		if other, ok := seen[c]; ok {
			x, _ = s.Resolve(other)
			y = img
		}
		seen[c] = img.Refs[0]
	}
	prefix := x.ID.Encoded()[:1]
	if _, err := s.Remove(prefix, RemoveOptions{}); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("rmi %s (two images): %v, want ambiguous", prefix, err)
	}
	if _, err := s.Resolve(prefix); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("Resolve(%s): %v, want ambiguous", prefix, err)
	}
	if _, err := s.Tag(y.ID.String(), "other/repo:v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(y.ID.Encoded()[:12], RemoveOptions{}); err == nil || !strings.Contains(err.Error(), "must be forced") {
		t.Errorf("rmi of an ID in two repositories: %v, want must be forced", err)
	}
	r, err := s.Remove(y.ID.Encoded()[:12], RemoveOptions{Force: true})
	if err != nil || len(r.Untagged) != 2 || len(r.Deleted) != 1 {
		t.Errorf("rmi -f: %+v, %v", r, err)
	}
}

// Verify finds a corrupted blob and a layer changed by hand; Prune removes what nothing uses.
func TestVerifyAndPrune(t *testing.T) {
	needRoot(t)
	s := openStore(t)
	img := importAs(t, s, testRootfs(t), "busybox", "sh")
	blob := s.blobPath(img.Layers[0].Blob.Digest)
	os.Chmod(blob, 0o644)
	if err := os.WriteFile(blob, []byte("not the layer"), 0o444); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(img.Lowers()[0], "etc", "passwd"))
	r, err := s.Verify()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 2 || !strings.Contains(r.Problems[0].What, "corrupt") || !strings.Contains(r.Problems[1].What, "changed") {
		t.Errorf("Verify problems: %v; want the corrupt blob and the changed layer", r.Problems)
	}
	// An interrupted import's leftovers: a blob and a layer no name reaches.
	if _, _, err := s.putBlob(strings.NewReader("orphan"), "x", nil, -1); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.blobDir(), tmpPrefix+"half"), []byte("half a blob"), 0o600)
	p, err := s.Prune()
	if err != nil || p.Blobs != 1 {
		t.Errorf("Prune = %+v, %v; want the orphan blob removed", p, err)
	}
	if _, err := os.Stat(filepath.Join(s.blobDir(), tmpPrefix+"half")); !os.IsNotExist(err) {
		t.Errorf("the half-written blob is still there")
	}
}

// A blob is stored only if its size and digest match; nothing is left when they do not.
func TestWriteBlobVerifies(t *testing.T) {
	s := openStore(t)
	content := "hello"
	d := digestOf(content)
	if err := s.WriteBlob(d, 4, strings.NewReader(content)); err == nil {
		t.Error("a blob longer than its size was stored")
	}
	if err := s.WriteBlob(d, 5, strings.NewReader("hellp")); err == nil {
		t.Error("a blob with the wrong digest was stored")
	}
	if s.HasBlob(d) {
		t.Error("HasBlob after two refused writes")
	}
	if entries, _ := os.ReadDir(s.blobDir()); len(entries) != 0 {
		t.Errorf("refused writes left %v", entries)
	}
	if err := s.WriteBlob(d, 5, strings.NewReader(content)); err != nil || !s.HasBlob(d) {
		t.Errorf("a good blob: %v", err)
	}
}

// A layer that tries to escape is refused; no layer directory, temporary or not, and no name is
// left, and the file outside is untouched.
func TestAddMaliciousLayer(t *testing.T) {
	needRoot(t)
	s := openStore(t)
	outside := t.TempDir()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "etc", Linkname: outside})
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "etc/pwned", Size: 1, Mode: 0o644})
	tw.Write([]byte("x"))
	tw.Close()
	manifest := storeImage(t, s, buf.Bytes())
	earlyUnpack(t, s, manifest) // refused there too, silently: Add says why
	ref, _ := reference.Parse("evil:latest")
	_, err := s.Add(NewImage{Ref: ref, Manifest: manifest})
	if err == nil || !strings.Contains(err.Error(), `"etc/pwned"`) {
		t.Fatalf("Add of an escaping layer: %v; want a refusal naming etc/pwned", err)
	}
	if entries, _ := os.ReadDir(s.layersDir()); len(entries) != 0 {
		t.Errorf("layers left behind: %v", entries)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("the layer wrote outside: %v", entries)
	}
	if _, err := s.Resolve("evil"); err == nil {
		t.Error("the image was recorded")
	}
	if s.HasBlob(digest.FromBytes(manifest)) {
		t.Error("the refused image's manifest was stored")
	}
}

// A pull tells the store of each layer once its blob is in (LayerIn), and the store unpacks it
// while the others download; Add then finds it unpacked.
func TestLayerInUnpacksEarly(t *testing.T) {
	needRoot(t)
	s := openStore(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "hello", Size: 2, Mode: 0o644})
	tw.Write([]byte("hi"))
	tw.Close()
	manifest := storeImage(t, s, buf.Bytes())
	diffID := digest.FromBytes(buf.Bytes())
	earlyUnpack(t, s, manifest)
	before, err := os.Stat(filepath.Join(s.layerDir(diffID), "fs", "hello"))
	if err != nil {
		t.Fatalf("LayerIn did not unpack the layer: %v", err)
	}
	ref, _ := reference.Parse("early:latest")
	if _, err := s.Add(NewImage{Ref: ref, Manifest: manifest}); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(filepath.Join(s.layerDir(diffID), "fs", "hello"))
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("Add unpacked the layer again (%v)", err)
	}
}

// earlyUnpack calls LayerIn for every layer of manifest, as a pull does, and waits for them.
func earlyUnpack(t *testing.T, s *Store, manifest []byte) {
	t.Helper()
	var m v1.Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	for i, l := range m.Layers {
		s.LayerIn(m.Config, l, i)
	}
	s.waitUnpacks()
}

// storeImage writes a one-layer image's layer and config as blobs and returns its manifest.
func storeImage(t *testing.T, s *Store, layerTar []byte) []byte {
	t.Helper()
	ld := digest.FromBytes(layerTar)
	if err := s.WriteBlob(ld, int64(len(layerTar)), bytes.NewReader(layerTar)); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(v1.Image{RootFS: v1.RootFS{Type: "layers", DiffIDs: []digest.Digest{ld}}})
	cd := digest.FromBytes(cfg)
	if err := s.WriteBlob(cd, int64(len(cfg)), bytes.NewReader(cfg)); err != nil {
		t.Fatal(err)
	}
	m, _ := json.Marshal(v1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: DockerManifest,
		Config:    v1.Descriptor{MediaType: DockerConfig, Digest: cd, Size: int64(len(cfg))},
		Layers:    []v1.Descriptor{{MediaType: DockerLayer, Digest: ld, Size: int64(len(layerTar))}},
	})
	return m
}

// Every open Store holds the store lock, also one opened while another was open (the sweep's
// refused exclusive lock must not leave it without one): a deletion waits for both.
func TestOpenStoresHoldTheLock(t *testing.T) {
	root := t.TempDir()
	a, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a.Close()
	probe, err := state.LockFile(filepath.Join(root, "images", "lock"), state.Shared)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	if ok, _ := state.TryRelock(probe, state.Exclusive); ok {
		t.Error("the store lock could be taken exclusively while a Store is open")
	}
}
