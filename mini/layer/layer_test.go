//mini:chapter 06

package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// A layer unpacks the same from a plain, a gzip and a zstd stream, and its diffID is the sha256
// of the plain tar in all three cases.
func TestApplyCompressions(t *testing.T) {
	plain := makeTar(t,
		dirEntry("etc/"),
		fileEntry("etc/motd", "hello\n"),
		symlinkEntry("motd", "etc/motd"),
		hardlinkEntry("etc/motd2", "etc/motd"),
	)
	want := digest.Digest(fmt.Sprintf("sha256:%x", sha256.Sum256(plain)))
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(plain)
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(plain)
	zw.Close()
	for name, blob := range map[string][]byte{"plain": plain, "gzip": gz.Bytes(), "zstd": zs.Bytes()} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			got, err := Apply(dir, bytes.NewReader(blob))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("diffID %s, want %s", got, want)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "motd")); err != nil || string(b) != "hello\n" {
				t.Errorf("motd through the symlink: %q, %v", b, err)
			}
			a, _ := os.Stat(filepath.Join(dir, "etc/motd"))
			b, _ := os.Stat(filepath.Join(dir, "etc/motd2"))
			if a == nil || b == nil || !os.SameFile(a, b) {
				t.Errorf("etc/motd2 is not a hard link of etc/motd")
			}
			if st, _ := os.Stat(filepath.Join(dir, "etc")); st == nil || !st.ModTime().Equal(testTime) {
				t.Errorf("etc's mtime is not the tar's %v: %v", testTime, st)
			}
		})
	}
}

// A truncated layer is an error, not a shorter layer.
func TestApplyTruncated(t *testing.T) {
	plain := makeTar(t, fileEntry("big", string(bytes.Repeat([]byte("x"), 5000))))
	if _, err := Apply(t.TempDir(), bytes.NewReader(plain[:2000])); err == nil {
		t.Fatal("a truncated layer was applied without an error")
	}
}

// Modes (setuid included), owners, mtimes and xattrs are exactly what the tar says.
func TestApplyMetadata(t *testing.T) {
	needRoot(t)
	suid := fileEntry("bin/su", "#!/bin/sh\n")
	suid.hdr.Mode, suid.hdr.Uid, suid.hdr.Gid = 0o4755, 0, 0
	owned := fileEntry("home/ann/notes", "x")
	owned.hdr.Mode, owned.hdr.Uid, owned.hdr.Gid = 0o600, 1000, 1001
	caps := fileEntry("bin/ping", "elf")
	caps.hdr.Mode = 0o755
	caps.hdr.PAXRecords = map[string]string{"SCHILY.xattr.user.origin": "test"}
	fifo := entry{hdr: tar.Header{Typeflag: tar.TypeFifo, Name: "run/pipe", Mode: 0o620}}
	dir := t.TempDir()
	if _, err := Apply(dir, bytes.NewReader(makeTar(t, suid, owned, caps, fifo))); err != nil {
		t.Fatal(err)
	}
	check := func(name string, mode os.FileMode, uid, gid uint32) {
		t.Helper()
		st, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sys := st.Sys().(*syscall.Stat_t)
		if sys.Mode&0o7777 != uint32(mode) || sys.Uid != uid || sys.Gid != gid {
			t.Errorf("%s: mode %o uid %d gid %d, want %o %d %d", name, sys.Mode&0o7777, sys.Uid, sys.Gid, mode, uid, gid)
		}
		if !st.ModTime().Equal(testTime) {
			t.Errorf("%s: mtime %v, want %v", name, st.ModTime(), testTime)
		}
	}
	check("bin/su", 0o4755, 0, 0)
	check("home/ann/notes", 0o600, 1000, 1001)
	check("run/pipe", 0o620, 0, 0)
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(filepath.Join(dir, "bin/ping"), "user.origin", buf)
	if err != nil || string(buf[:n]) != "test" {
		t.Errorf("bin/ping's xattr user.origin: %q, %v", buf[:n], err)
	}
}

// Later entries replace earlier ones, as tar itself does.
func TestApplyReplaces(t *testing.T) {
	dir := t.TempDir()
	layer := makeTar(t,
		fileEntry("a", "first"),
		fileEntry("a", "second"),
		dirEntry("d/"),
		fileEntry("d/x", "x"),
		fileEntry("d", "now a file"),
	)
	if _, err := Apply(dir, bytes.NewReader(layer)); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a": "second", "d": "now a file"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", name, b, err, want)
		}
	}
}
