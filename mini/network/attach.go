//mini:chapter 05

package network

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/ipam"
	"github.com/minikit/kit/mini/nat"
)

// Request is what Attach needs to know about the container.
type Request struct {
	Options   Options
	StateRoot string // the allocations and the /etc files go to <StateRoot>/network/
	ID        string
	PID       int // the init process: its network namespace gets eth0
	Hostname  string
	//mini:begin 07
	Name string // the container's name: the others on its network reach it by this name too
	//mini:end 07
	Explain *explain.Narrator
}

// Attachment is a container's network, as far as it was set up: Detach undoes exactly that.
type Attachment struct {
	Files []File // the /etc files the init side bind-mounts into the container (Inside)

	req    Request
	n      *explain.Narrator
	etc    string // the directory of the container's /etc files
	bridge string // set once the bridge exists: Detach removes it if unused
	br     *bridge
	pool   *ipam.Pool
	ip     netip.Addr
	veth   string // the host end, once created
	ports  []io.Closer
	rules  []nat.Rule
	//mini:begin 07
	network *Network // the network object joined, once its record is read (see networks.go)
	kept    bool     // the bridge is a network's: it outlives its containers
	netLock *os.File // <root>/networks/.lock, held from the record's read to the endpoint's write
	//mini:end 07
}

// Attach sets up the container's network. On failure it has undone what it did.
func Attach(r Request) (*Attachment, error) {
	a := &Attachment{req: r, n: r.Explain}
	//mini:begin 07
	if r.Options.Mode == Bridge && r.Options.Network != "" {
		if err := a.openNetwork(); err != nil {
			return nil, err
		}
		defer a.closeNetwork()
	}
	//mini:end 07
	if r.Options.Mode == Bridge {
		if err := a.attachBridge(); err != nil {
			// The init process still runs: its veth does not go away by itself.
			return nil, errors.Join(err, a.Detach(false))
		}
	}
	etc, err := etcDir(r.StateRoot, r.ID)
	if err != nil {
		return nil, errors.Join(err, a.Detach(false))
	}
	a.etc = etc
	files, err := writeFiles(etc, r.Hostname, a.ip, r.Options.Mode, a.n)
	if err != nil {
		return nil, errors.Join(err, a.Detach(false))
	}
	a.Files = files
	//mini:begin 07
	if a.network != nil {
		if err := a.join(); err != nil {
			return nil, errors.Join(err, a.Detach(false))
		}
	}
	//mini:end 07
	a.drawTopology()
	return a, nil
}

// attachBridge does the bridge mode's steps in the order the kernel needs them, each recorded
// in a as soon as it succeeded. It holds the host's network lock throughout: the bridge and
// the rules are shared by every container on the host.
func (a *Attachment) attachBridge() error {
	r, n := a.req, a.n
	unlock, err := lockHost()
	if err != nil {
		return err
	}
	defer unlock()

	br, err := ensureBridge(r.Options.Bridge, r.Options.Subnet, n)
	if err != nil {
		return err
	}
	a.bridge, a.br = r.Options.Bridge, br

	netDir := filepath.Join(r.StateRoot, "network")
	a.pool, err = ipam.Open(filepath.Join(netDir, a.bridge), filepath.Join(netDir, "lock"), br.subnet, br.gateway)
	if err != nil {
		return err
	}
	owner, err := ipam.Self()
	//mini:begin 07
	// From chapter 07 on, the process that attaches (mini create, mini run -d) may end long
	// before the container does: the address belongs to the container's init process, which
	// lives exactly as long as the container.
	owner, err = ipam.Process(r.PID)
	//mini:end 07
	if err != nil {
		return fmt.Errorf("ipam: %w", err)
	}
	ports, err := bridgePorts(br.link)
	if err != nil {
		return err
	}
	var taken []netip.Addr
	for _, p := range ports {
		taken = append(taken, p.ip)
	}
	all, err := bridgePorts(nil)
	if err != nil {
		return err
	}
	var live []string
	for _, p := range all {
		live = append(live, p.id)
	}
	ip, stale, err := a.pool.Allocate(r.ID, owner, taken...)
	if err != nil {
		return err
	}
	a.ip = ip
	n.Stepf(explain.Network, explain.Sh("cat "+filepath.Join(netDir, a.bridge, ip.String())),
		"allocate %s from %s (flock %s; the allocation is a file)", ip, br.subnet, filepath.Join(netDir, "lock"))

	for _, s := range stale {
		n.Stepf(explain.Network, explain.None, "take back %s from container %s, whose owner (PID %d) is gone", s.IP, s.ID, s.Owner.PID)
	}

	for _, p := range r.Options.Ports {
		c, err := reservePort(p, n)
		if err != nil {
			return err
		}
		a.ports = append(a.ports, c)
	}

	host := "veth" + r.ID[:8]
	//mini:begin 07
	if err := reuseVethName(host, r.ID, n); err != nil {
		return err
	}
	//mini:end 07
	if err := createVeth(host, br.link, r.PID, n); err != nil {
		return err
	}
	a.veth = host
	if err := label(host, r.ID, ip, n); err != nil {
		return err
	}
	if err := configureInside(r.PID, netip.PrefixFrom(ip, br.subnet.Bits()), br.gateway, n); err != nil {
		return err
	}

	added, err := nat.Add(nat.Container{Bridge: nat.Bridge{Name: a.bridge, Subnet: br.subnet},
		ID: r.ID, IP: ip, Ports: r.Options.Ports, Live: live}, n)
	if err != nil {
		return err
	}
	a.rules = added.Rules
	before, err := enableForwarding(n)
	if err != nil {
		return err
	}
	if added.Chains {
		//mini:begin 07
		if _, err := os.Stat(recordPath()); err == nil {
			return nil // a repair of missing chains or jumps: the first container's record stays
		}
		//mini:end 07
		// The host's first container: remember what to put back after the last.
		return hostRecord{IPForward: before, Tables: added.Tables}.save()
	}
	return nil
}

// Detach is the teardown of Attach. exited says whether the container's processes are gone
// (then the kernel has deleted, or is deleting, the veth with the network namespace).
func (a *Attachment) Detach(exited bool) error {
	if a == nil {
		return nil
	}
	var errs []error
	//mini:begin 07
	if a.network != nil {
		errs = append(errs, a.leave())
	}
	//mini:end 07
	if a.etc != "" {
		errs = append(errs, removeEtcDir(a.etc))
		a.etc = ""
	}
	if a.bridge == "" {
		return errors.Join(errs...)
	}
	n := a.n
	//mini:begin 07
	if a.kept && a.veth != "" {
		// Nobody counts a kept bridge's ports: no need to wait for the kernel (unplugVeth).
		errs = append(errs, unplugVeth(a.veth, exited, n))
		a.veth = ""
	}
	//mini:end 07
	if a.veth != "" {
		errs = append(errs, removeVeth(a.veth, exited, n))
	}
	unlock, err := lockHost()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	defer unlock()
	if len(a.rules) > 0 {
		errs = append(errs, nat.Remove(a.rules, n))
	}
	for _, c := range a.ports {
		errs = append(errs, c.Close())
	}
	if a.pool != nil && a.ip.IsValid() {
		n.Stepf(explain.Network, explain.None, "release %s", a.ip)
		errs = append(errs, a.pool.Release(a.req.ID))
	}
	//mini:begin 07
	if a.kept {
		a.bridge = "" // a network's bridge, rules and chains stay for its next container
		return errors.Join(errs...)
	}
	//mini:end 07
	errs = append(errs, removeBridgeIfLast(a.bridge, a.n))
	a.bridge = ""
	return errors.Join(errs...)
}

// removeBridgeIfLast removes the bridge, its rules and, with the host's last bridge, Mini's
// chains, and puts back what the first container changed: the host is left as it was found.
func removeBridgeIfLast(bridge string, n *explain.Narrator) error {
	removed, err := removeBridgeIfUnused(bridge, n)
	if err != nil || !removed {
		return err
	}
	rec := loadRecord()
	last, err := nat.RemoveBridge(bridge, rec.Tables, n)
	if err != nil || !last {
		return err
	}
	if err := restoreForwarding(rec.IPForward, n); err != nil {
		return err
	}
	if err := os.Remove(recordPath()); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
