package doctor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
)

// checkIptables: chapter 05 publishes ports and lets containers reach the outside with NAT
// rules (MASQUERADE, DNAT) added by the iptables command. Since iptables 1.8 the same command
// exists in two builds: "legacy" programs the old x_tables interface, "nf_tables" translates
// into nftables. Both work, but rules made through one are invisible to the other, so it
// matters that Mini and whatever else manages the host's firewall use the same one.
func checkIptables(o Options) Result {
	r := Result{Item: "iptables"}
	out, err := o.IptablesVersion()
	if err != nil {
		r.Level = Problem
		r.Finding = fmt.Sprintf("iptables --version: %v", err)
		if errors.Is(err, exec.ErrNotFound) {
			r.Finding = "iptables not found"
		}
		r.Fix = "chapter 05 needs it: apt-get install iptables"
		return r
	}
	version, backend, ok := parseIptablesVersion(out)
	if !ok {
		r.Level, r.Finding = Warning, fmt.Sprintf("cannot parse %q", strings.TrimSpace(out))
		return r
	}
	r.Level, r.Finding = OK, fmt.Sprintf("iptables v%s, %s backend", version, backend)
	return r
}

// parseIptablesVersion reads "iptables v1.8.9 (nf_tables)" as ("1.8.9", "nf_tables"). Versions
// before 1.8 print no backend; they can only be legacy.
func parseIptablesVersion(out string) (version, backend string, ok bool) {
	m := regexp.MustCompile(`iptables v([0-9][0-9.]*)(?:\s+\(([a-z_]+)\))?`).FindStringSubmatch(out)
	if m == nil {
		return "", "", false
	}
	backend = m[2]
	if backend == "" {
		backend = "legacy"
	}
	return m[1], backend, true
}

// checkIPForward: a container's packets leave through the host, which routes them from the
// bridge to the outside interface only when IPv4 forwarding is on.
func checkIPForward(o Options) Result {
	r := Result{Item: "ip_forward"}
	p := o.proc("sys", "net", "ipv4", "ip_forward")
	b, err := os.ReadFile(p)
	if err != nil {
		r.Level, r.Finding = Warning, fmt.Sprintf("cannot read %s: %v", p, err)
		return r
	}
	if strings.TrimSpace(string(b)) == "1" {
		r.Level, r.Finding = OK, "net.ipv4.ip_forward = 1"
		return r
	}
	r.Level, r.Finding = Warning, "net.ipv4.ip_forward = "+strings.TrimSpace(string(b))
	r.Fix = "nothing to do: Mini turns it on when it sets up networking (sysctl -w net.ipv4.ip_forward=1)"
	return r
}
