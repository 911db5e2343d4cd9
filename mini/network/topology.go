//mini:chapter 05

package network

import (
	"fmt"
	"strings"

	"github.com/minikit/kit/mini/explain"
)

// drawTopology ends the network's narration with a drawing of what was built, for this container.
func (a *Attachment) drawTopology() {
	if !a.n.Enabled() {
		return
	}
	var b strings.Builder
	r := a.req
	switch r.Options.Mode {
	case Host:
		b.WriteString("the container shares the host's network namespace: its interfaces, addresses, routes and ports\n")
	case None:
		b.WriteString("container netns: lo 127.0.0.1 only; no way in or out\n")
	default:
		br := a.br
		w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
		w("the container's network:")
		w("  [container %s, network namespace of PID %d]", r.ID, r.PID)
		w("     lo   127.0.0.1")
		w("     eth0 %s/%d, default via %s", a.ip, br.subnet.Bits(), br.gateway)
		w("       │")
		w("       │ veth pair: eth0 ⇄ %s", a.veth)
		w("       │")
		w("  [host]")
		w("     %s, a port of bridge %s %s/%d ◀─ the other containers on %s", a.veth, a.bridge, br.gateway, br.subnet.Bits(), a.bridge)
		w("       │ routing (ip_forward=1)")
		w("       ├─▶ out: MASQUERADE %s → the address of the interface it leaves by", br.subnet)
		for _, p := range r.Options.Ports {
			hostIP := "0.0.0.0"
			if p.HostIP.IsValid() {
				hostIP = p.HostIP.String()
			}
			w("       ├─◀ in:  %s:%d/%s ─DNAT→ %s:%d", hostIP, p.HostPort, p.Proto, a.ip, p.ContainerPort)
		}
		w("       ▼")
		w("     the host's interfaces (ip route) ─▶ the outside")
		w("look with: nsenter -t %d -n ip addr; bridge link; iptables -t nat -L -v -n", r.PID)
	}
	a.n.Step(explain.Network, explain.None, strings.TrimRight(b.String(), "\n"))
}
