//mini:chapter 07

package volume

import (
	"errors"
	"fmt"
	"os"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/rootfs"
)

// Inside is the init side's part: it bind-mounts each source on its target in the container's
// root, after the overlay and /proc, /sys, /dev are mounted and before the root changes (the
// sources are host paths: after pivot_root they are out of reach). It runs in the container's
// own mount namespace, whose propagation is private: the mounts never appear on the host, and
// the kernel removes them with the namespace.
func Inside(root string, mounts []Mount, n *explain.Narrator) error {
	for _, m := range mounts {
		st, err := os.Stat(m.Source)
		if err != nil {
			return fmt.Errorf("volume source %s: %w", m.Source, err)
		}
		// The target is looked up inside the root, as the container will see it: an image's
		// /data -> /etc symbolic link must put the mount on the image's /etc, never the host's.
		var target string
		if st.IsDir() {
			target, err = securejoin.SecureJoin(root, m.Target)
			if err == nil {
				err = os.MkdirAll(target, 0o755)
			}
		} else {
			target, _, err = rootfs.File(root, m.Target)
		}
		if errors.Is(err, unix.EROFS) {
			return fmt.Errorf("cannot make %s to mount a volume on: the root filesystem is read-only and has none", m.Target)
		}
		if err != nil {
			return fmt.Errorf("the mount point %s of a volume: %w", m.Target, err)
		}
		n.Stepf(explain.Mount, explain.Sh(fmt.Sprintf("mount --rbind %s %s", m.Source, target)), "mount %s on %s", describe(m), m.Target)
		// MS_REC: a host directory with mounts under it is seen whole, as `mount --rbind`.
		if err := unix.Mount(m.Source, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind-mount %s on %s: %w", m.Source, m.Target, err)
		}
		if m.ReadOnly {
			// A bind mount takes MS_RDONLY only in a second, remounting call (mount(2)).
			n.Stepf(explain.Mount, explain.Sh(fmt.Sprintf("mount -o remount,bind,ro %s", target)), "make %s read-only", m.Target)
			if err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
				return fmt.Errorf("make the volume on %s read-only: %w", m.Target, err)
			}
		}
	}
	return nil
}

func describe(m Mount) string {
	switch {
	case m.Anonymous:
		return "an anonymous volume"
	case m.Volume != "":
		return "the volume " + m.Volume
	}
	return "the host's " + m.Source
}
