//mini:chapter 06

package layer

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Step 06.4: every way a layer can try to write outside its directory is refused, with an error
// that names the entry, and nothing appears outside.
func TestCh06Step4RefuseEscapes(t *testing.T) {
	outside := t.TempDir() // stands for the host: /etc and friends
	os.WriteFile(filepath.Join(outside, "secret"), []byte("host's"), 0o600)
	cases := []struct {
		name    string
		entries []entry
		entry   string // the entry the error must name
	}{
		{"dotdot", []entry{fileEntry("../../../../../../.."+outside+"/pwned", "x")}, "../../../../../../.." + outside + "/pwned"},
		{"dotdot-in-the-middle", []entry{dirEntry("a/"), fileEntry("a/../../pwned", "x")}, "a/../../pwned"},
		{"absolute-symlink-then-write", []entry{
			symlinkEntry("etc", outside),
			fileEntry("etc/pwned", "x"),
		}, "etc/pwned"},
		{"relative-symlink-then-write", []entry{
			symlinkEntry("up", "../../../../../../../.."+outside),
			fileEntry("up/pwned", "x"),
		}, "up/pwned"},
		{"nested-symlink-then-mkdir", []entry{
			dirEntry("a/"),
			symlinkEntry("a/b", "../.."),
			dirEntry("a/b/pwned/"),
		}, "a/b/pwned/"},
		{"symlink-chain", []entry{
			symlinkEntry("one", "two"),
			symlinkEntry("two", outside),
			fileEntry("one/pwned", "x"),
		}, "one/pwned"},
		{"hardlink-dotdot", []entry{hardlinkEntry("pwned", "../../../../../../.."+outside+"/secret")}, "pwned"},
		{"hardlink-absolute", []entry{hardlinkEntry("pwned", outside+"/secret")}, "pwned"},
		{"hardlink-through-symlink", []entry{
			symlinkEntry("host", outside),
			hardlinkEntry("pwned", "host/secret"),
		}, "pwned"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Apply(dir, bytes.NewReader(makeTar(t, c.entries...)))
			if err == nil {
				t.Fatal("the layer was applied")
			}
			if !errors.Is(err, ErrRefused) {
				t.Errorf("error %q does not say the entry was refused", err)
			}
			if want := `"` + c.entry + `"`; !bytes.Contains([]byte(err.Error()), []byte(want)) {
				t.Errorf("error %q does not name the entry %s", err, c.entry)
			}
			assertOutsideUntouched(t, outside)
		})
	}
}

// Step 06.4: a symlink that stays inside the layer still works, relative or through "..", as in
// every real image ("lib -> usr/lib").
func TestCh06Step4SymlinkInsideLayer(t *testing.T) {
	dir := t.TempDir()
	layer := makeTar(t,
		dirEntry("usr/lib/"),
		symlinkEntry("lib", "usr/lib"),
		fileEntry("lib/libc.so", "elf"),
		dirEntry("usr/bin/"),
		symlinkEntry("usr/bin/lib", "../lib"),
		fileEntry("usr/bin/lib/libm.so", "elf"),
	)
	if _, err := Apply(dir, bytes.NewReader(layer)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"usr/lib/libc.so", "usr/lib/libm.so"} {
		if _, err := os.Lstat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// Device nodes, overlayfs's own xattrs and whiteouts of "." or ".." are refused too.
func TestRefuseDevicesAndOverlayXattrs(t *testing.T) {
	disk := entry{hdr: tar.Header{Typeflag: tar.TypeBlock, Name: "dev/sda", Mode: 0o600, Devmajor: 8}}
	mem := entry{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "dev/mem", Mode: 0o600, Devmajor: 1, Devminor: 1}}
	redirect := fileEntry("x", "")
	redirect.hdr.PAXRecords = map[string]string{"SCHILY.xattr.trusted.overlay.redirect": "/etc"}
	for name, e := range map[string]entry{"block": disk, "char": mem, "overlay-xattr": redirect,
		"whiteout-dotdot": fileEntry("a/.wh...", ""), "absolute": fileEntry("/etc/passwd", "")} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Apply(dir, bytes.NewReader(makeTar(t, e)))
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("want a refusal, got %v", err)
			}
			if _, err := os.Lstat(filepath.Join(dir, e.hdr.Name)); err == nil && name != "whiteout-dotdot" {
				t.Errorf("%s was created", e.hdr.Name)
			}
		})
	}
}

func assertOutsideUntouched(t *testing.T, outside string) {
	t.Helper()
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 || entries[0].Name() != "secret" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the directory outside the layer now holds %v", names)
	}
	if st, err := os.Stat(filepath.Join(outside, "secret")); err != nil {
		t.Errorf("secret: %v", err)
	} else if n := st.Sys().(*syscall.Stat_t).Nlink; n != 1 {
		t.Errorf("the host's file has %d links: the layer linked to it", n)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "secret")); string(b) != "host's" {
		t.Errorf("the host's file was changed: %q", b)
	}
}
