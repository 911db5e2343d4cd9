//mini:chapter 05

package network

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/rootfs"
)

// Inside is the init side's part: it runs in the container's namespaces, before the root
// changes. It brings up lo (a new network namespace has one, down: even 127.0.0.1 does not work
// until it is up) and bind-mounts the /etc files the host side wrote over the root's own.
func Inside(o Options, files []File, root string, n *explain.Narrator) error {
	if o.NewNamespace() {
		n.Step(explain.Network, explain.Sh("ip link set lo up"), "bring up lo in the new network namespace")
		lo, err := netlink.LinkByName("lo")
		if err != nil {
			return fmt.Errorf("find lo in the container: %w", err)
		}
		if err := netlink.LinkSetUp(lo); err != nil {
			return fmt.Errorf("bring lo up in the container: %w", err)
		}
	}
	for _, f := range files {
		// Every container gets these files, whether the root filesystem has them or not (a
		// debootstrap minbase has no /etc/hosts), and the target is looked up inside the root:
		// an image's etc/hosts -> /etc/shadow must not put a mount on the host's file.
		target, created, err := rootfs.File(root, f.Target)
		if errors.Is(err, unix.EROFS) {
			// --read-only, and the root filesystem has no such file to mount on.
			n.Stepf(explain.Mount, explain.None, "skip %s: the root filesystem is read-only and has no file to mount it on", f.Target)
			continue
		}
		if err != nil {
			return err
		}
		if created {
			n.Stepf(explain.Mount, explain.Sh("touch "+target), "create an empty %s to mount on: the root filesystem has none", f.Target)
		}
		n.Stepf(explain.Mount, explain.Sh(fmt.Sprintf("mount --bind %s %s", f.Source, target)), "mount the container's own %s", f.Target)
		if err := unix.Mount(f.Source, target, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mount %s on %s: %w", f.Source, target, err)
		}
	}
	return nil
}
