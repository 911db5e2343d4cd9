//mini:chapter 07

package changes

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
)

// baseImage imports dir as a one-layer image into a new store.
func baseImage(t *testing.T, dir string) (*image.Store, *image.Image) {
	t.Helper()
	store, err := image.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ref, _ := reference.Parse("base:1")
	base, err := store.ImportDir(dir, image.ImportOptions{Ref: ref, Cmd: []string{"sh"}, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return store, base
}

// commit adds the upper as a layer on top of the base image's, with a new config and a history
// entry; the store unpacks it back into overlayfs's form (whiteouts, opaque directories), so the
// new image's top layer says what the upper said.
func TestCh07CommitAddsTheUpperAsALayer(t *testing.T) {
	lowers, upper := layers(t)
	store, base := baseImage(t, lowers[1])
	img, err := Commit(store, base, upper, CommitOptions{
		Ref: "example.com/me/app:v1", Author: "Ada", Message: "add things",
		Changes: []string{`CMD ["cat", "/etc/new"]`, "ENV A=2", "ENV PATH=/bin", "WORKDIR /var"},
	})
	if err != nil {
		t.Fatal(err)
	}
	back, err := store.Resolve("example.com/me/app:v1")
	if err != nil {
		t.Fatalf("the committed image is not in the store: %v", err)
	}
	if back.ID != img.ID || len(back.Layers) != 2 || back.Layers[0].DiffID != base.Layers[0].DiffID {
		t.Fatalf("committed image %s: %d layers, the first %s; want base's layer %s and one more", back.ID, len(back.Layers), back.Layers[0].DiffID, base.Layers[0].DiffID)
	}
	cfg := back.Config
	if want := []digest.Digest{base.Layers[0].DiffID, back.Layers[1].DiffID}; !cmp.Equal(cfg.RootFS.DiffIDs, want) {
		t.Errorf("diff_ids %v; want the base's and the new layer's, %v", cfg.RootFS.DiffIDs, want)
	}
	if len(cfg.History) != 2 || cfg.History[1].CreatedBy != "mini commit" || cfg.History[1].Comment != "add things" || cfg.History[1].Author != "Ada" || cfg.Author != "Ada" {
		t.Errorf("history %+v, author %q; want the base's entry and mini commit's, by Ada", cfg.History, cfg.Author)
	}
	wantEnv := []string{"PATH=/bin", "A=2"}
	if !cmp.Equal(cfg.Config.Cmd, []string{"cat", "/etc/new"}) || !cmp.Equal(cfg.Config.Env, wantEnv) || cfg.Config.WorkingDir != "/var" {
		t.Errorf("config: cmd %q env %q workdir %q; want the changes applied over the base's (env %q)", cfg.Config.Cmd, cfg.Config.Env, cfg.Config.WorkingDir, wantEnv)
	}
	if !cmp.Equal(base.Config.Config.Cmd, []string{"sh"}) {
		t.Errorf("the base image's config changed: cmd %q", base.Config.Config.Cmd)
	}
	// The unpacked top layer is the upper again: the whiteouts and the opaque directory went
	// out as .wh. files and came back as overlayfs's.
	if d := cmp.Diff(listDir(t, upper), listDir(t, back.Layers[1].Dir)); d != "" {
		t.Errorf("the new layer, unpacked, differs from the upper (-upper +layer):\n%s", d)
	}
	was, _ := Diff(base.Lowers(), upper)
	now, err := Diff(back.Lowers()[1:], back.Layers[1].Dir)
	if err != nil || !cmp.Equal(was, now) {
		t.Errorf("diff of the committed layer: %v, %v; want the container's %v", now, err, was)
	}

	// With no base (a --rootfs container), the upper is the whole image.
	solo, err := Commit(store, nil, upper, CommitOptions{Ref: "solo"})
	if err != nil || len(solo.Layers) != 1 || solo.Refs[0] != "docker.io/library/solo:latest" {
		t.Fatalf("commit with no base: %+v, %v", solo, err)
	}
}

// Bad input is refused with a message that says what was wrong, and leaves no image behind.
func TestCh07CommitBadInput(t *testing.T) {
	lowers, upper := layers(t)
	store, base := baseImage(t, lowers[1])
	for _, c := range []struct {
		name string
		o    CommitOptions
		up   string
		want string
	}{
		{"an invalid reference", CommitOptions{Ref: "Not A/Name!"}, upper, "commit"},
		{"an empty reference", CommitOptions{Ref: ""}, upper, "commit"},
		{"a digest", CommitOptions{Ref: "app@sha256:" + strings.Repeat("a", 64)}, upper, "not a digest"},
		{"a missing upper", CommitOptions{Ref: "app:1"}, filepath.Join(upper, "nope"), "upper layer"},
		{"an unknown --change", CommitOptions{Ref: "app:1", Changes: []string{"RUN rm -rf /"}}, upper, "understands CMD"},
	} {
		_, err := Commit(store, base, c.up, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line with %q", c.name, err, c.want)
		}
	}
	imgs, err := store.List()
	if err != nil || len(imgs) != 1 {
		t.Errorf("after the bad commits the store has %d images (%v); want the base alone", len(imgs), err)
	}
}
