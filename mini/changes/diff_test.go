//mini:chapter 07

package changes

import (
	"archive/tar"
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// layers makes a container's layers in a temporary directory: two read-only lowers and an
// upper, in overlayfs's format, as the kernel and the image store leave them.
//
//	bottom: an image layer; top: a layer that deletes /home; upper: what the container did.
func layers(t *testing.T) (lowers []string, upper string) {
	t.Helper()
	needRoot(t)
	dir := t.TempDir()
	bottom, top, upper := filepath.Join(dir, "bottom"), filepath.Join(dir, "top"), filepath.Join(dir, "upper")
	build(t, bottom,
		"f bin/busybox BB", "l bin/sh busybox", "f bin/a X", "h bin/b bin/a",
		"f etc/passwd root", "f etc/group grp", "f etc/old old",
		"f var/lib/x/a A", "f var/lib/x/b B",
		"f usr/bin/tool T", "h usr/bin/tool2 usr/bin/tool",
		"f home/u/profile P")
	build(t, top, "f etc/hosts H", "w home", "d tmp 1777")
	build(t, upper,
		"f etc/passwd root2", "f etc/new N", "w etc/old",
		"f var/lib/x/b B2", "f var/lib/x/c C", "o var/lib/x",
		"f newdir/f F", "w usr/bin/tool", "p run/fifo")
	return []string{top, bottom}, upper
}

// diff lists A/C/D as docker diff does: a directory before what it holds, each directory's
// entries by name; a whiteout is a D; an opaque directory's hidden names are Ds.
func TestCh07DiffAddedChangedDeleted(t *testing.T) {
	lowers, upper := layers(t)
	got, err := Diff(lowers, upper)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range got {
		lines = append(lines, c.String())
	}
	want := []string{
		"C /etc",
		"A /etc/new",
		"D /etc/old",
		"C /etc/passwd",
		"A /newdir",
		"A /newdir/f",
		"A /run",
		"A /run/fifo",
		"C /usr",
		"C /usr/bin",
		"D /usr/bin/tool",
		"C /var",
		"C /var/lib",
		"C /var/lib/x",
		"D /var/lib/x/a",
		"C /var/lib/x/b",
		"A /var/lib/x/c",
	}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("diff (-want +got):\n%s", d)
	}
}

// An empty upper is no change; an upper alone (a container with no image) is all additions.
func TestCh07DiffEmptyAndNoLowers(t *testing.T) {
	lowers, _ := layers(t)
	empty := t.TempDir()
	got, err := Diff(lowers, empty)
	if err != nil || len(got) != 0 {
		t.Errorf("diff of an empty upper: %v, %v; want nothing", got, err)
	}
	build(t, empty, "f a/b x")
	got, err = Diff(nil, empty)
	want := []Change{{Added, "/a"}, {Added, "/a/b"}}
	if err != nil || !cmp.Equal(want, got) {
		t.Errorf("diff with no lowers: %v, %v; want %v", got, err, want)
	}
	if _, err := Diff(lowers, filepath.Join(empty, "nope")); err == nil {
		t.Errorf("diff of a missing upper: no error")
	}
}

// export is the merged view: whiteouts and opaque directories applied (across the lowers too),
// hard links kept among the names still visible, symlinks and FIFOs as such, names relative.
func TestCh07ExportMergedView(t *testing.T) {
	lowers, upper := layers(t)
	var b bytes.Buffer
	if err := Export(&b, lowers, upper); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"5 bin/",
		"0 bin/a = X",
		"1 bin/b -> bin/a",
		"0 bin/busybox = BB",
		"2 bin/sh -> busybox",
		"5 etc/",
		"0 etc/group = grp",
		"0 etc/hosts = H",
		"0 etc/new = N",
		"0 etc/passwd = root2",
		"5 newdir/",
		"0 newdir/f = F",
		"5 run/",
		"6 run/fifo",
		"5 tmp/",
		"5 usr/",
		"5 usr/bin/",
		"0 usr/bin/tool2 = T",
		"5 var/",
		"5 var/lib/",
		"5 var/lib/x/",
		"0 var/lib/x/b = B2",
		"0 var/lib/x/c = C",
	}
	if d := cmp.Diff(want, listTar(t, bytes.NewReader(b.Bytes()))); d != "" {
		t.Errorf("export (-want +got):\n%s", d)
	}
	// Mode, owner and mtime are the files'.
	tr := tar.NewReader(&b)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatal("no tmp/ in the export")
		}
		if hdr.Name == "tmp/" {
			if hdr.Mode != 0o1777 || hdr.Uid != 0 || !hdr.ModTime.Equal(testTime) {
				t.Errorf("tmp/: mode %o uid %d mtime %v; want 1777, 0, %v", hdr.Mode, hdr.Uid, hdr.ModTime, testTime)
			}
			break
		}
	}
	// Exporting the lowers alone is the image's view: /home is deleted by the top layer.
	b.Reset()
	if err := Export(&b, lowers, ""); err != nil {
		t.Fatal(err)
	}
	for _, line := range listTar(t, &b) {
		if line == "5 home/" || line == "0 etc/new = N" {
			t.Errorf("export of the lowers alone has %q", line)
		}
	}
}

// A renamed directory (overlayfs's redirect_dir=on, off in Mini's mounts) is refused, not read
// as if it were a new, empty one.
func TestCh07RedirectRefused(t *testing.T) {
	lowers, upper := layers(t)
	build(t, upper, "d moved")
	if err := unix.Setxattr(filepath.Join(upper, "moved"), redirectXattr, []byte("/var"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := Diff(lowers, upper); err == nil || !strings.Contains(err.Error(), "renamed directory") {
		t.Errorf("diff of an upper with a redirect: %v; want a refusal", err)
	}
	if err := Export(io.Discard, lowers, upper); err == nil || !strings.Contains(err.Error(), "renamed directory") {
		t.Errorf("export of an upper with a redirect: %v; want a refusal", err)
	}
}
