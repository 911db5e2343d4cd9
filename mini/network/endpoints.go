//mini:chapter 07

package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/state"
)

// Endpoint is one container on a network: what the others need to reach it by name.
type Endpoint struct {
	ID       string     `json:"id"`
	Name     string     `json:"name,omitempty"` // the container's name (mini run --name)
	Hostname string     `json:"hostname"`
	IP       netip.Addr `json:"ip"`
	Veth     string     `json:"veth"`  // the host end: the endpoint is alive while it exists
	Hosts    string     `json:"hosts"` // the container's /etc/hosts, on the host
}

// openNetwork takes the root's network lock and reads the record of the network the container
// joins. The default network is recorded with its first container (its bridge may already
// exist, made by another state root, with the subnet that root chose). The lock is held until
// the endpoint is written (closeNetwork): `network rm` cannot remove the network in between.
func (a *Attachment) openNetwork() error {
	o := &a.req.Options
	lock, err := lockNetworks(a.req.StateRoot)
	if err != nil {
		return err
	}
	a.netLock = lock
	nw, err := Lookup(a.req.StateRoot, o.Network)
	if err != nil && o.Network != DefaultNetwork {
		a.closeNetwork()
		return err
	}
	if err != nil {
		id, err := newNetworkID()
		if err != nil {
			a.closeNetwork()
			return err
		}
		nw = &Network{Name: DefaultNetwork, ID: id, Driver: Driver, Bridge: o.Bridge, Subnet: o.Subnet, Created: time.Now().UTC()}
	} else if nw.Name == DefaultNetwork && nw.Bridge != o.Bridge {
		a.closeNetwork()
		return fmt.Errorf("--bridge %s: the default network of %s has the bridge %s (--bridge is read when it is made): leave out --bridge, or remove the network first with mini system reset", o.Bridge, a.req.StateRoot, nw.Bridge)
	} else if nw.Name != DefaultNetwork {
		// A network's bridge and subnet are its record's; a bridge that is gone (a reboot, an
		// `ip link del`) is made again with the recorded subnet.
		o.Bridge, o.Subnet = nw.Bridge, nw.Subnet
	}
	a.network, a.kept = nw, true
	return nil
}

// closeNetwork releases the root's network lock.
func (a *Attachment) closeNetwork() {
	if a.netLock != nil {
		a.netLock.Close()
		a.netLock = nil
	}
}

// join records the container's endpoint, and the default network's record on its first use,
// and gives every container on the network an /etc/hosts that lists the others.
func (a *Attachment) join() error {
	nw, root := a.network, a.req.StateRoot
	if nw.Name == DefaultNetwork && (nw.Subnet != a.br.subnet || nw.Gateway != a.br.gateway || !fileExists(nw.file(root))) {
		nw.Bridge, nw.Subnet, nw.Gateway = a.bridge, a.br.subnet, a.br.gateway
		if err := nw.save(root, a.n); err != nil {
			return err
		}
	}
	ep := Endpoint{ID: a.req.ID, Name: a.req.Name, Hostname: a.req.Hostname, IP: a.ip, Veth: a.veth, Hosts: filepath.Join(a.etc, "hosts")}
	data, _ := json.Marshal(ep)
	if err := os.MkdirAll(nw.endpointsDir(root), 0o700); err != nil {
		return fmt.Errorf("network %s: %w", nw.Name, err)
	}
	file := filepath.Join(nw.endpointsDir(root), ep.ID+".json")
	a.n.Stepf(explain.Network, explain.Sh("cat "+file), "record the container's endpoint on network %s: %s at %s", nw.Name, ep.names(), ep.IP)
	if err := state.WriteFileAtomic(file, data, 0o600); err != nil {
		return err
	}
	return a.updateHosts()
}

// leave is the teardown of join: the endpoint goes, and the others' /etc/hosts forget it.
func (a *Attachment) leave() error {
	nw, root := a.network, a.req.StateRoot
	if a.netLock == nil {
		lock, err := lockNetworks(root)
		if err != nil {
			return err
		}
		a.netLock = lock
		defer a.closeNetwork()
	}
	file := filepath.Join(nw.endpointsDir(root), a.req.ID+".json")
	if err := os.Remove(file); err != nil {
		if os.IsNotExist(err) {
			return nil // never joined, or left already
		}
		return fmt.Errorf("network %s: remove the endpoint of %s: %w", nw.Name, a.req.ID, err)
	}
	a.n.Stepf(explain.Network, explain.Sh("rm "+file), "remove the container's endpoint from network %s", nw.Name)
	return a.updateHosts()
}

// updateHosts rewrites the /etc/hosts of every container on the network. The default network
// lists no peers, as Docker's does not: names are for networks made with `network create`.
//
// The files are rewritten in place (truncated and written), never replaced by a rename: each is
// bind-mounted into its container, and a bind mount holds the inode it was made from, so a
// container would go on seeing the old file under a new one's name.
func (a *Attachment) updateHosts() error {
	nw := a.network
	eps, err := endpoints(a.req.StateRoot, nw)
	if err != nil {
		return err
	}
	if nw.Name == DefaultNetwork {
		return nil
	}
	var errs []error
	for _, ep := range eps {
		var peers []Endpoint
		for _, p := range eps {
			if p.ID != ep.ID {
				peers = append(peers, p)
			}
		}
		f, err := os.OpenFile(ep.Hosts, os.O_WRONLY|os.O_TRUNC, 0)
		if os.IsNotExist(err) {
			continue // its container is going away
		}
		if err == nil {
			_, err = f.WriteString(ep.hosts(nw.Name, peers))
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("network %s: update the /etc/hosts of %s: %w", nw.Name, ep.ID, err))
		}
	}
	if len(eps) > 0 {
		a.n.Stepf(explain.Network, explain.None, "write the names of the %d container(s) on network %s into each one's /etc/hosts, in place (they are bind mounts)", len(eps), nw.Name)
	}
	return errors.Join(errs...)
}

// hosts is the endpoint's /etc/hosts: chapter 05's (localhost, its own hostname), its name,
// and the other containers of the network.
func (ep Endpoint) hosts(network string, peers []Endpoint) string {
	s := hosts(ep.Hostname, ep.IP)
	if ep.Name != "" && ep.Name != ep.Hostname {
		s += fmt.Sprintf("%s\t%s\n", ep.IP, ep.Name)
	}
	if len(peers) > 0 {
		s += "# the other containers on network " + network + "\n"
	}
	for _, p := range peers {
		s += fmt.Sprintf("%s\t%s\n", p.IP, p.names())
	}
	return s
}

// names are the names the endpoint answers to: its container's name and hostname.
func (ep Endpoint) names() string {
	if ep.Name == "" || ep.Name == ep.Hostname {
		return ep.Hostname
	}
	return ep.Name + " " + ep.Hostname
}

// endpoints lists the network's live endpoints, sorted by address. An endpoint whose veth is
// gone is a container whose Mini was killed before its teardown (the kernel deleted the veth
// with the network namespace): its record is removed. The caller holds the network lock.
func endpoints(root string, nw *Network) ([]Endpoint, error) {
	dir := nw.endpointsDir(root)
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("network %s: %w", nw.Name, err)
	}
	var eps []Endpoint
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		file := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("network %s: %w", nw.Name, err)
		}
		var ep Endpoint
		if json.Unmarshal(data, &ep) != nil || !alive(ep) {
			os.Remove(file)
			continue
		}
		eps = append(eps, ep)
	}
	sort.Slice(eps, func(i, j int) bool { return eps[i].IP.Less(eps[j].IP) })
	return eps, nil
}

// Endpoints lists the containers on a network now, for `network inspect`.
func Endpoints(root string, nw *Network) ([]Endpoint, error) {
	lock, err := lockNetworks(root)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	return endpoints(root, nw)
}

// alive reports whether the endpoint's veth is still there, labelled as its container's.
func alive(ep Endpoint) bool {
	l, err := netlink.LinkByName(ep.Veth)
	if err != nil {
		return false
	}
	id, _, ok := labelled(l)
	return ok && id == ep.ID
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
