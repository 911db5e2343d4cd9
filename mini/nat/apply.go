//mini:chapter 05

package nat

import (
	"net/netip"
	"slices"

	"github.com/minikit/kit/mini/explain"
)

// Container is what one container's start asks of the firewall.
type Container struct {
	Bridge Bridge
	ID     string
	IP     netip.Addr
	Ports  []Port
	Live   []string // IDs of the containers on the host now: rules of any other are a crashed container's
}

// Added is what Add did, for its teardown.
type Added struct {
	Rules  []Rule   // the container's own rules
	Tables []string // tables that did not exist before (created with Mini's chains)
	Chains bool     // whether Mini's chains were created now
}

// Add writes everything a container's start needs in one iptables-restore batch: Mini's chains
// and jumps if this is the host's first container, the bridge's rules if it is the bridge's
// first, the removal of rules left by crashed containers (a Mini killed with SIGKILL ran no
// teardown), and the container's published ports.
// The caller holds the host's network lock.
func Add(c Container, n *explain.Narrator) (Added, error) {
	var a Added
	s, err := read()
	if err != nil {
		return a, err
	}
	var b batch
	a.Tables = s.ensureChains(&b)
	a.Chains = len(b) > 0
	for _, r := range s.orphans(append(c.Live, c.ID)) {
		b.add("-D", r)
	}
	if len(s.tagged(false, BridgeComment(c.Bridge.Name))) == 0 {
		rules, err := BridgeRules(c.Bridge)
		if err != nil {
			return a, err
		}
		for _, r := range rules {
			b.add("-A", r)
		}
	}
	//mini:begin 07
	if err := s.repairBridge(&b, c.Bridge); err != nil {
		return a, err
	}
	//mini:end 07
	if len(c.Ports) > 0 {
		a.Rules, err = PortRules(c.Bridge, c.ID, c.IP, c.Ports)
		if err != nil {
			return a, err
		}
		for _, r := range a.Rules {
			b.add("-A", r)
		}
	}
	b.narrate(n, "write the NAT and filter rules")
	if err := b.apply(); err != nil {
		return Added{}, err
	}
	return a, nil
}

// Remove deletes a container's own rules, in one batch.
func Remove(rules []Rule, n *explain.Narrator) error {
	var comments []string
	for _, r := range rules {
		if c := r.comment(); c != "" && !slices.Contains(comments, c) {
			comments = append(comments, c)
		}
	}
	// Delete the container's rules that are there now, as iptables-save prints them: another
	// Mini may have removed some already (as orphans, once this container's veth was gone), and
	// iptables-restore fails the whole batch on one rule that is not there.
	s, err := read()
	if err != nil {
		return err
	}
	var b batch
	for _, r := range s.tagged(false, comments...) {
		b.add("-D", r)
	}
	if len(b) == 0 {
		return nil
	}
	b.narrate(n, "delete the container's rules")
	return b.apply()
}

// RemoveBridge deletes every rule of the bridge and of containers on it (the last container is
// gone, so any left are a crashed container's). When no rule is left in Mini's chains, it also
// removes the chains, the jumps and the tables listed in created, and reports true.
func RemoveBridge(bridge string, created []string, n *explain.Narrator) (bool, error) {
	s, err := read()
	if err != nil {
		return false, err
	}
	var b batch
	rules := s.tagged(true, BridgeComment(bridge))
	for _, r := range rules {
		b.add("-D", r)
	}
	last := s.miniRules() == len(rules) && s.hasChain("nat", Postrouting)
	if last {
		s.removeChains(&b)
	}
	b.narrate(n, "delete the rules of bridge "+bridge)
	if err := b.apply(); err != nil {
		return false, err
	}
	if !last {
		return false, nil
	}
	return true, pruneTables(created, n)
}
