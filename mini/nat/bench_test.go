//mini:chapter 05

package nat

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// The speeds the package comment quotes: a batch of rules through one iptables-restore
// --noflush, against one iptables process per rule. Run as root:
//
//	go test -run XXX -bench Rules ./mini/nat

const benchRules = 10

func BenchmarkRulesBatch(b *testing.B) {
	chain := benchChain(b)
	for i := 0; i < b.N; i++ {
		var add, del batch
		for _, r := range benchRuleSet(chain) {
			add.add("-A", r)
			del.add("-D", r)
		}
		if err := add.apply(); err != nil {
			b.Fatal(err)
		}
		if err := del.apply(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*2*benchRules), "µs/rule")
}

func BenchmarkRulesOneByOne(b *testing.B) {
	chain := benchChain(b)
	for i := 0; i < b.N; i++ {
		for _, op := range []string{"-A", "-D"} {
			for _, r := range benchRuleSet(chain) {
				args := append([]string{"-w", "-t", r.Table, op, r.Chain}, r.Spec...)
				if out, err := exec.Command("iptables", args...).CombinedOutput(); err != nil {
					b.Fatalf("iptables %v: %v: %s", args, err, out)
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*2*benchRules), "µs/rule")
}

func benchRuleSet(chain string) []Rule {
	var rules []Rule
	for i := 0; i < benchRules; i++ {
		rules = append(rules, Rule{"filter", chain, []string{"-s", fmt.Sprintf("198.18.0.%d/32", i+1), "-j", "RETURN"}})
	}
	return rules
}

// benchChain makes an empty chain of the filter table for the benchmark and removes it after
// (and the filter table, if the benchmark created it).
func benchChain(b *testing.B) string {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	const chain = "MINI-BENCH"
	t, err := tables()
	if err != nil {
		b.Fatal(err)
	}
	var created []string
	if !t["filter"] {
		created = []string{"filter"}
	}
	if err := (batch{{"-N", Rule{Table: "filter", Chain: chain}}}).apply(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := (batch{{"-X", Rule{Table: "filter", Chain: chain}}}).apply(); err != nil {
			b.Error(err)
		}
		if err := pruneTables(created, nil); err != nil {
			b.Error(err)
		}
	})
	return chain
}
