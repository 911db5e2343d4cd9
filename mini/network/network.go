//mini:chapter 05

// Package network gives a container its own network: a network namespace with a veth pair, one
// end (eth0) inside the container and the other on a bridge on the host, an address from the
// bridge's subnet (package ipam), a default route through the bridge, NAT rules for the way out
// and for published ports (package nat), and the container's own /etc/hosts and /etc/resolv.conf.
//
// Attach runs on the host side, after the init process exists (the veth's inside end is created
// directly in the namespace of its PID) and before the init process is told to go, so the command
// starts with its network ready. Inside runs on the init side. Attachment.Detach is the teardown.
//
//	container netns            host
//	 eth0 10.88.0.2 ──veth── vethXXXX ── bridge mini0 10.88.0.1 ── routing ── NAT ── eth0 ── out
package network

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/minikit/kit/mini/nat"
)

// The network modes of --network.
const (
	Bridge = "bridge" // a new network namespace, attached to Mini's bridge (the default)
	None   = "none"   // a new network namespace with only lo
	Host   = "host"   // no new network namespace: the host's own interfaces
)

// Defaults.
const (
	DefaultBridge = "mini0"
	// DefaultSubnet is used unless it overlaps a route of the host; then the next free one of
	// defaultSubnets is.
	DefaultSubnet = "10.88.0.0/16"
)

// defaultSubnets are tried in order when no --subnet is given.
var defaultSubnets = []string{DefaultSubnet, "10.89.0.0/16", "10.90.0.0/16", "10.91.0.0/16", "172.30.0.0/16", "172.31.0.0/16"}

// Options are the --network, --bridge, --subnet and -p flags, checked.
type Options struct {
	Mode   string
	Bridge string       // the bridge's name, for mode bridge
	Subnet netip.Prefix // the zero Prefix: the bridge's existing one, or the first free default
	Ports  []nat.Port
	//mini:begin 07
	// Network is the network object the container joins (see networks.go): DefaultNetwork for
	// --network bridge (its bridge is --bridge), a name from `mini network create`, or "" for
	// --network none and host.
	Network string
	//mini:end 07
}

// Parse checks the network flags. It runs before anything is set up.
func Parse(mode, bridge, subnet string, publish []string) (Options, error) {
	o := Options{Mode: mode, Bridge: bridge}
	switch mode {
	case Bridge, None, Host:
	default:
		//mini:begin 07
		// Any other word names a network object: whether it exists is checked against the state
		// root (Check), which Parse does not know.
		if CheckName(mode) == nil {
			o.Network, o.Mode, mode = mode, Bridge, Bridge
			break
		}
		//mini:end 07
		return o, fmt.Errorf("unknown --network %q: use bridge, none or host", mode)
	}
	//mini:begin 07
	if mode == Bridge && o.Network == "" {
		// The bridge of --bridge (mini0 unless said otherwise) is the default network's: made
		// on first use and kept between containers.
		o.Network = DefaultNetwork
	}
	//mini:end 07
	if err := checkLinkName(bridge); err != nil {
		return o, err
	}
	if subnet != "" {
		p, err := netip.ParsePrefix(subnet)
		if err != nil || !p.Addr().Is4() {
			return o, fmt.Errorf("--subnet %q: want an IPv4 subnet such as %s", subnet, DefaultSubnet)
		}
		if p.Bits() < 8 || p.Bits() > 28 {
			return o, fmt.Errorf("--subnet %s: the prefix length must be between /8 and /28", subnet)
		}
		o.Subnet = p.Masked()
		for _, r := range reservedRanges {
			if o.Subnet.Overlaps(r.prefix) {
				return o, fmt.Errorf("--subnet %s overlaps %s (%s): choose a private range such as %s", subnet, r.prefix, r.what, DefaultSubnet)
			}
		}
	}
	ports, err := nat.ParsePorts(publish)
	if err != nil {
		return o, err
	}
	if len(ports) > 0 && mode != Bridge {
		return o, fmt.Errorf("-p needs --network bridge: with --network %s there is no bridge to publish from", mode)
	}
	o.Ports = ports
	return o, nil
}

// reservedRanges can never be a bridge's subnet: the kernel treats their addresses specially,
// and a bridge on 127.0.0.0/8 would take the host's own loopback traffic.
var reservedRanges = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\""},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved, and broadcast"},
}

// checkLinkName refuses a name the kernel would refuse (see IFNAMSIZ in netdevice(7)).
func checkLinkName(name string) error {
	if name == "" || len(name) > 15 || strings.ContainsAny(name, "/ :\t\n") || name == "." || name == ".." {
		return fmt.Errorf("--bridge %q: an interface name has 1 to 15 characters and no '/', ':' or spaces", name)
	}
	return nil
}

// NewNamespace reports whether the mode needs a network namespace of its own (CLONE_NEWNET).
func (o Options) NewNamespace() bool { return o.Mode != Host }
