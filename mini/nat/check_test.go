//mini:chapter 07

package nat

import (
	"net/netip"
	"strings"
	"testing"
)

// savedFilter is iptables-save's view of a filter table with Mini's chains and one bridge:
// the matches in the kernel's order, not in the order Mini gave them.
const savedFilter = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:MINI-FORWARD - [0:0]
:MINI-INPUT - [0:0]
-A INPUT -m comment --comment mini -j MINI-INPUT
-A MINI-FORWARD -i mini0 -m comment --comment "mini:mini0" -j ACCEPT
-A MINI-FORWARD -o mini0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "mini:mini0" -j ACCEPT
-A MINI-FORWARD -d 10.88.0.2/32 ! -i mini0 -o mini0 -p tcp -m tcp --dport 80 -m comment --comment "mini:mini0:2e092e03fc9b" -j ACCEPT
-A MINI-INPUT -d 127.0.0.0/8 -i mini0 -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment --comment "mini:mini0" -j DROP
COMMIT
`

// A rule is found whatever order iptables-save prints its matches in; a missing jump, chain or
// bridge rule is added back alone, and nothing is flushed.
func TestCh07ChainsCheckedOneByOne(t *testing.T) {
	s := &saved{tables: map[string]bool{"filter": true, "nat": true}, lines: map[string][]string{"filter": strings.Split(savedFilter, "\n")}}
	br := Bridge{Name: "mini0", Subnet: netip.MustParsePrefix("10.88.0.0/16")}
	port, err := PortRules(br, "2e092e03fc9b", netip.MustParseAddr("10.88.0.2"), []Port{{HostPort: 8080, ContainerPort: 80, Proto: "tcp"}})
	if err != nil {
		t.Fatal(err)
	}
	if !s.hasRule(port[2]) {
		t.Errorf("the published port's FORWARD rule is there, but hasRule does not see it: %v", port[2])
	}
	var b batch
	s.ensureChains(&b)
	got := batchText(b)
	// The nat table's chains and jumps are all missing, and the FORWARD jump: nothing else.
	for _, want := range []string{"-N nat MINI-PREROUTING", "-N nat MINI-OUTPUT", "-N nat MINI-POSTROUTING",
		"-I filter FORWARD -m comment --comment mini -j MINI-FORWARD", "-A nat POSTROUTING"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in the repair, got:\n%s", want, got)
		}
	}
	for _, never := range []string{"-N filter MINI-FORWARD", "-N filter MINI-INPUT", "-I filter INPUT"} {
		if strings.Contains(got, never) {
			t.Errorf("%q is there already: making it again would flush it or double it; got:\n%s", never, got)
		}
	}
	// The bridge's rules: only the three MASQUERADE rules of the (missing) nat table are added.
	b = nil
	if err := s.repairBridge(&b, br); err != nil {
		t.Fatal(err)
	}
	if got := batchText(b); len(b) != 3 || strings.Count(got, "MASQUERADE") != 3 {
		t.Errorf("want the bridge's three missing nat rules added back, got:\n%s", got)
	}
}

func batchText(b batch) string {
	var lines []string
	for _, c := range b {
		lines = append(lines, c.op+" "+c.rule.Table+" "+c.rule.Chain+" "+strings.Join(c.rule.Spec, " "))
	}
	return strings.Join(lines, "\n")
}
