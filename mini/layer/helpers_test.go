//mini:chapter 06

package layer

import (
	"archive/tar"
	"bytes"
	"os"
	"testing"
	"time"
)

// entry is one tar entry for a test layer: a header and, for a regular file, its content.
type entry struct {
	hdr  tar.Header
	body string
}

var testTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

func dirEntry(name string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755}}
}

func fileEntry(name, body string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644}, body: body}
}

func symlinkEntry(name, target string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}

func hardlinkEntry(name, target string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target}}
}

// makeTar writes the entries as a tar, owned by the test's own user (so that lchown works
// without root) unless an entry says otherwise.
func makeTar(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := e.hdr
		if hdr.Uid == 0 && hdr.Gid == 0 {
			hdr.Uid, hdr.Gid = os.Getuid(), os.Getgid()
		}
		if hdr.ModTime.IsZero() {
			hdr.ModTime = testTime
		}
		hdr.Size = int64(len(e.body))
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creating device nodes, trusted.* xattrs and files owned by others takes CAP_MKNOD, CAP_SYS_ADMIN and CAP_CHOWN")
	}
}
