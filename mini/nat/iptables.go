//mini:chapter 05

// Package nat writes the iptables rules that give containers on a bridge a way out (MASQUERADE)
// and a way in (DNAT for every published port).
//
// Mini drives the iptables programs, as Docker does, instead of talking to the kernel itself:
// the same commands work with both builds of iptables ("legacy" x_tables and "nf_tables"), and
// every rule Mini writes is one a student can type, list (iptables -t nat -L -v) and delete.
//
// All of Mini's rules live in its own chains (MINI-PREROUTING, MINI-OUTPUT, MINI-POSTROUTING,
// MINI-FORWARD), reached by one jump from each built-in chain. Teardown removes exactly Mini's
// rules and never touches anyone else's. Changes are applied in batches through
// `iptables-restore --noflush`: one process and one kernel transaction for many rules, where one
// `iptables` process per rule costs ~17 ms each on a test machine (see BenchmarkRules*).
package nat

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"

	"github.com/minikit/kit/mini/explain"
)

// Rule is one iptables rule: its table, its chain, and the match and target after the chain.
type Rule struct {
	Table string   // "nat" or "filter"
	Chain string   // e.g. MINI-POSTROUTING
	Spec  []string // e.g. -s 10.88.0.0/16 ! -o mini0 -j MASQUERADE
}

// Command is the iptables command that does op ("-A", "-I", "-D") with the rule, for --explain.
func (r Rule) Command(op string) string {
	return fmt.Sprintf("iptables -t %s %s %s %s", r.Table, op, r.Chain, strings.Join(r.Spec, " "))
}

// change is one line of an iptables-restore batch.
type change struct {
	op   string // -A, -I, -D, -N (new chain), -X (delete chain)
	rule Rule   // for -N and -X only Table and Chain
}

// batch collects changes and applies them with one iptables-restore.
type batch []change

func (b *batch) add(op string, r Rule) { *b = append(*b, change{op, r}) }

// apply runs iptables-restore --noflush: without --noflush, restore would replace the whole table,
// everybody's rules included. --wait waits for the xtables lock that the legacy build takes.
// The batch is all or nothing: if one line fails, none is applied.
func (b batch) apply() error {
	if len(b) == 0 {
		return nil
	}
	var in bytes.Buffer
	for _, table := range []string{"nat", "filter"} {
		lines := 0
		for _, c := range b {
			if c.rule.Table != table {
				continue
			}
			if lines == 0 {
				fmt.Fprintf(&in, "*%s\n", table)
			}
			lines++
			switch c.op {
			case "-N":
				// In restore syntax ":CHAIN - [0:0]" creates a chain (and flushes it if it exists).
				fmt.Fprintf(&in, ":%s - [0:0]\n", c.rule.Chain)
			case "-X":
				fmt.Fprintf(&in, "-X %s\n", c.rule.Chain)
			default:
				fmt.Fprintf(&in, "%s %s %s\n", c.op, c.rule.Chain, strings.Join(quote(c.rule.Spec), " "))
			}
		}
		if lines > 0 {
			in.WriteString("COMMIT\n")
		}
	}
	cmd := exec.Command("iptables-restore", "--noflush", "--wait")
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("iptables-restore --noflush: %v: %s (the batch was:\n%s)", err, strings.TrimSpace(string(out)), in.String())
	}
	return nil
}

// narrate shows every change of the batch as the iptables command that makes it by hand.
func (b batch) narrate(n *explain.Narrator, what string) {
	if !n.Enabled() || len(b) == 0 {
		return
	}
	var cmds []string
	for _, c := range b {
		switch c.op {
		case "-N", "-X":
			cmds = append(cmds, fmt.Sprintf("iptables -t %s %s %s", c.rule.Table, c.op, c.rule.Chain))
		default:
			cmds = append(cmds, c.rule.Command(c.op))
		}
	}
	n.Step(explain.Network, explain.Sh(strings.Join(cmds, "\n")), what+" (one batch: iptables-restore --noflush)")
}

// quote puts double quotes around an argument with spaces, as iptables-restore reads them.
func quote(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \t") {
			a = `"` + a + `"`
		}
		out[i] = a
	}
	return out
}

// save returns the rules of table as iptables-save prints them ("" when the table does not exist).
func save(table string) (string, error) {
	out, err := exec.Command("iptables-save", "-t", table).Output()
	if err != nil {
		return "", fmt.Errorf("iptables-save -t %s: %w", table, err)
	}
	return string(out), nil
}

// tables lists the tables iptables-save shows at all. With the nf_tables build a table exists only
// once something created it; with the legacy build, once its kernel module is loaded.
func tables() (map[string]bool, error) {
	out, err := exec.Command("iptables-save").Output()
	if err != nil {
		return nil, fmt.Errorf("iptables-save: %w", err)
	}
	t := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if name, ok := strings.CutPrefix(line, "*"); ok {
			t[name] = true
		}
	}
	return t, nil
}

// nftBackend reports whether iptables is the nf_tables build ("iptables v1.8.9 (nf_tables)").
func nftBackend() bool {
	out, err := exec.Command("iptables", "--version").Output()
	return err == nil && strings.Contains(string(out), "nf_tables")
}
