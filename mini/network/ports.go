//mini:chapter 05

package network

import (
	"fmt"
	"io"
	"net"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/nat"
)

// reservePort binds the host port itself, in Mini's process, for as long as the container runs.
// The DNAT rules steal the port's packets before any socket sees them, so the socket never gets a
// connection; it is there so that the kernel refuses the port to anybody else: a second container
// that publishes it, or a program on the host that would silently lose its traffic. If Mini
// dies, the kernel closes the socket and the port is free again. (Docker's docker-proxy holds
// the port the same way.)
func reservePort(p nat.Port, n *explain.Narrator) (io.Closer, error) {
	host := ""
	if p.HostIP.IsValid() {
		host = p.HostIP.String()
	}
	addr := net.JoinHostPort(host, fmt.Sprint(p.HostPort))
	n.Stepf(explain.Network, explain.None, "reserve host port %s/%s: Mini holds it while the container runs", addr, p.Proto)
	var c io.Closer
	var err error
	if p.Proto == "udp" {
		c, err = net.ListenPacket("udp4", addr)
	} else {
		c, err = net.Listen("tcp4", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("-p %s: host port %s/%s is already in use (published by another container, or a program on the host listens on it): choose another host port (%v)",
			p, addr, p.Proto, err)
	}
	return c, nil
}
