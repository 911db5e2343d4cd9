//mini:chapter 05

package network

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// Inside is the init side's part: it runs in the container's namespaces, before the root
// changes. It brings up lo (a new network namespace has one, down: even 127.0.0.1 does not work
// until it is up) and bind-mounts the /etc files the host side wrote over the root's own.
func Inside(o Options, root string, n *explain.Narrator) error {
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
	for _, f := range o.Files {
		target := filepath.Join(root, f.Target)
		// A bind mount needs a file to mount on. Mini does not create one: that would change the
		// root filesystem, which is not this container's alone.
		if _, err := os.Stat(target); err != nil {
			n.Stepf(explain.Mount, explain.None, "skip %s: the root filesystem has no file to mount it on", f.Target)
			continue
		}
		n.Stepf(explain.Mount, explain.Sh(fmt.Sprintf("mount --bind %s %s", f.Source, target)), "mount the container's own %s", f.Target)
		if err := unix.Mount(f.Source, target, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mount %s on %s: %w", f.Source, target, err)
		}
	}
	return nil
}
