//mini:chapter 01

package rootfs

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// Chroot makes root the process's root directory: from now on "/" means root, for this process
// and the command it execs. See chroot(2).
//
// chroot changes one thing only: where path lookups that start with "/" begin. It does not move
// the current directory, and it does not stop a root process from calling chroot again. That is
// the classic breakout: chroot into a subdirectory, so that the current directory is now
// *outside* the root, then walk up with ".." past the real root, and chroot there. The lab in
// chapter 01 does exactly that; chapter 02's pivot_root closes the hole.
func Chroot(root string, n *explain.Narrator) error {
	n.Step(explain.Chroot, explain.Sh("chroot "+root), "change the root directory to "+root)
	//mini:solution 01.1 Change the root to root, then move the current directory into it.
	if err := unix.Chroot(root); err != nil {
		return fmt.Errorf("chroot %s: %w", root, err)
	}
	// Without this the current directory would still be the host's, outside the new root: a
	// relative path would reach host files straight away.
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir / after chroot: %w", err)
	}
	return nil
	//mini:stub return todo.Step("01.1")
	//mini:end
}
