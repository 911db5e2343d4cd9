//mini:chapter 05

package nat

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Port is one -p [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]: traffic to HostPort on the host
// (on HostIP only, when it is set) goes to ContainerPort in the container.
type Port struct {
	HostIP        netip.Addr // the zero Addr: every address of the host
	HostPort      uint16
	ContainerPort uint16
	Proto         string // "tcp" or "udp"
}

// portUsage is what -p looks like, for the error messages.
const portUsage = "want [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp], e.g. -p 8080:80"

// ParsePort reads one -p value. It runs before anything is set up, so a typo costs nothing.
func ParsePort(spec string) (Port, error) {
	p := Port{Proto: "tcp"}
	rest := spec
	if i := strings.LastIndex(rest, "/"); i >= 0 {
		p.Proto = rest[i+1:]
		rest = rest[:i]
		if p.Proto != "tcp" && p.Proto != "udp" {
			return p, fmt.Errorf("-p %s: unknown protocol %q: use tcp or udp", spec, p.Proto)
		}
	}
	parts := strings.Split(rest, ":")
	switch len(parts) {
	case 2:
	case 3:
		ip, err := netip.ParseAddr(parts[0])
		if err != nil || !ip.Is4() {
			return p, fmt.Errorf("-p %s: %q is not an IPv4 address: %s", spec, parts[0], portUsage)
		}
		// 0.0.0.0 means every address of the host, as leaving the address out does. Kept as
		// an address, it would become a DNAT rule "-d 0.0.0.0/32" that no packet ever matches.
		if !ip.IsUnspecified() {
			p.HostIP = ip
		}
		parts = parts[1:]
	default:
		return p, fmt.Errorf("-p %s: %s", spec, portUsage)
	}
	var err error
	if p.HostPort, err = parsePortNumber(spec, "host", parts[0]); err != nil {
		return p, err
	}
	if p.ContainerPort, err = parsePortNumber(spec, "container", parts[1]); err != nil {
		return p, err
	}
	return p, nil
}

// ParsePorts reads every -p and refuses the same host port twice on one address. A port on every
// address (no HOSTIP) collides with the same port on any one address.
func ParsePorts(specs []string) ([]Port, error) {
	var ports []Port
	for _, s := range specs {
		p, err := ParsePort(s)
		if err != nil {
			return nil, err
		}
		for j, q := range ports {
			if q.HostPort == p.HostPort && q.Proto == p.Proto &&
				(!q.HostIP.IsValid() || !p.HostIP.IsValid() || q.HostIP == p.HostIP) {
				return nil, fmt.Errorf("-p %s: host port %d/%s is already published by -p %s: choose another host port", s, p.HostPort, p.Proto, specs[j])
			}
		}
		ports = append(ports, p)
	}
	return ports, nil
}

func parsePortNumber(spec, which, s string) (uint16, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("-p %s: %s port %q is not a number: %s", spec, which, s, portUsage)
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("-p %s: %s port %d is out of range: use 1-65535", spec, which, n)
	}
	return uint16(n), nil
}

// String is the -p form of the port.
func (p Port) String() string {
	s := fmt.Sprintf("%d:%d/%s", p.HostPort, p.ContainerPort, p.Proto)
	if p.HostIP.IsValid() {
		s = p.HostIP.String() + ":" + s
	}
	return s
}
