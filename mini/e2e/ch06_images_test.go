//mini:chapter 06

package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// importBusybox imports the kit's busybox rootfs as name and returns the image ID it printed.
func (e *env) importBusybox(name string, extra ...string) string {
	e.t.Helper()
	return e.importDir(h.rootfs, name, extra...)
}

// importDir imports dir as name and returns the image ID it printed.
func (e *env) importDir(dir, name string, extra ...string) string {
	e.t.Helper()
	args := append([]string{"image", "import-rootfs"}, extra...)
	r := e.mini(append(args, dir, name)...)
	if r.Status != 0 || !regexp.MustCompile(`^sha256:[0-9a-f]{64}\n$`).MatchString(r.Stdout) {
		e.t.Fatalf("import-rootfs %s: want the image ID on stdout, got:\n%s", name, r)
	}
	return strings.TrimSpace(r.Stdout)
}

// imageRows is `mini images` as rows of fields, without the header.
func (e *env) imageRows(args ...string) [][]string {
	e.t.Helper()
	r := e.mini(append([]string{"images"}, args...)...)
	if r.Status != 0 {
		e.t.Fatalf("mini images: %s", r)
	}
	lines := strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "REPOSITORY") {
		e.t.Fatalf("mini images: no header:\n%s", r.Stdout)
	}
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, regexp.MustCompile(`\s{3,}`).Split(l, -1))
	}
	return rows
}

func (e *env) verifyClean() {
	e.t.Helper()
	r := e.mini("image", "verify")
	if r.Status != 0 || !strings.Contains(r.Stdout, "no problems") {
		e.t.Fatalf("mini image verify: want no problems, got:\n%s", r)
	}
}

// The kit's root filesystem becomes an image with no network; `images` shows it in Docker's
// columns; a second tag is only a name; rmi of one tag untags, of the last deletes.
func TestCh06ImportTagRmi(t *testing.T) {
	e := newEnv(t)
	id := e.importBusybox("busybox:latest")
	if again := e.importBusybox("busybox:latest"); again != id {
		t.Errorf("importing the same rootfs twice gave two IDs, %s and %s: the import is not reproducible", id, again)
	}
	short := strings.TrimPrefix(id, "sha256:")[:12]
	r := e.mini("images")
	if !regexp.MustCompile(`^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\nbusybox +latest +` + short + ` +\d+ years ago +[\d.]+[kM]B\n$`).MatchString(r.Stdout) {
		t.Fatalf("mini images: want Docker's columns and one busybox row, got:\n%s", r)
	}
	expect(t, e.mini("tag", "busybox", "localhost:5000/mine:v1"), 0, "")
	rows := e.imageRows()
	if len(rows) != 2 || rows[0][2] != short || rows[1][2] != short {
		t.Fatalf("after tag: want two rows with ID %s, got %v", short, rows)
	}
	expect(t, e.mini("images", "-q"), 0, short+"\n"+short+"\n")
	expect(t, e.mini("images", "--format", "{{.Repository}}:{{.Tag}}", "localhost:5000/mine"), 0, "localhost:5000/mine:v1\n")
	expect(t, e.mini("rmi", "busybox"), 0, "Untagged: busybox:latest\n")
	expect(t, e.mini("images", "-q"), 0, short+"\n")
	expect(t, e.mini("rmi", "localhost:5000/mine:v1"), 0, "Untagged: localhost:5000/mine:v1\nDeleted: "+id+"\n")
	expect(t, e.mini("images", "-q"), 0, "")
	for _, d := range []string{"images/blobs/sha256", "images/layers"} {
		if entries, _ := os.ReadDir(filepath.Join(e.root, d)); len(entries) != 0 {
			t.Errorf("%s still holds %d entries after the last image was removed", d, len(entries))
		}
	}
	expectError(t, e.mini("rmi", "busybox"), 125, "no such image", "busybox")
	expectError(t, e.mini("tag", "nothere", "x"), 125, "no such image")
}

// Two images that share their layer: removing one keeps the layer the other uses.
func TestCh06SharedLayerStays(t *testing.T) {
	e := newEnv(t)
	e.importBusybox("a:1")
	e.importBusybox("b:1", "--cmd", "echo", "--cmd", "b")
	lowers := func(name string) string {
		r := e.mini("image", "inspect", name)
		var out []struct {
			GraphDriver struct{ Data map[string]string }
		}
		if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil || len(out) != 1 {
			t.Fatalf("image inspect %s: %v\n%s", name, err, r)
		}
		return out[0].GraphDriver.Data["LowerDir"]
	}
	la, lb := lowers("a:1"), lowers("b:1")
	if la != lb || la == "" {
		t.Fatalf("a and b should share their one layer: %q and %q", la, lb)
	}
	r := e.mini("rmi", "a:1")
	if r.Status != 0 || !strings.Contains(r.Stdout, "Deleted: sha256:") {
		t.Fatalf("rmi a:1: %s", r)
	}
	if _, err := os.Stat(filepath.Join(lb, "bin", "busybox")); err != nil {
		t.Errorf("b's layer lost bin/busybox when a was removed: %v", err)
	}
	e.verifyClean()
}

// An ID prefix two images share is refused, and nothing is removed.
func TestCh06AmbiguousPrefix(t *testing.T) {
	e := newEnv(t)
	first := map[byte]string{}
	var prefix string
	for i := 0; prefix == "" && i < 64; i++ {
		id := strings.TrimPrefix(e.importBusybox(fmt.Sprintf("img:%d", i), "--cmd", fmt.Sprint(i)), "sha256:")
		if _, ok := first[id[0]]; ok {
			prefix = id[:1]
		}
		first[id[0]] = id
	}
	before := e.mini("images", "-q").Stdout
	expectError(t, e.mini("rmi", prefix), 125, "ambiguous", prefix)
	if after := e.mini("images", "-q").Stdout; after != before {
		t.Errorf("a refused rmi changed the images:\n%s\n%s", before, after)
	}
}

// verify re-hashes every blob: a corrupted one is found, named, and the fix said.
func TestCh06VerifyFindsCorruptBlob(t *testing.T) {
	e := newEnv(t)
	e.importBusybox("busybox")
	e.verifyClean()
	blobs, _ := filepath.Glob(filepath.Join(e.root, "images/blobs/sha256/*"))
	var biggest string
	var size int64
	for _, b := range blobs {
		if st, err := os.Stat(b); err == nil && st.Size() > size {
			biggest, size = b, st.Size()
		}
	}
	f, err := os.OpenFile(biggest, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("flipped"), size/2)
	f.Close()
	r := e.mini("image", "verify")
	if r.Status != 1 || !strings.Contains(r.Stdout, "blob "+filepath.Base(biggest)[:12]+" is corrupt") || !strings.Contains(r.Stdout, "to fix:") {
		t.Fatalf("image verify: want exit 1 naming the corrupt blob and the fix, got:\n%s", r)
	}
}

// An import killed with SIGKILL at any moment leaves the store consistent, and the next import
// finishes the job.
func TestCh06KillImport(t *testing.T) {
	e := newEnv(t)
	rootfs := copyRootfs(t, "big")
	// 48 MiB of random bytes make the import long enough for the kills to land in every phase:
	// archiving, hashing, renaming, unpacking, syncing, tagging.
	big := make([]byte, 48<<20)
	rand.Read(big)
	if err := os.WriteFile(filepath.Join(rootfs, "big"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 6))
	for i := range 20 {
		delay := time.Duration(rng.IntN(600)) * time.Millisecond
		cmd := e.command(t.Context(), "image", "import-rootfs", rootfs, "big:latest")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Kill()
		cmd.Wait()
		r := e.mini("image", "verify")
		if r.Status != 0 {
			t.Fatalf("kill %d after %v: the store does not verify:\n%s", i, delay, r)
		}
	}
	e.importBusybox("busybox")
	if r := e.mini("image", "import-rootfs", rootfs, "big:latest"); r.Status != 0 {
		t.Fatalf("the import after the kills: %s", r)
	}
	e.verifyClean()
	if tmp, _ := filepath.Glob(filepath.Join(e.root, "images/*/.tmp-*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	r := e.mini("image", "inspect", "big")
	if !strings.Contains(r.Stdout, `"LowerDir"`) {
		t.Fatalf("inspect big: %s", r)
	}
	var out []struct {
		GraphDriver struct{ Data map[string]string }
	}
	json.Unmarshal([]byte(r.Stdout), &out)
	got, err := os.ReadFile(filepath.Join(out[0].GraphDriver.Data["LowerDir"], "big"))
	if err != nil || !bytes.Equal(got, big) {
		t.Errorf("the unpacked layer's big file differs from the original (%d bytes, %v)", len(got), err)
	}
}

// The whiteouts a layer carries work in a real overlay mount: a file the upper layer deleted is
// gone, an opaque directory hides the lower's entries. Mounted in a private mount namespace
// (unshare -m), which the kernel tears down with the shell.
func TestCh06WhiteoutsInOverlay(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	os.MkdirAll(filepath.Join(base, "etc", "conf.d"), 0o755)
	os.WriteFile(filepath.Join(base, "etc", "gone"), []byte("lower"), 0o644)
	os.WriteFile(filepath.Join(base, "etc", "conf.d", "old"), []byte("lower"), 0o644)
	e.importDir(base, "base")
	// The second layer deletes etc/gone and replaces etc/conf.d: a directory holding the OCI
	// whiteout names, which import-rootfs archives as they are, so that unpacking its layer
	// turns them into overlayfs's whiteouts.
	top := t.TempDir()
	os.MkdirAll(filepath.Join(top, "etc", "conf.d"), 0o755)
	os.WriteFile(filepath.Join(top, "etc", ".wh.gone"), nil, 0o644)
	os.WriteFile(filepath.Join(top, "etc", "conf.d", ".wh..wh..opq"), nil, 0o644)
	os.WriteFile(filepath.Join(top, "etc", "conf.d", "new"), []byte("upper"), 0o644)
	e.importDir(top, "top")
	lower := func(name string) string {
		var out []struct {
			GraphDriver struct{ Data map[string]string }
		}
		json.Unmarshal([]byte(e.mini("image", "inspect", name).Stdout), &out)
		if len(out) != 1 {
			t.Fatalf("inspect %s failed", name)
		}
		return out[0].GraphDriver.Data["LowerDir"]
	}
	mnt := t.TempDir()
	script := fmt.Sprintf("mount -t overlay overlay -o lowerdir=%s:%s %s && ls -a %s/etc && ls -a %s/etc/conf.d", lower("top"), lower("base"), mnt, mnt, mnt)
	out, err := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("overlay of the two layers: %v\n%s", err, out)
	}
	if got, want := strings.Fields(string(out)), []string{".", "..", "conf.d", ".", "..", "new"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("in the overlay: want etc = [conf.d] and etc/conf.d = [new], got ls output %q", out)
	}
}

// inspect, history and prune, as a user reads them.
func TestCh06InspectHistoryPrune(t *testing.T) {
	e := newEnv(t)
	id := e.importBusybox("busybox")
	r := e.mini("image", "inspect", "busybox")
	var out []struct {
		ID       string `json:"Id"`
		RepoTags []string
		Config   struct{ Cmd, Env []string }
		RootFS   struct{ Layers []string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil || len(out) != 1 {
		t.Fatalf("image inspect: want a JSON array of one image: %v\n%s", err, r)
	}
	if i := out[0]; i.ID != id || fmt.Sprint(i.RepoTags) != "[busybox:latest]" || fmt.Sprint(i.Config.Cmd) != "[sh]" || len(i.RootFS.Layers) != 1 {
		t.Errorf("image inspect: %+v", i)
	}
	expectError(t, e.mini("image", "inspect", "nothere"), 125, "no such image")
	r = e.mini("history", "busybox")
	if !regexp.MustCompile(`^IMAGE +CREATED +CREATED BY +SIZE +COMMENT\n` + id[7:19] + ` +\d+ years ago +mini image import-rootfs busybox +[\d.]+[kM]B`).MatchString(r.Stdout) {
		t.Errorf("history: want Docker's columns and the import step, got:\n%s", r)
	}
	// A blob nothing uses (as an interrupted pull leaves) is what prune removes.
	orphan := filepath.Join(e.root, "images/blobs/sha256", strings.Repeat("0", 64))
	if err := os.WriteFile(orphan, []byte("orphan"), 0o444); err != nil {
		t.Fatal(err)
	}
	expect(t, e.mini("image", "prune"), 0, "Deleted 1 blobs and 0 unpacked layers\nTotal reclaimed space: 6B\n")
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("prune left the unused blob")
	}
	expect(t, e.mini("images", "-q"), 0, id[7:19]+"\n")
}
