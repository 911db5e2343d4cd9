//mini:chapter 06

package layer

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// Step 06.3: a whiteout ".wh.NAME" becomes a 0/0 character device NAME, and ".wh..wh..opq" the
// opaque xattr on its directory: what overlayfs reads as "deleted" and "hide the lower layers".
func TestCh06Step3Whiteouts(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "etc"), 0o755)
	d, err := os.Open(filepath.Join(dir, "etc"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := whiteout(d, ".wh.passwd"); err != nil {
		t.Fatalf("whiteout .wh.passwd: %v", err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(dir, "etc", "passwd"), &st); err != nil {
		t.Fatalf("no whiteout device etc/passwd: %v", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("etc/passwd: mode %o rdev %d; want a character device 0/0 (mknod c 0 0)", st.Mode, st.Rdev)
	}
	if _, err := os.Lstat(filepath.Join(dir, "etc", ".wh.passwd")); !os.IsNotExist(err) {
		t.Errorf("the OCI whiteout file .wh.passwd itself was created: overlayfs would show it")
	}
	if err := whiteout(d, ".wh..wh..opq"); err != nil {
		t.Fatalf("whiteout .wh..wh..opq: %v", err)
	}
	buf := make([]byte, 8)
	n, err := unix.Lgetxattr(filepath.Join(dir, "etc"), "trusted.overlay.opaque", buf)
	if err != nil || string(buf[:n]) != "y" {
		t.Errorf("etc's trusted.overlay.opaque: %q, %v; want \"y\"", buf[:n], err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "etc", ".wh..wh..opq")); !os.IsNotExist(err) {
		t.Errorf("the OCI opaque marker .wh..wh..opq itself was created")
	}
	// A whiteout of a name this same layer also has leaves the layer's own file alone.
	os.WriteFile(filepath.Join(dir, "etc", "hosts"), []byte("mine"), 0o644)
	if err := whiteout(d, ".wh.hosts"); err != nil {
		t.Errorf("whiteout of a name the layer has: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc", "hosts")); string(b) != "mine" {
		t.Errorf("the layer's own etc/hosts was replaced by the whiteout")
	}
}
