//mini:chapter 07

package nat

import (
	"slices"
	"strings"

	"github.com/minikit/kit/mini/explain"
)

// repairBridge adds to b each of the bridge's rules that is missing while others are there.
// The loopback guard among them is what makes route_localnet safe (CVE-2020-8558): checked on
// every container start, a firewall reload that dropped it cannot silently reopen the hole.
func (s *saved) repairBridge(b *batch, br Bridge) error {
	if len(s.tagged(false, BridgeComment(br.Name))) == 0 {
		return nil // none at all: Add writes them all, as in chapter 05
	}
	rules, err := BridgeRules(br)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if !s.hasRule(r) {
			b.add("-A", r)
		}
	}
	return nil
}

// hasRule reports whether rule r is in its chain now. iptables-save prints a rule's matches in
// the kernel's order, not in the order they were given (-d before -i), and adds the implicit
// match of -p (-p tcp -m tcp --dport 80): rules are compared as sorted lists of words, without
// those implicit matches.
func (s *saved) hasRule(r Rule) bool {
	want := words(r.Spec)
	for _, l := range s.lines[r.Table] {
		f := strings.Fields(l)
		if len(f) > 2 && f[0] == "-A" && f[1] == r.Chain && slices.Equal(words(f[2:]), want) {
			return true
		}
	}
	return false
}

// words is a rule's specification, unquoted and sorted, without "-m tcp" and "-m udp".
func words(spec []string) []string {
	var w []string
	for i := 0; i < len(spec); i++ {
		if spec[i] == "-m" && i+1 < len(spec) && (spec[i+1] == "tcp" || spec[i+1] == "udp") {
			i++
			continue
		}
		w = append(w, strings.Trim(spec[i], `"`))
	}
	slices.Sort(w)
	return w
}

// RemoveAll deletes every rule of Mini's, on any bridge, then Mini's chains and jumps, and the
// tables listed in created: for `mini system reset`, once no bridge of Mini's is left on the
// host (a bridge deleted by hand leaves its rules behind). It reports whether there was anything.
func RemoveAll(created []string, n *explain.Narrator) (bool, error) {
	s, err := read()
	if err != nil {
		return false, err
	}
	var b batch
	for _, r := range s.tagged(true, "mini") {
		b.add("-D", r)
	}
	s.removeChains(&b)
	if len(b) == 0 {
		return false, nil
	}
	b.narrate(n, "delete what is left of Mini's rules and chains")
	if err := b.apply(); err != nil {
		return false, err
	}
	return true, pruneTables(created, n)
}
