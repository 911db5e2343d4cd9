//mini:chapter 06

package layer

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// An OCI layer records a deletion as an empty file named after what it deletes (image-spec,
// layer.md, "Whiteouts"): ".wh.NAME" deletes NAME from the layers below, and ".wh..wh..opq" in a
// directory hides everything the layers below have in that directory. overlayfs has its own way
// of saying the same (Documentation/filesystems/overlayfs.rst): a character device with device
// number 0/0 named NAME, and the xattr trusted.overlay.opaque=y on the directory. Since Mini
// stacks unpacked layers with overlayfs, it writes overlayfs's form.
const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	opaqueWhiteout = ".wh..wh..opq"
	opaqueXattr    = "trusted.overlay.opaque"
)

// isWhiteout reports whether an entry's base name is a whiteout.
func isWhiteout(base string) bool { return strings.HasPrefix(base, whiteoutPrefix) }

// applyWhiteout checks a whiteout entry and applies it in dir, the directory it is in.
func applyWhiteout(dir *os.File, base string) error {
	if base != opaqueWhiteout && strings.HasPrefix(base, whiteoutMeta) {
		// Other ".wh..wh." names are AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): nothing to
		// delete, nothing overlayfs needs.
		return nil
	}
	if name := strings.TrimPrefix(base, whiteoutPrefix); base != opaqueWhiteout && (name == "" || name == "." || name == "..") {
		return fmt.Errorf("a whiteout of %q: %w", name, ErrRefused)
	}
	return whiteout(dir, base)
}

// whiteout writes overlayfs's form of the whiteout named base into dir.
func whiteout(dir *os.File, base string) error {
	//mini:solution 06.3 Turn an OCI whiteout into overlayfs's: .wh..wh..opq becomes the opaque xattr on the directory, .wh.NAME a 0/0 character device named NAME.
	if base == opaqueWhiteout {
		if err := unix.Fsetxattr(int(dir.Fd()), opaqueXattr, []byte("y"), 0); err != nil {
			return fmt.Errorf("mark %s opaque: setxattr %s: %w", dir.Name(), opaqueXattr, err)
		}
		return nil
	}
	name := strings.TrimPrefix(base, whiteoutPrefix)
	err := unix.Mknodat(int(dir.Fd()), name, unix.S_IFCHR, int(unix.Mkdev(0, 0)))
	if errors.Is(err, unix.EEXIST) {
		// The layer itself has NAME too: a whiteout hides only what the layers below have, and
		// this layer's own NAME hides that already.
		return nil
	}
	if err != nil {
		return fmt.Errorf("whiteout %s: mknod c 0 0: %w", name, err)
	}
	return nil
	//mini:stub return todo.Step("06.3")
	//mini:end
}
