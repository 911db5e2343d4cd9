//mini:chapter 07

package changes

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// tarOf writes the headers (with Size set from the body) as a tar.
func tarOf(t *testing.T, entries ...any) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for i := 0; i < len(entries); i += 2 {
		hdr, body := entries[i].(tar.Header), entries[i+1].(string)
		hdr.Size = int64(len(body))
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
		hdr.ModTime = testTime
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	return &b
}

// cp - CTR:DIR unpacks a tar into a directory of the container, with cp's rules: the upper of a
// stopped container, copy-ups, a symlink as text.
func TestCh07CopyInTar(t *testing.T) {
	lowers, upper := layers(t)
	r := Root{Lower: lowers, Upper: upper}
	in := tarOf(t,
		tar.Header{Name: "conf/", Typeflag: tar.TypeDir, Mode: 0o750}, "",
		tar.Header{Name: "conf/a", Typeflag: tar.TypeReg}, "A",
		tar.Header{Name: "conf/pw", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, "",
		tar.Header{Name: "./group", Typeflag: tar.TypeReg}, "new group",
	)
	if err := CopyInTar(r, in, "/etc"); err != nil {
		t.Fatal(err)
	}
	want := []string{"0 conf/a = A", "0 group = new group", "0 new = N", "0 passwd = root2", "2 conf/pw -> /etc/passwd", "5 conf/", "w old"}
	if d := cmp.Diff(want, listDir(t, filepath.Join(upper, "etc"))); d != "" {
		t.Errorf("upper/etc after cp - CTR:/etc (-want +got):\n%s", d)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(upper, "etc", "conf"), &st); err != nil || st.Mode&0o7777 != 0o750 || st.Mtim.Sec != testTime.Unix() {
		t.Errorf("upper/etc/conf: mode %o mtime %d (%v); want the tar's 750 and %d", st.Mode&0o7777, st.Mtim.Sec, err, testTime.Unix())
	}
	if err := CopyInTar(r, tarOf(t), "/etc/passwd"); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("cp - CTR:/etc/passwd: %v; want: not a directory", err)
	}
}

// The tar is a stranger's: a name that climbs or is absolute is refused, an entry through a
// symlink that an earlier entry made is refused, and so are hard links and devices. Nothing
// lands outside the container.
func TestCh07CopyInTarRefusesEscapes(t *testing.T) {
	lowers, upper := layers(t)
	outside := t.TempDir()
	dir := t.TempDir()
	build(t, dir, "d etc")
	for name, r := range map[string]Root{"stopped": {Lower: lowers, Upper: upper}, "running": {Dir: dir}} {
		for _, c := range []struct {
			what string
			in   *bytes.Buffer
			want error
		}{
			{"../", tarOf(t, tar.Header{Name: "../../escaped", Typeflag: tar.TypeReg}, "x"), ErrEscape},
			{"absolute", tarOf(t, tar.Header{Name: "/escaped", Typeflag: tar.TypeReg}, "x"), ErrEscape},
			{"through a symlink", tarOf(t,
				tar.Header{Name: "x", Typeflag: tar.TypeSymlink, Linkname: outside}, "",
				tar.Header{Name: "x/escaped", Typeflag: tar.TypeReg}, "x"), nil}, // x is not a directory to cp
			{"hard link", tarOf(t,
				tar.Header{Name: "f", Typeflag: tar.TypeReg}, "x",
				tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "f"}, ""), nil},
			{"device", tarOf(t, tar.Header{Name: "sda", Typeflag: tar.TypeBlock, Devmajor: 8}, ""), nil},
		} {
			err := CopyInTar(r, c.in, "/etc")
			if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
				t.Errorf("%s: cp - CTR:/etc with %s: %v; want a refusal (%v)", name, c.what, err, c.want)
			}
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("cp wrote outside the container: %v", entries)
	}
	for _, p := range []string{filepath.Join(filepath.Dir(upper), "escaped"), filepath.Join(filepath.Dir(dir), "escaped"), "/escaped"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("cp wrote outside the container: %s", p)
		}
	}
}
