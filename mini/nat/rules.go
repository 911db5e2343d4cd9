//mini:chapter 05

package nat

import (
	"fmt"
	"net/netip"
	"strconv"
)

// Mini's own chains, and where the built-in chains jump to them.
const (
	Prerouting  = "MINI-PREROUTING"  // nat: DNAT of published ports, for packets from other hosts and from containers
	Output      = "MINI-OUTPUT"      // nat: DNAT of published ports, for packets the host itself sends (127.0.0.1 too)
	Postrouting = "MINI-POSTROUTING" // nat: MASQUERADE of what leaves the bridge's subnet
	Forward     = "MINI-FORWARD"     // filter: let the bridge's traffic through a FORWARD policy of DROP
	Input       = "MINI-INPUT"       // filter: keep containers away from the host's loopback services
)

// jumps are the five rules that send packets from the built-in chains into Mini's. Only packets
// addressed to one of the host's own addresses (addrtype LOCAL) can be for a published port.
func jumps() []Rule {
	local := []string{"-m", "addrtype", "--dst-type", "LOCAL", "-m", "comment", "--comment", "mini"}
	every := []string{"-m", "comment", "--comment", "mini"}
	return []Rule{
		{"nat", "PREROUTING", append(local[:len(local):len(local)], "-j", Prerouting)},
		{"nat", "OUTPUT", append(local[:len(local):len(local)], "-j", Output)},
		{"nat", "POSTROUTING", append(every[:len(every):len(every)], "-j", Postrouting)},
		{"filter", "FORWARD", append(every[:len(every):len(every)], "-j", Forward)},
		{"filter", "INPUT", append(every[:len(every):len(every)], "-j", Input)},
	}
}

// Bridge is what the rules need to know about a bridge.
type Bridge struct {
	Name   string       // e.g. mini0
	Subnet netip.Prefix // e.g. 10.88.0.0/16
}

// BridgeComment marks the rules of a bridge; ContainerComment those of one container on it.
// Teardown finds rules by these comments, also the rules of a container that crashed.
func BridgeComment(bridge string) string        { return "mini:" + bridge }
func ContainerComment(bridge, id string) string { return "mini:" + bridge + ":" + id }

// BridgeRules are the rules every container on the bridge shares. They are written with the
// first container on the bridge and removed with the last.
func BridgeRules(b Bridge) ([]Rule, error) {
	//mini:solution 05.3 Return the bridge's rules: MASQUERADE of the subnet going out (and back into the bridge, and from 127.0.0.0/8 into it), FORWARD accepts for the bridge, and the INPUT drop that guards the host's loopback.
	subnet := b.Subnet.String()
	tag := []string{"-m", "comment", "--comment", BridgeComment(b.Name)}
	rule := func(table, chain string, spec ...string) Rule {
		// the comment goes before the target: iptables reads everything after -j as the target's options
		n := len(spec) - 2
		return Rule{table, chain, append(append(append([]string{}, spec[:n]...), tag...), spec[n:]...)}
	}
	return []Rule{
		// Out: a container's private address means nothing outside the host. MASQUERADE rewrites
		// the source to the address of the interface the packet leaves by, and conntrack rewrites
		// the replies back. See iptables-extensions(8), MASQUERADE.
		rule("nat", Postrouting, "-s", subnet, "!", "-o", b.Name, "-j", "MASQUERADE"),
		// Hairpin: a container that reaches another through a published port (the gateway's
		// address, DNAT) would get the answer straight over the bridge, from an address it never
		// talked to. Masquerading makes the answer come back through the host, where the DNAT is undone.
		rule("nat", Postrouting, "-s", subnet, "-o", b.Name, "-j", "MASQUERADE"),
		// Loopback: a packet from 127.0.0.1 may not leave the host (route_localnet lets it be
		// routed to the bridge); the container could not answer it either. Give it the gateway's address.
		rule("nat", Postrouting, "-s", "127.0.0.0/8", "-o", b.Name, "-j", "MASQUERADE"),
		// A host whose FORWARD policy is DROP (Docker sets it) would drop the bridge's traffic.
		rule("filter", Forward, "-i", b.Name, "-j", "ACCEPT"),
		rule("filter", Forward, "-o", b.Name, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"),
		// route_localnet (for -p from the host's 127.0.0.1) would also let a container that
		// crafts packets to 127.0.0.1 (cap_net_raw is enough) reach services the host binds to
		// loopback only: drop new connections from the bridge to 127.0.0.0/8 (CVE-2020-8558).
		// Replies to the host's own 127.0.0.1 connections are ESTABLISHED and pass.
		rule("filter", Input, "-i", b.Name, "-d", "127.0.0.0/8", "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED", "-j", "DROP"),
	}, nil
	//mini:stub return nil, todo.Step("05.3")
	//mini:end
}

// PortRules are the rules that publish a container's ports: DNAT of the host port to the
// container's address and port, for packets from outside (PREROUTING) and from the host itself
// (OUTPUT: locally made packets never pass PREROUTING), and a FORWARD accept.
func PortRules(b Bridge, id string, ip netip.Addr, ports []Port) ([]Rule, error) {
	//mini:solution 05.4 For every port, return a DNAT rule in MINI-PREROUTING and in MINI-OUTPUT (host port → ip:container port) and an ACCEPT in MINI-FORWARD.
	var rules []Rule
	tag := []string{"-m", "comment", "--comment", ContainerComment(b.Name, id)}
	for _, p := range ports {
		var match []string
		if p.HostIP.IsValid() {
			match = append(match, "-d", p.HostIP.String()+"/32")
		}
		match = append(match, "-p", p.Proto, "--dport", strconv.Itoa(int(p.HostPort)))
		dnat := append(append(match, tag...), "-j", "DNAT", "--to-destination", fmt.Sprintf("%s:%d", ip, p.ContainerPort))
		accept := append([]string{"-d", ip.String() + "/32", "!", "-i", b.Name, "-o", b.Name,
			"-p", p.Proto, "--dport", strconv.Itoa(int(p.ContainerPort))}, tag...)
		rules = append(rules,
			Rule{"nat", Prerouting, dnat},
			Rule{"nat", Output, dnat},
			Rule{"filter", Forward, append(accept, "-j", "ACCEPT")},
		)
	}
	return rules, nil
	//mini:stub return nil, todo.Step("05.4")
	//mini:end
}
