//mini:chapter 05

package network

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"

	"github.com/minikit/kit/mini/explain"
)

// bridge is Mini's bridge as Attach found or made it.
type bridge struct {
	link    netlink.Link
	subnet  netip.Prefix // 10.88.0.0/16
	gateway netip.Addr   // the bridge's own address, the containers' default gateway: 10.88.0.1
}

// bridgeMark is the alias (ip link set NAME alias ...) of every bridge Mini made.
const bridgeMark = "mini-bridge"

// ensureBridge returns the bridge called name, creating it when it does not exist yet.
//
// A bridge is a virtual switch in the host's kernel: every container's veth is plugged into it,
// so the containers reach one another at layer 2, and the bridge's own address makes the host
// one more machine on that switch: the containers' gateway. See ip-link(8), type bridge.
func ensureBridge(name string, want netip.Prefix, n *explain.Narrator) (*bridge, error) {
	link, err := netlink.LinkByName(name)
	if err == nil {
		return existingBridge(link, want)
	}
	var notFound netlink.LinkNotFoundError
	if !errors.As(err, &notFound) {
		return nil, fmt.Errorf("look for bridge %s: %w", name, err)
	}
	subnet, err := chooseSubnet(name, want)
	if err != nil {
		return nil, err
	}
	b := &bridge{subnet: subnet, gateway: subnet.Addr().Next()}
	// A fixed MAC address: without one, a bridge takes the lowest MAC of its ports, and the
	// gateway's MAC would change under the containers' ARP caches as containers come and go.
	mac := make(net.HardwareAddr, 6)
	rand.Read(mac)
	mac[0] = mac[0]&^1 | 2 // unicast, locally administered
	n.Stepf(explain.Network, explain.Sh(fmt.Sprintf("ip link add %s address %s type bridge", name, mac)), "create the bridge %s", name)
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name, HardwareAddr: mac}}
	if err := netlink.LinkAdd(br); err != nil {
		return nil, fmt.Errorf("create bridge %s: %w", name, err)
	}
	b.link = br
	// The mark that says "Mini made this bridge": Mini uses and deletes no other. The name
	// alone proves nothing: --bridge docker0 would adopt Docker's bridge, hand out addresses its
	// containers use, and delete it with Mini's last container.
	n.Stepf(explain.Network, explain.Sh(fmt.Sprintf("ip link set %s alias %s", name, bridgeMark)), "mark %s as Mini's own bridge", name)
	if err := netlink.LinkSetAlias(br, bridgeMark); err != nil {
		netlink.LinkDel(br)
		return nil, fmt.Errorf("mark bridge %s as Mini's: %w", name, err)
	}
	if err := b.configure(name, n); err != nil {
		netlink.LinkDel(br)
		return nil, err
	}
	return b, nil
}

// configure gives a new bridge its address and brings it up.
func (b *bridge) configure(name string, n *explain.Narrator) error {
	addr := netip.PrefixFrom(b.gateway, b.subnet.Bits())
	n.Stepf(explain.Network, explain.Sh(fmt.Sprintf("ip addr add %s dev %s", addr, name)),
		"give the bridge the gateway address %s: the kernel adds the route to %s through it", addr, b.subnet)

	if err := netlink.AddrAdd(b.link, &netlink.Addr{IPNet: ipNet(addr)}); err != nil {
		return fmt.Errorf("add %s to bridge %s: %w", addr, name, err)
	}
	// route_localnet: a packet from 127.0.0.1 that a DNAT rule sends to a container must leave
	// through the bridge; by default the kernel drops such packets as "martians" (ip-sysctl).
	n.Stepf(explain.Network, explain.Sh(fmt.Sprintf("sysctl -w net.ipv4.conf.%s.route_localnet=1", name)),
		"let packets from 127.0.0.1 be routed into %s (for published ports reached through 127.0.0.1)", name)

	if err := os.WriteFile(fmt.Sprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", name), []byte("1"), 0o644); err != nil {
		return fmt.Errorf("set route_localnet on %s: %w", name, err)
	}
	// accept_ra=0: the bridge must not take IPv6 router advertisements from its ports. A
	// container with CAP_NET_RAW could otherwise announce itself as the host's IPv6 router and
	// receive the host's traffic (CVE-2020-13401). (No file: IPv6 is off on this host.)
	raFile := fmt.Sprintf("/proc/sys/net/ipv6/conf/%s/accept_ra", name)
	if _, err := os.Stat(raFile); err == nil {
		n.Stepf(explain.Network, explain.Sh(fmt.Sprintf("sysctl -w net.ipv6.conf.%s.accept_ra=0", name)),
			"ignore IPv6 router advertisements on %s: no container may become the host's router", name)
		if err := os.WriteFile(raFile, []byte("0"), 0o644); err != nil {
			return fmt.Errorf("set accept_ra=0 on %s: %w", name, err)
		}
	}
	n.Step(explain.Network, explain.Sh(fmt.Sprintf("ip link set %s up", name)), "bring the bridge up")
	if err := netlink.LinkSetUp(b.link); err != nil {
		return fmt.Errorf("bring bridge %s up: %w", name, err)
	}
	return nil
}

// existingBridge reads the subnet of a bridge that is already there.
func existingBridge(link netlink.Link, want netip.Prefix) (*bridge, error) {
	name := link.Attrs().Name
	if link.Type() != "bridge" {
		return nil, fmt.Errorf("--bridge %s: the host has an interface %s that is a %s, not a bridge: choose another --bridge", name, name, link.Type())
	}
	if link.Attrs().Alias != bridgeMark {
		return nil, fmt.Errorf("--bridge %s: the host's bridge %s was not made by Mini, and Mini uses only its own bridges: choose another --bridge name", name, name)
	}
	addrs, err := netlink.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("read the addresses of %s: %w", name, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("bridge %s has no IPv4 address: delete it (ip link del %s) or choose another --bridge", name, name)
	}
	ones, _ := addrs[0].Mask.Size()
	gw, _ := netip.AddrFromSlice(addrs[0].IP.To4())
	b := &bridge{link: link, gateway: gw, subnet: netip.PrefixFrom(gw, ones).Masked()}
	if want.IsValid() && want != b.subnet {
		return nil, fmt.Errorf("--subnet %s: bridge %s already has the subnet %s: leave out --subnet, or choose another --bridge", want, name, b.subnet)
	}
	return b, nil
}

// chooseSubnet returns want, or the first default subnet, that overlaps no route of the host: a
// subnet that did would take the host's own traffic to those addresses into the bridge.
func chooseSubnet(bridgeName string, want netip.Prefix) (netip.Prefix, error) {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	for i := 0; errors.Is(err, netlink.ErrDumpInterrupted) && i < 20; i++ {
		routes, err = netlink.RouteList(nil, netlink.FAMILY_V4)
	}
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("list the host's routes: %w", err)
	}
	collides := func(p netip.Prefix) string {
		for _, r := range routes {
			if r.Dst == nil {
				continue // the default route overlaps everything; it is meant to
			}
			ones, _ := r.Dst.Mask.Size()
			a, _ := netip.AddrFromSlice(r.Dst.IP.To4())
			if ones > 0 && netip.PrefixFrom(a, ones).Overlaps(p) {
				dev := ""
				if l, err := netlink.LinkByIndex(r.LinkIndex); err == nil {
					dev = " dev " + l.Attrs().Name
				}
				return fmt.Sprintf("%s%s", r.Dst, dev)
			}
		}
		return ""
	}
	if want.IsValid() {
		if route := collides(want); route != "" {
			return want, fmt.Errorf("--subnet %s overlaps the host's route %s: choose a subnet no route of the host covers (see ip route)", want, route)
		}
		return want, nil
	}
	for _, s := range defaultSubnets {
		p := netip.MustParsePrefix(s)
		if collides(p) == "" {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("every default subnet of bridge %s overlaps a route of the host: choose one with --subnet", bridgeName)
}

// removeIfUnused deletes the bridge when no port is left on it, and reports whether it did (or
// the bridge was gone already).
func removeBridgeIfUnused(name string, n *explain.Narrator) (bool, error) {
	link, err := netlink.LinkByName(name)
	if err != nil {
		var notFound netlink.LinkNotFoundError
		if errors.As(err, &notFound) {
			return true, nil
		}
		return false, fmt.Errorf("look for bridge %s: %w", name, err)
	}
	if link.Attrs().Alias != bridgeMark {
		return false, nil // not Mini's: never deleted (Attach refuses to use it anyway)
	}
	links, err := listLinks()
	if err != nil {
		return false, fmt.Errorf("list links: %w", err)
	}
	for _, l := range links {
		if l.Attrs().MasterIndex == link.Attrs().Index {
			return false, nil // another container still uses it
		}
	}
	n.Stepf(explain.Network, explain.Sh("ip link del "+name), "delete the bridge %s: its last container is gone", name)
	if err := netlink.LinkDel(link); err != nil {
		return false, fmt.Errorf("delete bridge %s: %w", name, err)
	}
	return true, nil
}

// port is a container on the bridge, as its veth's alias says.
type port struct {
	id string
	ip netip.Addr
}

// bridgePorts lists the containers on the bridge now (on every bridge, with br nil), from the
// kernel: whatever state root they were started from, and however their Mini ended, a
// container whose veth is still plugged into a bridge is alive (the veth dies with its network
// namespace; one on no bridge is a dead container's), and no other is.
func bridgePorts(br netlink.Link) ([]port, error) {
	links, err := listLinks()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	var ports []port
	for _, l := range links {
		if l.Attrs().MasterIndex == 0 || br != nil && l.Attrs().MasterIndex != br.Attrs().Index {
			continue
		}
		if id, ip, ok := labelled(l); ok {
			ports = append(ports, port{id: id, ip: ip})
		}
	}
	return ports, nil
}

// listLinks is netlink.LinkList, again when the dump was interrupted: the kernel says so
// (NLM_F_DUMP_INTR) when links came or went while it was listing them, which parallel starts do.
func listLinks() ([]netlink.Link, error) {
	for i := 0; ; i++ {
		links, err := netlink.LinkList()
		if !errors.Is(err, netlink.ErrDumpInterrupted) || i == 20 {
			return links, err
		}
	}
}

// ipNet converts a prefix with its host bits (10.88.0.1/16) to the form netlink takes.
func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 32)}
}
