//mini:chapter 02

package rootfs

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// PivotRoot makes root the root of the container's mount namespace and detaches the old root.
//
// Unlike chroot, pivot_root(2) changes the root *mount* of the whole mount namespace. Once the
// old root is unmounted there is no path, ".." or otherwise, that leads back to the host's
// filesystem: the chroot breakout of chapter 01 finds nothing above "/".
//
// root must be a mount point (Mount bind-mounts it onto itself) and no mount in the namespace
// may be shared (Mount makes them private): otherwise pivot_root fails with EINVAL.
func PivotRoot(root string, n *explain.Narrator) error {
	//mini:solution 02.3 Pivot the root to root with pivot_root(".", "."), then detach the old root and chdir to "/".
	if err := unix.Chdir(root); err != nil {
		return fmt.Errorf("chdir %s: %w", root, err)
	}
	// pivot_root(".", ".") is the trick from pivot_root(2)'s notes: the new root and the put-old
	// directory are the same, so the old root ends up stacked on top of the new one at "/", and
	// no directory has to be created in the container's filesystem to hold it.
	n.Step(explain.Mount, explain.Sh(
		fmt.Sprintf("cd %s && pivot_root . .", root)), "pivot_root: "+root+" becomes /, the old root stacked on it")

	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root to %s: %w (the new root must be a mount point and no mount may be shared)", root, err)
	}
	// Detach the old root (MNT_DETACH: lazily, since our own binary still runs from it). From
	// here on the host's filesystem is unreachable.
	n.Step(explain.Mount, explain.Sh("umount -l ."), "detach the old root: the host's filesystem is gone from the container")
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir / after pivot_root: %w", err)
	}
	return nil
	//mini:stub return todo.Step("02.3")
	//mini:end
}
