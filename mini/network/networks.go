//mini:chapter 07

package network

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/state"
)

// A network is an object of its own, as in Docker: a name, a bridge and a subnet, recorded in
// <root>/networks/<name>.json, that exists before its first container and outlives its last.
// Chapter 05 made the bridge with the first container and removed it with the last: most of
// a bridged start went into the bridge and its iptables rules. A kept network pays that once.
//
//	<root>/networks/.lock             flock: every change of records and endpoints
//	<root>/networks/<name>.json       the record (Network)
//	<root>/networks/<name>/<id>.json  the network's endpoints: one per container on it

// DefaultNetwork is the network of --network bridge: Mini's own bridge (mini0), made on first
// use and kept. Docker calls its default network "bridge" too.
const DefaultNetwork = "bridge"

// Driver is the only network driver Mini has: a Linux bridge on this host.
const Driver = "bridge"

// Network is one network's record.
type Network struct {
	Name    string       `json:"name"`
	ID      string       `json:"id"`     // 64 hex digits, shown as 12
	Driver  string       `json:"driver"` // "bridge"
	Bridge  string       `json:"bridge"` // the bridge device, e.g. mini0 or mini-3f2a9c01b7
	Subnet  netip.Prefix `json:"subnet"`
	Gateway netip.Addr   `json:"gateway"` // the bridge's own address
	Created time.Time    `json:"created"`
}

// ShortID is the ID as ls shows it.
func (nw *Network) ShortID() string { return nw.ID[:12] }

// CreateOptions are the arguments of `mini network create`.
type CreateOptions struct {
	Name    string
	Subnet  string // "" chooses a free one
	Explain *explain.Narrator
}

// namePattern is Docker's rule for network (and container) names.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// CheckName refuses a name that could not be a network's (it becomes a file name).
func CheckName(name string) error {
	if len(name) > 64 || !namePattern.MatchString(name) {
		return fmt.Errorf("invalid network name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit (at most 64)", name)
	}
	return nil
}

// Create makes a network: its bridge on the host, then its record.
func Create(root string, o CreateOptions) (*Network, error) {
	if err := CheckName(o.Name); err != nil {
		return nil, err
	}
	if o.Name == DefaultNetwork || o.Name == None || o.Name == Host {
		return nil, fmt.Errorf("network %q is a pre-defined network and cannot be created: choose another name", o.Name)
	}
	var want netip.Prefix
	if o.Subnet != "" {
		opts, err := Parse(Bridge, DefaultBridge, o.Subnet, nil)
		if err != nil {
			return nil, err
		}
		want = opts.Subnet
	}
	lock, err := lockNetworks(root)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	all, err := List(root)
	if err != nil {
		return nil, err
	}
	for _, nw := range all {
		if nw.Name == o.Name {
			return nil, fmt.Errorf("network with name %s already exists", o.Name)
		}
		if want.IsValid() && nw.Subnet.Overlaps(want) {
			return nil, fmt.Errorf("--subnet %s overlaps the subnet %s of network %s: choose another subnet", want, nw.Subnet, nw.Name)
		}
	}
	id, err := newNetworkID()
	if err != nil {
		return nil, err
	}
	nw := &Network{Name: o.Name, ID: id, Driver: Driver, Bridge: "mini-" + id[:10], Created: time.Now().UTC()}
	if !want.IsValid() {
		if want, err = freeSubnet(all); err != nil {
			return nil, err
		}
	}
	unlock, err := lockHost()
	if err != nil {
		return nil, err
	}
	defer unlock()
	br, err := ensureBridge(nw.Bridge, want, o.Explain)
	if err != nil {
		return nil, err
	}
	nw.Subnet, nw.Gateway = br.subnet, br.gateway
	if err := nw.save(root, o.Explain); err != nil {
		netlink.LinkDel(br.link)
		return nil, err
	}
	return nw, nil
}

// userSubnets are tried in order for a network created without --subnet. 10.88.0.0/16 is kept
// for the default network, whether it exists yet or not.
func userSubnets() []netip.Prefix {
	var p []netip.Prefix
	for b := 89; b < 128; b++ {
		p = append(p, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(b), 0, 0}), 16))
	}
	return p
}

// freeSubnet returns the first of userSubnets that no network of the root and no route of the
// host (among them every bridge's, whatever state root made it) overlaps.
func freeSubnet(all []Network) (netip.Prefix, error) {
next:
	for _, p := range userSubnets() {
		for _, nw := range all {
			if nw.Subnet.Overlaps(p) {
				continue next
			}
		}
		if _, err := chooseSubnet("", p); err == nil {
			return p, nil
		}
	}
	return netip.Prefix{}, errors.New("no free subnet left in 10.89.0.0-10.127.255.255: choose one with --subnet")
}

// Check tells, before anything is set up, whether o names a network that does not exist.
func Check(root string, o Options) error {
	if o.Network == "" || o.Network == DefaultNetwork {
		return nil
	}
	_, err := Lookup(root, o.Network)
	return err
}

// Lookup finds a network by its name, its ID or an unambiguous prefix of its ID.
func Lookup(root, ref string) (*Network, error) {
	all, err := List(root)
	if err != nil {
		return nil, err
	}
	var found []Network
	for _, nw := range all {
		if nw.Name == ref || nw.ID == ref {
			return &nw, nil
		}
		if strings.HasPrefix(nw.ID, ref) {
			found = append(found, nw)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("unknown --network %q: network %s not found (mini network ls lists them): create it with mini network create %s, or use bridge, none or host", ref, ref, ref)
	case 1:
		return &found[0], nil
	}
	return nil, fmt.Errorf("network ID prefix %q is ambiguous: it matches %d networks, give more digits", ref, len(found))
}

// List reads every network record of the root, by name.
func List(root string) ([]Network, error) {
	entries, err := os.ReadDir(networksDir(root))
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var all []Network
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() || CheckName(name) != nil {
			continue
		}
		nw, err := load(root, name)
		if err != nil {
			return nil, err
		}
		all = append(all, *nw)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, nil
}

// Remove removes a network: its bridge, the bridge's rules (and Mini's chains with the host's
// last bridge), its record. It is refused while a container is on the network. Docker refuses
// to remove its default network; Mini makes it again on first use, but keeps Docker's rule:
// `mini system reset` removes it.
func Remove(root, ref string, n *explain.Narrator) (*Network, error) {
	lock, err := lockNetworks(root)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if ref == DefaultNetwork || ref == None || ref == Host {
		return nil, fmt.Errorf("%s is a pre-defined network and cannot be removed (mini system reset removes the default network)", ref)
	}
	nw, err := Lookup(root, ref)
	if err != nil {
		return nil, fmt.Errorf("network %s not found", ref)
	}
	if nw.Name == DefaultNetwork {
		return nil, fmt.Errorf("%s is a pre-defined network and cannot be removed (mini system reset removes it)", nw.Name)
	}
	return nw, nw.remove(root, n)
}

// remove is Remove with the lock held.
func (nw *Network) remove(root string, n *explain.Narrator) error {
	unlock, err := lockHost()
	if err != nil {
		return err
	}
	defer unlock()
	if link, err := netlink.LinkByName(nw.Bridge); err == nil {
		ports, err := bridgePorts(link)
		if err != nil {
			return err
		}
		if len(ports) > 0 {
			return fmt.Errorf("error while removing network: network %s id %s has active endpoints (%d container(s): stop them first)", nw.Name, nw.ShortID(), len(ports))
		}
	}
	if err := removeBridgeIfLast(nw.Bridge, n); err != nil {
		return err
	}
	// What the network's containers left in the state root: endpoints, and allocations of
	// containers whose Mini was killed (none is alive: the bridge had no port).
	n.Stepf(explain.Network, explain.Sh("rm "+nw.file(root)), "remove the record of network %s", nw.Name)
	for _, p := range []string{nw.endpointsDir(root), filepath.Join(root, "network", nw.Bridge), nw.file(root)} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove network %s: %w", nw.Name, err)
		}
	}
	return nil
}

func networksDir(root string) string { return filepath.Join(root, "networks") }

func (nw *Network) file(root string) string {
	return filepath.Join(networksDir(root), nw.Name+".json")
}

func (nw *Network) endpointsDir(root string) string {
	return filepath.Join(networksDir(root), nw.Name)
}

// lockNetworks takes the root's network lock. It is taken before the host's (lockHost), never
// after: two locks always taken in one order cannot deadlock.
func lockNetworks(root string) (*os.File, error) {
	if err := os.MkdirAll(networksDir(root), 0o700); err != nil {
		return nil, fmt.Errorf("networks: %w", err)
	}
	return state.LockFile(filepath.Join(networksDir(root), ".lock"), state.Exclusive)
}

func load(root, name string) (*Network, error) {
	data, err := os.ReadFile(filepath.Join(networksDir(root), name+".json"))
	if err != nil {
		return nil, fmt.Errorf("read network %s: %w", name, err)
	}
	var nw Network
	if err := json.Unmarshal(data, &nw); err != nil {
		return nil, fmt.Errorf("read network %s: %s is damaged: %w", name, filepath.Join(networksDir(root), name+".json"), err)
	}
	return &nw, nil
}

func (nw *Network) save(root string, n *explain.Narrator) error {
	data, err := json.MarshalIndent(nw, "", "\t")
	if err != nil {
		return err
	}
	n.Stepf(explain.Network, explain.Sh("cat "+nw.file(root)), "record network %s (bridge %s, %s)", nw.Name, nw.Bridge, nw.Subnet)
	return state.WriteFileAtomic(nw.file(root), append(data, '\n'), 0o600)
}

// newNetworkID is 64 random hex digits, as Docker's network IDs.
func newNetworkID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a network ID: %w", err)
	}
	return hex.EncodeToString(b), nil
}
