//mini:chapter 07

package network

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/ipam"
	"github.com/minikit/kit/mini/nat"
)

// Record is an Attachment as data: everything Detach needs, so that a process other than the
// one that attached (the container's monitor, or `mini rm` after the monitor was killed) can
// tear the network down. An Attachment holds no closure that a record would lose; only the
// sockets that reserve published ports (see reservePort) cannot be written down: they belong to
// the process that holds the Attachment, and the kernel closes them when it ends. A process
// that takes a container over binds them again with Reserve.
type Record struct {
	Mode     string       `json:"mode"`
	Network  string       `json:"network,omitempty"` // the network object joined
	Kept     bool         `json:"kept,omitempty"`    // the bridge is the network's: Detach leaves it
	ID       string       `json:"id"`
	Hostname string       `json:"hostname,omitempty"`
	Bridge   string       `json:"bridge,omitempty"` // set once the bridge existed
	Subnet   netip.Prefix `json:"subnet,omitzero"`
	Gateway  netip.Addr   `json:"gateway,omitzero"`
	IP       netip.Addr   `json:"ip,omitzero"`    // set once allocated
	Veth     string       `json:"veth,omitempty"` // the host end, once created
	Rules    []nat.Rule   `json:"rules,omitempty"`
	Ports    []nat.Port   `json:"ports,omitempty"` // published: Reserve binds them again
	Etc      string       `json:"etc,omitempty"`   // the directory of the container's /etc files
}

// Record returns what Restore needs to rebuild a.
func (a *Attachment) Record() Record {
	r := Record{Mode: a.req.Options.Mode, Kept: a.kept, ID: a.req.ID, Hostname: a.req.Hostname,
		Bridge: a.bridge, IP: a.ip, Veth: a.veth, Rules: a.rules, Ports: a.req.Options.Ports, Etc: a.etc}
	if a.network != nil {
		r.Network = a.network.Name
	}
	if a.br != nil {
		r.Subnet, r.Gateway = a.br.subnet, a.br.gateway
	}
	return r
}

// Restore rebuilds the Attachment of a record, in any process: Restore(a.Record(), ...).Detach
// undoes what a.Detach would. Every step of Detach looks at the host first (the veth, the
// rules, the allocation, the endpoint), so a second Detach, or one of a half-done Attach,
// finds what is gone already and does no harm.
func Restore(r Record, stateRoot string, n *explain.Narrator) *Attachment {
	a := &Attachment{
		req: Request{Options: Options{Mode: r.Mode, Bridge: r.Bridge, Subnet: r.Subnet, Network: r.Network, Ports: r.Ports},
			StateRoot: stateRoot, ID: r.ID, Hostname: r.Hostname, Explain: n},
		n: n, etc: r.Etc, bridge: r.Bridge, ip: r.IP, veth: r.Veth, rules: r.Rules, kept: r.Kept,
	}
	if r.Network != "" {
		a.network = &Network{Name: r.Network}
	}
	if r.Bridge != "" && r.Subnet.IsValid() {
		netDir := filepath.Join(stateRoot, "network")
		a.br = &bridge{subnet: r.Subnet, gateway: r.Gateway}
		a.pool, _ = ipam.Open(filepath.Join(netDir, r.Bridge), filepath.Join(netDir, "lock"), r.Subnet, r.Gateway)
	}
	return a
}

// Reserve binds the published ports of a restored Attachment again, in the calling process:
// for a process that takes over a container it did not start (the sockets of the process that
// attached closed when it ended). Detach closes them. Ports held already are left alone.
func (a *Attachment) Reserve() error {
	if len(a.ports) > 0 || len(a.rules) == 0 {
		return nil
	}
	for _, p := range a.req.Options.Ports {
		c, err := reservePort(p, a.n)
		if err != nil {
			for _, c := range a.ports {
				c.Close()
			}
			a.ports = nil
			return err
		}
		a.ports = append(a.ports, c)
	}
	return nil
}

// PortSockets returns copies (dup(2)) of the sockets that reserve the published ports, for a
// process that must hold them after this one stops (a monitor's shim). The caller closes them.
func (a *Attachment) PortSockets() ([]*os.File, error) {
	var files []*os.File
	for _, c := range a.ports {
		var f *os.File
		s, ok := c.(interface{ File() (*os.File, error) })
		err := fmt.Errorf("a %T has no file", c)
		if ok {
			f, err = s.File()
		}
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, fmt.Errorf("copy the socket that reserves a published port: %w", err)
		}
		files = append(files, f)
	}
	return files, nil
}
