//mini:chapter 07

package changes

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// Copying out of a stopped container reads the merged view: the upper's version of a file,
// nothing that a whiteout or an opaque directory hides, a symlink as a symlink.
func TestCh07CopyOutMergedView(t *testing.T) {
	lowers, upper := layers(t)
	r := Root{Lower: lowers, Upper: upper}
	host := t.TempDir()
	if err := CopyOut(r, "/etc", host); err != nil {
		t.Fatal(err)
	}
	want := []string{"0 group = grp", "0 hosts = H", "0 new = N", "0 passwd = root2"}
	if d := cmp.Diff(want, listDir(t, filepath.Join(host, "etc"))); d != "" {
		t.Errorf("cp CTR:/etc (-want +got):\n%s", d)
	}
	if err := CopyOut(r, "/var/lib/x/b", filepath.Join(host, "b-copy")); err != nil {
		t.Fatal(err)
	}
	if err := CopyOut(r, "/bin/sh", host); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(host, "b-copy")); string(b) != "B2" {
		t.Errorf("cp CTR:/var/lib/x/b b-copy: %q, want the upper's B2", b)
	}
	if target, err := os.Readlink(filepath.Join(host, "sh")); err != nil || target != "busybox" {
		t.Errorf("cp CTR:/bin/sh: %q, %v; want the symlink itself (-> busybox)", target, err)
	}
	var b bytes.Buffer
	if err := CopyOutTar(r, "/var/lib/x", &b); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"5 x/", "0 x/b = B2", "0 x/c = C"}, listTar(t, &b)); d != "" {
		t.Errorf("cp CTR:/var/lib/x - (-want +got):\n%s", d)
	}
	if err := CopyOutTar(r, "/etc/old", &b); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("cp CTR:/etc/old -: %v; want no such file", err)
	}
	for _, c := range []struct{ src, dst, want string }{
		{"/etc/old", host, "no such file"},        // a whiteout in the upper
		{"/home/u/profile", host, "no such file"}, // below a whiteout in a lower
		{"/var/lib/x/a", host, "no such file"},    // below an opaque directory
		{"/etc/passwd", "/nonexistent/dir/x", "does not exist on the host"},
		{"/etc", filepath.Join(host, "b-copy"), "cannot copy the directory"},
	} {
		err := CopyOut(r, c.src, c.dst)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("cp CTR:%s %s: %v; want an error with %q", c.src, c.dst, err, c.want)
		}
	}
}

// Copying into a stopped container writes the upper as overlayfs would: the directories on the
// way copied up with the lower's owner and mode, a lower's file replaced, a directory made where
// a whiteout was marked opaque so that the deleted contents stay deleted.
func TestCh07CopyInStopped(t *testing.T) {
	lowers, upper := layers(t)
	build(t, lowers[1], "d srv/data 0750", "f gone/x X")
	if err := os.Lchown(filepath.Join(lowers[1], "srv", "data"), 7, 8); err != nil {
		t.Fatal(err)
	}
	build(t, upper, "w gone")
	var narration bytes.Buffer
	r := Root{Lower: lowers, Upper: upper, Explain: explain.New(&narration, false)}
	host := t.TempDir()
	build(t, host, "f hello hi", "f conf/a A", "f conf/sub/b B", "f group new-group", "f gone/y Y")

	if err := CopyIn(r, filepath.Join(host, "hello"), "/srv/data/"); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(upper, "srv", "data"), &st); err != nil || st.Mode&0o7777 != 0o750 || st.Uid != 7 || st.Gid != 8 {
		t.Errorf("the copied-up /srv/data: mode %o owner %d:%d (%v); want the lower's 750 7:8", st.Mode&0o7777, st.Uid, st.Gid, err)
	}
	if b, err := os.ReadFile(filepath.Join(upper, "srv", "data", "hello")); err != nil || string(b) != "hi" {
		t.Errorf("upper/srv/data/hello: %q, %v", b, err)
	}
	if err := CopyIn(r, filepath.Join(host, "conf"), "/etc"); err != nil {
		t.Fatal(err)
	}
	if err := CopyIn(r, filepath.Join(host, "group"), "/etc/group"); err != nil {
		t.Fatal(err)
	}
	if err := CopyIn(r, filepath.Join(host, "gone"), "/"); err != nil {
		t.Fatal(err)
	}
	got, err := Diff(lowers, upper)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range got {
		if strings.HasPrefix(c.Path, "/etc/c") || strings.HasPrefix(c.Path, "/etc/g") || strings.HasPrefix(c.Path, "/gone") || strings.HasPrefix(c.Path, "/srv") {
			lines = append(lines, c.String())
		}
	}
	want := []string{
		"A /etc/conf", "A /etc/conf/a", "A /etc/conf/sub", "A /etc/conf/sub/b", "C /etc/group",
		"C /gone", "D /gone/x", "A /gone/y",
		"C /srv", "C /srv/data", "A /srv/data/hello",
	}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("diff after cp (-want +got):\n%s", d)
	}
	for _, step := range []string{"copy up /srv/data", "chown 7:8 " + filepath.Join(upper, "srv", "data"), "setfattr -n trusted.overlay.opaque -v y " + filepath.Join(upper, "gone")} {
		if !strings.Contains(narration.String(), step) {
			t.Errorf("--explain does not narrate %q:\n%s", step, narration.String())
		}
	}
	for _, c := range []struct{ src, dst, want string }{
		{"hello", "/nope/hello", "does not exist in the container"},
		{"hello", "/nope/", "does not exist in the container"},
		{"conf", "/var/lib/x/b", "cannot copy the directory"},
		{"missing", "/", "no such file"},
	} {
		err := CopyIn(r, filepath.Join(host, c.src), c.dst)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("cp %s CTR:%s: %v; want an error with %q", c.src, c.dst, err, c.want)
		}
	}
	// A source named "." or ".." is the directory of that name on the host, copied under its
	// own name.
	wd, _ := os.Getwd()
	if err := os.Chdir(filepath.Join(host, "conf", "sub")); err != nil {
		t.Fatal(err)
	}
	err = CopyIn(r, "..", "/srv")
	os.Chdir(wd)
	if err != nil {
		t.Fatalf("cp .. CTR:/srv: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(upper, "srv", "conf", "sub", "b")); err != nil || string(b) != "B" {
		t.Errorf("cp .. CTR:/srv: upper/srv/conf/sub/b: %q, %v; want the host's conf directory under its name", b, err)
	}
	if err := CopyIn(r, "/", "/srv"); err == nil {
		t.Errorf("cp / CTR:/srv: no error")
	}
	if err := CopyIn(Root{Lower: lowers}, filepath.Join(host, "hello"), "/"); err == nil {
		t.Errorf("cp into a container with no upper layer: no error")
	}
}

// A symlink in the image resolves inside the container's root, as the container sees it: an
// absolute link is read from the container's /, and a link or a path that climbs above the root
// is refused. Both kinds of root (a stopped container's layers, a running one's directory).
func TestCh07CopyRefusesEscapes(t *testing.T) {
	needRoot(t)
	deep := filepath.Join(t.TempDir(), "a", "b", "c")
	lower, upper, dir := filepath.Join(deep, "lower"), filepath.Join(deep, "upper"), filepath.Join(deep, "dir")
	links := []string{"d etc", "f etc/passwd root", "l etc/x /../../../host", "l etc/rel ../../../../../host", "l etc/ok /etc", "l etc/hop x/y"}
	build(t, lower, links...)
	build(t, upper)
	build(t, dir, links...)
	host := t.TempDir()
	build(t, host, "f mini-cp-test-file payload")
	src := filepath.Join(host, "mini-cp-test-file")

	for name, r := range map[string]Root{"stopped": {Lower: []string{lower}, Upper: upper}, "running": {Dir: dir}} {
		for _, dst := range []string{"/etc/x/file", "/etc/x", "/etc/rel/", "/etc/hop", "../../../../tmp", "/../etc", "etc/../../x"} {
			if err := CopyIn(r, src, dst); !errors.Is(err, ErrEscape) {
				t.Errorf("%s: cp FILE CTR:%s: %v; want a refusal (%v)", name, dst, err, ErrEscape)
			}
		}
		for _, s := range []string{"/etc/x/passwd", "/../../etc/passwd", "/etc/hop/z"} {
			if err := CopyOut(r, s, host); !errors.Is(err, ErrEscape) {
				t.Errorf("%s: cp CTR:%s DIR: %v; want a refusal", name, s, err)
			}
		}
		// An absolute link that stays inside is followed inside: /etc/ok is the container's /etc.
		if err := CopyIn(r, src, "/etc/ok/"); err != nil {
			t.Errorf("%s: cp FILE CTR:/etc/ok/: %v", name, err)
		}
		written := filepath.Join(upper, "etc", "mini-cp-test-file")
		if r.Dir != "" {
			written = filepath.Join(dir, "etc", "mini-cp-test-file")
		}
		if b, err := os.ReadFile(written); err != nil || string(b) != "payload" {
			t.Errorf("%s: cp FILE CTR:/etc/ok/ wrote %q, %v at %s; want the file in the container's /etc", name, b, err, written)
		}
		if err := CopyOut(r, "/etc/ok/passwd", filepath.Join(host, "passwd-"+name)); err != nil {
			t.Errorf("%s: cp CTR:/etc/ok/passwd: %v", name, err)
		}
		if b, _ := os.ReadFile(filepath.Join(host, "passwd-"+name)); string(b) != "root" {
			t.Errorf("%s: cp CTR:/etc/ok/passwd read %q; want the container's /etc/passwd", name, b)
		}
	}
	for _, p := range []string{"/etc/mini-cp-test-file", "/host", filepath.Join(deep, "..", "host"), filepath.Join(deep, "..", "..", "host"), "/tmp/mini-cp-test-file"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("cp wrote outside the container: %s exists", p)
		}
	}
}
