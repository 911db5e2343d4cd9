//mini:chapter 07

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/changes"
	"github.com/minikit/kit/mini/image"
)

// commitUpper makes an upper layer as a container leaves it (a new file, a whiteout, an opaque
// directory over one of busybox's) and commits it on top of busybox as name.
func commitUpper(t *testing.T, e *env, name string) *image.Image {
	t.Helper()
	e.importBusybox("busybox:latest")
	upper := t.TempDir()
	for _, d := range []string{"etc", "bin", "root"} {
		if err := os.Mkdir(filepath.Join(upper, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(upper, "etc", "motd"), []byte("committed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(upper, "etc", "os-release"), unix.S_IFCHR, 0); err != nil {
		t.Fatal(err)
	}
	// /root deleted and made again: the image's /root (if any) is hidden, the new file is not.
	if err := unix.Setxattr(filepath.Join(upper, "root"), "trusted.overlay.opaque", []byte("y"), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(upper, "root", "note"), []byte("only me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := image.Open(e.root)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	base, err := store.Resolve("busybox")
	if err != nil {
		t.Fatal(err)
	}
	img, err := changes.Commit(store, base, upper, changes.CommitOptions{
		Ref: name, Message: "e2e", Changes: []string{`CMD ["cat", "/etc/motd"]`},
	})
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return img
}

// commit → run: the new image runs with the engine and sees the container's changes, its
// deletions included; its config carries the --change; history shows the commit.
func TestCh07CommitThenRun(t *testing.T) {
	e := imageEnv(t)
	commitUpper(t, e, "e2e/committed:1")
	expect(t, e.mini("run", "--rm", "e2e/committed:1"), 0, "committed\n")
	expect(t, e.mini("run", "--rm", "e2e/committed:1", "sh", "-c", "test -e /etc/os-release || echo gone; cat /root/note; test -x /bin/busybox && echo busybox"), 0, "gone\nonly me\nbusybox\n")
	if r := e.mini("history", "e2e/committed:1"); r.Status != 0 || !strings.Contains(r.Stdout, "mini commit") {
		t.Errorf("history: want the commit's entry, got:\n%s", r)
	}
	e.verifyClean()
}

// export → import → run sees the same files: export is the flat merged view, whiteouts applied.
func TestCh07ExportImportRun(t *testing.T) {
	e := imageEnv(t)
	img := commitUpper(t, e, "e2e/committed:1")
	file := filepath.Join(t.TempDir(), "export.tar")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := changes.Export(f, img.Lowers(), ""); err != nil {
		t.Fatalf("export: %v", err)
	}
	f.Close()
	if r := e.mini("import", file, "e2e/exported:1"); r.Status != 0 {
		t.Fatalf("import: %s", r)
	}
	expect(t, e.mini("run", "--rm", "e2e/exported:1", "sh", "-c", "cat /etc/motd; test -e /etc/os-release || echo gone; cat /root/note"), 0, "committed\ngone\nonly me\n")
	if r := e.mini("history", "e2e/exported:1"); r.Status != 0 || strings.Contains(r.Stdout, "mini commit") {
		t.Errorf("history of the imported export: want no trace of the commit (an export has no history), got:\n%s", r)
	}
	e.verifyClean()
}
