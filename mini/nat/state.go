//mini:chapter 05

package nat

import (
	"fmt"
	"os/exec"
	"strings"

	"github.com/minikit/kit/mini/explain"
)

// saved is what iptables-save shows of the nat and filter tables when a change starts.
type saved struct {
	tables map[string]bool     // the tables that exist at all
	lines  map[string][]string // table → its lines
}

func read() (*saved, error) {
	// One iptables-save for both tables (and the list of tables): each run costs a process.
	out, err := exec.Command("iptables-save").Output()
	if err != nil {
		return nil, fmt.Errorf("iptables-save: %w", err)
	}
	s := &saved{tables: map[string]bool{}, lines: map[string][]string{}}
	table := ""
	for _, line := range strings.Split(string(out), "\n") {
		if name, ok := strings.CutPrefix(line, "*"); ok {
			table = name
			s.tables[name] = true
		}
		if table == "nat" || table == "filter" {
			s.lines[table] = append(s.lines[table], line)
		}
	}
	return s, nil
}

// hasChain reports whether chain exists in table.
func (s *saved) hasChain(table, chain string) bool {
	for _, l := range s.lines[table] {
		if strings.HasPrefix(l, ":"+chain+" ") {
			return true
		}
	}
	return false
}

// tagged returns, as rules, the lines of every rule whose comment is one of comments or, with
// prefix set, starts with one of them followed by ":".
func (s *saved) tagged(prefix bool, comments ...string) []Rule {
	var rules []Rule
	for _, table := range []string{"nat", "filter"} {
		for _, l := range s.lines[table] {
			f := strings.Fields(l)
			if len(f) < 3 || f[0] != "-A" {
				continue
			}
			for i := 0; i+1 < len(f); i++ {
				if f[i] != "--comment" {
					continue
				}
				c := strings.Trim(f[i+1], `"`)
				for _, want := range comments {
					if c == want || prefix && strings.HasPrefix(c, want+":") {
						rules = append(rules, Rule{table, f[1], f[2:]})
					}
				}
			}
		}
	}
	return rules
}

// orphans returns the rules of containers, on any bridge, that are not among live: a stale DNAT
// rule would go on stealing its port's packets, even from a container on another bridge.
func (s *saved) orphans(live []string) []Rule {
	keep := map[string]bool{}
	for _, id := range live {
		keep[id] = true
	}
	var rules []Rule
	for _, r := range s.tagged(true, "mini") {
		f := strings.Split(r.comment(), ":")
		if len(f) == 3 && !keep[f[2]] {
			rules = append(rules, r)
		}
	}
	return rules
}

// comment is the rule's --comment.
func (r Rule) comment() string {
	for i := 0; i+1 < len(r.Spec); i++ {
		if r.Spec[i] == "--comment" {
			return strings.Trim(r.Spec[i+1], `"`)
		}
	}
	return ""
}

// miniRules counts the rules in Mini's chains.
func (s *saved) miniRules() int {
	n := 0
	for _, table := range []string{"nat", "filter"} {
		for _, l := range s.lines[table] {
			if strings.HasPrefix(l, "-A MINI-") {
				n++
			}
		}
	}
	return n
}

// ensureChains adds to b what creates Mini's chains and the jumps to them, when they are missing,
// and returns the tables that do not exist yet (the batch creates them).
func (s *saved) ensureChains(b *batch) (created []string) {
	if s.chainsComplete() {
		return nil
	}
	for _, t := range []string{"nat", "filter"} {
		if !s.tables[t] {
			created = append(created, t)
		}
	}
	for _, c := range chains() {
		//mini:begin 07
		if s.hasChain(c.Table, c.Chain) {
			continue // it holds the running containers' rules: making it again would flush them
		}
		//mini:end 07
		b.add("-N", c)
	}
	for _, j := range jumps() {
		//mini:begin 07
		if s.hasRule(j) {
			continue
		}
		//mini:end 07
		op := "-A"
		if j.Chain == "FORWARD" || j.Chain == "INPUT" {
			op = "-I" // before any rule the host already has (a DROP, or an ACCEPT of everything)
		}
		b.add(op, j)
	}
	return created
}

// chainsComplete reports whether Mini's chains are there. Chapter 05 looks at three of them
// and, when one is missing, makes them all again (which flushes the others).
func (s *saved) chainsComplete() bool {
	//mini:begin 07
	// From chapter 07 on, every chain and every jump is checked on its own, and only what is
	// missing is added back: a firewall reload, or an `iptables -D` by hand, must not cost the
	// running containers their published ports.
	for _, c := range chains() {
		if !s.hasChain(c.Table, c.Chain) {
			return false
		}
	}
	for _, j := range jumps() {
		if !s.hasRule(j) {
			return false
		}
	}
	//mini:end 07
	return s.hasChain("nat", Postrouting) && s.hasChain("filter", Forward) && s.hasChain("filter", Input)
}

// chains are Mini's own chains.
func chains() []Rule {
	return []Rule{{Table: "nat", Chain: Prerouting}, {Table: "nat", Chain: Output},
		{Table: "nat", Chain: Postrouting}, {Table: "filter", Chain: Forward}, {Table: "filter", Chain: Input}}
}

// removeChains adds to b what removes the jumps and Mini's (empty) chains.
func (s *saved) removeChains(b *batch) {
	for _, j := range jumps() {
		//mini:begin 07
		if !s.hasRule(j) {
			continue // deleted by hand, or by a firewall reload: the batch would fail on it
		}
		//mini:end 07
		b.add("-D", j)
	}
	for _, c := range chains() {
		//mini:begin 07
		if !s.hasChain(c.Table, c.Chain) {
			continue
		}
		//mini:end 07
		b.add("-X", c)
	}
}

// pruneTables deletes the tables Mini's first rules created, once they are as empty as the
// nf_tables build of iptables left them: with that build a table exists only after someone
// wrote to it, and an empty one would stay in iptables-save forever. (The legacy build's tables
// are those of loaded kernel modules; there is nothing to delete.)
func pruneTables(created []string, n *explain.Narrator) error {
	if len(created) == 0 || !nftBackend() {
		return nil
	}
	for _, t := range created {
		out, err := save(t)
		if err != nil {
			return err
		}
		if !emptyTable(out) {
			continue // someone else wrote to it meanwhile: it is theirs now too
		}
		n.Stepf(explain.Network, explain.Sh("nft delete table ip "+t),
			"delete the %s table that Mini's first rule created (nf_tables keeps empty tables)", t)

		if out, err := exec.Command("nft", "delete", "table", "ip", t).CombinedOutput(); err != nil {
			return fmt.Errorf("nft delete table ip %s: %v: %s", t, err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// emptyTable reports whether an iptables-save of one table shows only built-in chains with the
// ACCEPT policy and no rule.
func emptyTable(out string) bool {
	for _, l := range strings.Split(out, "\n") {
		switch {
		case l == "", strings.HasPrefix(l, "#"), strings.HasPrefix(l, "*"), l == "COMMIT":
		case strings.HasPrefix(l, ":"):
			f := strings.Fields(l)
			builtin := map[string]bool{":PREROUTING": true, ":INPUT": true, ":FORWARD": true, ":OUTPUT": true, ":POSTROUTING": true}
			if len(f) < 2 || !builtin[f[0]] || f[1] != "ACCEPT" {
				return false
			}
		default:
			return false
		}
	}
	return true
}
