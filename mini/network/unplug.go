//mini:chapter 07

package network

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// unplugVeth is removeVeth on a network that outlives its containers. Nobody counts that
// bridge's ports to remove it, so nothing needs the veth gone: only unplugged, so that the
// dying network namespace behind it, which still has the container's address on its eth0 until
// the kernel gets to it, can no longer answer on the bridge for an address given to the next
// container. The kernel deletes the veth a few milliseconds later, as it would have; waiting for
// that (it unregisters a device behind an RCU grace period) was ~10 ms of every bridged `run
// --rm` (docs/performance.md). An unplugged veth is a dead container's: bridgePorts skips it,
// and a new run of the same container deletes it if it is still there (reuseVethName).
func unplugVeth(host string, exited bool, n *explain.Narrator) error {
	if !exited {
		return removeVeth(host, exited, n) // the init process still runs: the veth would stay
	}
	link, err := netlink.LinkByName(host)
	if errors.As(err, new(netlink.LinkNotFoundError)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look for veth %s: %w", host, err)
	}
	n.Stepf(explain.Network, explain.Sh("ip link set "+host+" nomaster"),
		"unplug %s from the bridge; the kernel deletes it with the container's network namespace", host)
	if err := netlink.LinkSetNoMaster(link); err != nil && !errors.As(err, new(netlink.LinkNotFoundError)) && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("unplug veth %s from the bridge: %w", host, err)
	}
	return nil
}

// reuseVethName makes way for a container's veth when the container's previous run left its
// own there, unplugged and not yet deleted by the kernel (unplugVeth): a restart can come
// sooner than the kernel. Anything else under that name is not ours, and createVeth's "file
// exists" says so.
func reuseVethName(host, id string, n *explain.Narrator) error {
	link, err := netlink.LinkByName(host)
	if err != nil {
		return nil // not there (or not readable: createVeth will say)
	}
	if owner, _, ok := labelled(link); link.Attrs().MasterIndex != 0 || !ok || owner != id {
		return nil
	}
	n.Stepf(explain.Network, explain.Sh("ip link del "+host), "delete %s, this container's veth from its last run, which the kernel has not deleted yet", host)
	if err := netlink.LinkDel(link); err != nil && !errors.As(err, new(netlink.LinkNotFoundError)) && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete the last run's veth %s: %w", host, err)
	}
	return nil
}
