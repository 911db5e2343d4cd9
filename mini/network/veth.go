//mini:chapter 05

package network

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// createVeth creates the container's veth pair: a virtual cable with two ends. The host end,
// called host, is plugged into the bridge and up; the other end is created directly inside the
// network namespace of process pid, as eth0.
//
// A network namespace starts with nothing but lo: a veth is how packets cross between it and
// the host, what goes into one end comes out of the other. Creating the inside end in place
// (IFLA_NET_NS_PID on the peer, see veth(4)) saves the move that `ip link set ... netns` does
// afterwards: on a test machine ~1.7 ms instead of ~17 ms (BenchmarkVeth*).
func createVeth(host string, br netlink.Link, pid int, n *explain.Narrator) error {
	n.Stepf(explain.Network, explain.Sh(fmt.Sprintf("ip link add %s master %s up type veth peer name eth0 netns %d", host, br.Attrs().Name, pid)),
		"create the veth pair: %s on the bridge, eth0 in the container's network namespace (of PID %d)", host, pid)

	//mini:solution 05.1 Create the veth pair in one netlink request: host end named host, on the bridge (MasterIndex) and up; peer eth0 created in the network namespace of pid (netlink.NsPid).
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: host, MasterIndex: br.Attrs().Index, Flags: net.FlagUp},
		PeerName:      "eth0",
		PeerNamespace: netlink.NsPid(pid),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth pair %s/eth0 in the network namespace of PID %d: %w", host, pid, err)
	}
	return nil
	//mini:stub return todo.Step("05.1")
	//mini:end
}

// label sets the host end's alias to "mini ID ADDRESS": the kernel keeps that record of whose
// the veth is exactly as long as the container's network lives (see bridgePorts).
func label(host, id string, ip netip.Addr, n *explain.Narrator) error {
	alias := fmt.Sprintf("mini %s %s", id, ip)
	n.Stepf(explain.Network, explain.Sh(fmt.Sprintf("ip link set %s alias '%s'", host, alias)), "label %s with its container and address", host)
	link, err := netlink.LinkByName(host)
	if err == nil {
		err = netlink.LinkSetAlias(link, alias)
	}
	if err != nil {
		return fmt.Errorf("label veth %s: %w", host, err)
	}
	return nil
}

// labelled reads label's alias back: the container and the address a veth is for. ok is false
// for a link that is no container's veth.
func labelled(l netlink.Link) (id string, ip netip.Addr, ok bool) {
	f := strings.Fields(l.Attrs().Alias)
	if len(f) != 3 || f[0] != "mini" {
		return "", netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(f[2])
	return f[1], ip, err == nil
}

// configureInside gives eth0, inside the container's namespace, its address, brings it up and
// routes everything else through the gateway. It runs on the host side, through a netlink socket
// opened in that namespace (a "netns handle"): no process has to enter it.
func configureInside(pid int, addr netip.Prefix, gateway netip.Addr, n *explain.Narrator) error {
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return fmt.Errorf("open the network namespace of PID %d: %w", pid, err)
	}
	defer ns.Close()
	// Only the routing family: links, addresses, routes. (Asking for every family also opens
	// XFRM and netfilter sockets, which fail on kernels without those modules.)
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in the network namespace of PID %d: %w", pid, err)
	}
	defer h.Close()
	eth0, err := h.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("find eth0 in the container: %w", err)
	}
	in := fmt.Sprintf("nsenter -t %d -n ", pid)
	n.Step(explain.Network, explain.Sh(
		fmt.Sprintf("%sip addr add %s dev eth0\n%sip link set eth0 up\n%sip route add default via %s", in, addr, in, in, gateway)), fmt.Sprintf("give eth0 the address %s and bring it up; default route via the gateway %s", addr, gateway))

	//mini:solution 05.2 Through the handle h (a netlink socket in the container's namespace): give eth0 the address addr, bring it up, and add the default route via gateway.
	if err := h.AddrAdd(eth0, &netlink.Addr{IPNet: ipNet(addr)}); err != nil {
		return fmt.Errorf("add %s to the container's eth0: %w", addr, err)
	}
	if err := h.LinkSetUp(eth0); err != nil {
		return fmt.Errorf("bring the container's eth0 up: %w", err)
	}
	route := &netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: gateway.AsSlice()}
	if err := h.RouteAdd(route); err != nil {
		return fmt.Errorf("add the container's default route via %s: %w", gateway, err)
	}
	return nil
	//mini:stub _ = eth0
	//mini:stub return todo.Step("05.2")
	//mini:end
}

// removeVeth is the teardown of createVeth. When the container's processes are gone, so is its
// network namespace, and the kernel destroys the veth with it (both ends: a veth never outlives
// its peer), in the background. Mini deletes nothing, but it waits until the veth is gone: the
// next container to end on this bridge counts the bridge's ports to know whether it is the last
// one and must remove the bridge, and a veth still dying in the background would make it miss
// that (and leave the bridge and its rules behind). If the init process still runs (a start
// that failed), Mini deletes the host end itself.
func removeVeth(host string, exited bool, n *explain.Narrator) error {
	if exited {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if _, err := netlink.LinkByName(host); errors.As(err, new(netlink.LinkNotFoundError)) {
				n.Stepf(explain.Network, explain.None, "the kernel deleted %s with the container's network namespace", host)
				return nil
			}
		}
	}
	link, err := netlink.LinkByName(host)
	if errors.As(err, new(netlink.LinkNotFoundError)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look for veth %s: %w", host, err)
	}
	n.Stepf(explain.Network, explain.Sh("ip link del "+host), "delete the veth pair %s/eth0", host)
	if err := netlink.LinkDel(link); err != nil {
		return fmt.Errorf("delete veth %s: %w", host, err)
	}
	return nil
}
