//mini:chapter 07

package ui

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"

	"github.com/vishvananda/netlink"
)

// Network is a container's network as the kernel holds it: the interfaces and addresses of its
// network namespace (read from /proc/PID/net, which shows the namespace of PID), and on the
// host, the veth whose alias names the container, the bridge it is a port of, and the NAT rules
// that mention the container's address.
type Network struct {
	Mode       string      `json:"mode"` // bridge, none or host, as the kernel shows it
	Interfaces []Interface `json:"interfaces"`
	IP         string      `json:"ip,omitempty"` // eth0's address
	Gateway    string      `json:"gateway,omitempty"`
	HostVeth   string      `json:"hostVeth,omitempty"`
	Bridge     string      `json:"bridge,omitempty"`
	Ports      []string    `json:"ports"` // as published: [HOSTIP:]HOSTPORT:CONTAINERPORT[/PROTO]
	NAT        []string    `json:"nat"`   // iptables-save -t nat lines that mention the container
}

// Interface is one network interface inside the container, with its traffic counters.
type Interface struct {
	Name    string `json:"name"`
	RxBytes int64  `json:"rxBytes"`
	TxBytes int64  `json:"txBytes"`
}

// Bridge is a bridge on the host with Mini's containers on it.
type Bridge struct {
	Name  string   `json:"name"`
	Addrs []string `json:"addrs"` // the gateway, with the subnet's prefix length
	Up    bool     `json:"up"`
	Ports []string `json:"ports"` // the veths plugged into it
	NAT   []string `json:"nat"`   // the nat table's rules for the bridge (MASQUERADE, ...)
}

// network reads what the kernel holds for f's network.
func (c *Collector) network(f found, nat string) (*Network, error) {
	n := &Network{Mode: f.mode, Ports: f.ports, NAT: []string{}}
	if n.Ports == nil {
		n.Ports = []string{}
	}
	if f.PID == 0 {
		return n, nil
	}
	var errs []error
	ifaces, err := readNetDev(c.proc(f.PID, "net", "dev"))
	errs = append(errs, err)
	n.Interfaces = ifaces
	if c.sharesHostNet(f.PID) {
		n.Mode = "host"
		return n, nil
	}
	n.Mode = "none"
	for _, i := range ifaces {
		if i.Name != "lo" {
			n.Mode = "bridge"
		}
	}
	addrs, err := localAddrs(c.proc(f.PID, "net", "fib_trie"))
	errs = append(errs, err)
	for _, a := range addrs {
		if !a.IsLoopback() {
			n.IP = a.String()
		}
	}
	gw, err := defaultGateway(c.proc(f.PID, "net", "route"))
	errs = append(errs, err)
	if gw.IsValid() {
		n.Gateway = gw.String()
	}
	// The host end of the veth carries the alias "mini ID ADDRESS" (see network.label).
	links, err := netlink.LinkList()
	errs = append(errs, err)
	for _, l := range links {
		a := strings.Fields(l.Attrs().Alias)
		if len(a) == 3 && a[0] == "mini" && a[1] == f.ID {
			n.HostVeth = l.Attrs().Name
			if m, err := netlink.LinkByIndex(l.Attrs().MasterIndex); err == nil && l.Attrs().MasterIndex > 0 {
				n.Bridge = m.Attrs().Name
			}
		}
	}
	if n.IP != "" {
		// A rule names the container by its address (DNAT --to-destination 10.88.0.2:80) or by
		// the comment Mini gives its rules (mini:BRIDGE:ID).
		ip := regexp.MustCompile(`(^|[^0-9.])` + regexp.QuoteMeta(n.IP) + `([^0-9]|$)`)
		for _, line := range strings.Split(nat, "\n") {
			if strings.HasPrefix(line, "-A ") && (ip.MatchString(line) || strings.Contains(line, ":"+f.ID)) {
				n.NAT = append(n.NAT, line)
			}
		}
	}
	return n, errors.Join(errs...)
}

// sharesHostNet says whether pid is in the host's network namespace (--network host): mini ui's
// own, since it reads the host's links through netlink too.
func (c *Collector) sharesHostNet(pid int) bool {
	mine, err1 := os.Readlink("/proc/self/ns/net")
	theirs, err2 := os.Readlink(c.proc(pid, "ns", "net"))
	return err1 == nil && err2 == nil && mine == theirs
}

// readNetDev lists the interfaces of /proc/PID/net/dev: "  eth0: RXBYTES RXPACKETS ... (8
// receive fields) TXBYTES ...", after two header lines.
func readNetDev(path string) ([]Interface, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out []Interface
	for _, line := range strings.Split(string(data), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		f := strings.Fields(rest)
		if !ok || len(f) < 9 || strings.Contains(name, "|") {
			continue
		}
		out = append(out, Interface{Name: strings.TrimSpace(name), RxBytes: number(f[0]), TxBytes: number(f[8])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// localAddrs lists the namespace's own IPv4 addresses from /proc/PID/net/fib_trie: an address
// line "|-- 10.88.0.2" followed by "/32 host LOCAL" is one of the namespace's interfaces'.
func localAddrs(path string) ([]netip.Addr, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	seen := map[netip.Addr]bool{}
	var out []netip.Addr
	var last netip.Addr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "|-- "); ok {
			last, _ = netip.ParseAddr(rest)
			continue
		}
		if strings.HasPrefix(line, "/32 host LOCAL") && last.IsValid() && !seen[last] {
			seen[last] = true
			out = append(out, last)
		}
	}
	return out, sc.Err()
}

// defaultGateway reads the default route's gateway from /proc/PID/net/route, where addresses
// are hexadecimal in the kernel's (little-endian) byte order.
func defaultGateway(path string) (netip.Addr, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("read %s: %w", path, err)
	}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 3 || f[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(f[2])
		if err != nil || len(b) != 4 {
			continue
		}
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], binary.LittleEndian.Uint32(b))
		return netip.AddrFrom4(a), nil
	}
	return netip.Addr{}, nil
}

// readBridges lists the bridges that have a veth of Mini's (alias "mini ID ADDRESS") plugged in.
func readBridges(nat string) ([]Bridge, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	byIndex := map[int]*Bridge{}
	var order []int
	for _, l := range links {
		a := strings.Fields(l.Attrs().Alias)
		if len(a) != 3 || a[0] != "mini" || l.Attrs().MasterIndex == 0 {
			continue
		}
		b := byIndex[l.Attrs().MasterIndex]
		if b == nil {
			m, err := netlink.LinkByIndex(l.Attrs().MasterIndex)
			if err != nil {
				continue
			}
			b = &Bridge{Name: m.Attrs().Name, Up: m.Attrs().OperState == netlink.OperUp || m.Attrs().Flags&1 != 0,
				Addrs: []string{}, NAT: []string{}}
			if addrs, err := netlink.AddrList(m, netlink.FAMILY_V4); err == nil {
				for _, ad := range addrs {
					b.Addrs = append(b.Addrs, ad.IPNet.String())
				}
			}
			// Mini's comment on a bridge's rules is mini:BRIDGE (nat.BridgeComment).
			tag := regexp.MustCompile(`mini:` + regexp.QuoteMeta(b.Name) + `("|\s|$)`)
			for _, line := range strings.Split(nat, "\n") {
				if strings.HasPrefix(line, "-A ") && tag.MatchString(line) {
					b.NAT = append(b.NAT, line)
				}
			}
			byIndex[l.Attrs().MasterIndex] = b
			order = append(order, l.Attrs().MasterIndex)
		}
		b.Ports = append(b.Ports, l.Attrs().Name)
	}
	out := []Bridge{}
	for _, i := range order {
		sort.Strings(byIndex[i].Ports)
		out = append(out, *byIndex[i])
	}
	return out, nil
}

// iptablesSaveNAT prints the nat table. iptables-save only reads; a host without iptables has
// no NAT rules to show.
func iptablesSaveNAT() (string, error) {
	if _, err := exec.LookPath("iptables-save"); err != nil {
		return "", nil
	}
	out, err := exec.Command("iptables-save", "-t", "nat").Output()
	if err != nil {
		return "", fmt.Errorf("iptables-save -t nat: %w", err)
	}
	return string(out), nil
}
