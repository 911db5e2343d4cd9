//mini:chapter 07

package e2e

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
)

// Networks as objects. Each test uses its own network names and subnets (10.207.N.0/24), and
// its environment removes every network of its state root when it ends (resetNetworks).

func TestCh07NetworkCreateListInspectRemove(t *testing.T) {
	e := newEnv(t)
	before := netState(t)
	r := e.mini("network", "create", "--subnet", "10.207.1.0/24", "mt7one")
	id := strings.TrimSpace(r.Stdout)
	if r.Status != 0 || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(id) {
		t.Fatalf("network create: want the network's 64-hex ID, got:\n%s", r)
	}
	ls := e.mini("network", "ls")
	if ls.Status != 0 || !regexp.MustCompile(`(?m)^NETWORK ID +NAME +DRIVER +SCOPE$`).MatchString(ls.Stdout) ||
		!regexp.MustCompile(`(?m)^`+id[:12]+` +mt7one +bridge +local$`).MatchString(ls.Stdout) {
		t.Errorf("network ls: want Docker's columns and a row for mt7one, got:\n%s", ls)
	}
	expect(t, e.mini("network", "ls", "-q"), 0, id[:12]+"\n")

	in := e.mini("network", "inspect", "mt7one")
	var views []struct {
		Name   string
		ID     string `json:"Id"`
		Driver string
		IPAM   struct {
			Config []struct{ Subnet, Gateway string }
		}
		Options map[string]string
	}
	if in.Status != 0 || json.Unmarshal([]byte(in.Stdout), &views) != nil || len(views) != 1 {
		t.Fatalf("network inspect: want a JSON array of one network, got:\n%s", in)
	}
	v := views[0]
	bridge := v.Options["com.docker.network.bridge.name"]
	if v.Name != "mt7one" || v.ID != id || v.Driver != "bridge" || len(v.IPAM.Config) != 1 ||
		v.IPAM.Config[0].Subnet != "10.207.1.0/24" || v.IPAM.Config[0].Gateway != "10.207.1.1" || bridge == "" {
		t.Errorf("network inspect: got %+v", v)
	}
	// The bridge exists from create on, with the gateway's address, before any container.
	out, err := exec.Command("ip", "-o", "-4", "addr", "show", "dev", bridge).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "inet 10.207.1.1/24") {
		t.Errorf("want bridge %s with 10.207.1.1/24, got %q, %v", bridge, out, err)
	}
	// A container on it gets an address of its subnet.
	r = e.mini("run", "--rm", "--network", "mt7one", "--", "ip", "-o", "-4", "addr", "show", "eth0")
	if ip := containerIP(t, r.Stdout); r.Status != 0 || !strings.HasPrefix(ip, "10.207.1.") {
		t.Errorf("want an address of 10.207.1.0/24, got:\n%s", r)
	}
	expect(t, e.mini("network", "rm", id[:12]), 0, id[:12]+"\n")
	expect(t, e.mini("network", "ls", "-q"), 0, "")
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("network rm left the host changed (-before +after):\n%s", diff)
	}
}

func TestCh07NetworkInUseIsNotRemoved(t *testing.T) {
	e := newEnv(t)
	if r := e.mini("network", "create", "--subnet", "10.207.2.0/24", "mt7busy"); r.Status != 0 {
		t.Fatalf("network create: %s", r)
	}
	a := e.start("run", "--rm", "-i", "--network", "mt7busy", "--", "sh", "-c", "echo ready; read x; true")
	a.waitFor("ready")
	// No t.Fatal until a.wait(): see TestCh05Step1VethInNamespace.
	r := e.mini("network", "rm", "mt7busy")
	if r.Status != 125 || !regexp.MustCompile(`^mini: error while removing network: network mt7busy id [0-9a-f]{12} has active endpoints`).MatchString(r.Stderr) {
		t.Errorf("network rm of a network in use: want Docker's refusal, got:\n%s", r)
	}
	if ls := e.mini("network", "ls"); !strings.Contains(ls.Stdout, " mt7busy ") {
		t.Errorf("the refused network rm removed the network:\n%s", ls)
	}
	expect(t, a.wait(), 0, "ready\n")
	expect(t, e.mini("network", "rm", "mt7busy"), 0, "mt7busy\n")
}

// Two containers on one network reach each other by name, and each one's /etc/hosts follows
// the other's coming and going while it runs (the file is rewritten in place: it is a bind mount).
func TestCh07ContainersReachEachOtherByName(t *testing.T) {
	e := newEnv(t)
	if r := e.mini("network", "create", "--subnet", "10.207.3.0/24", "mt7names"); r.Status != 0 {
		t.Fatalf("network create: %s", r)
	}
	alpha := e.start("run", "--rm", "-i", "--network", "mt7names", "--hostname", "alpha", "--", "sh", "-c",
		"echo ready; read x; cat /etc/hosts")
	alpha.waitFor("ready")
	beta := e.start("run", "--rm", "-i", "--network", "mt7names", "--hostname", "beta", "--", "sh", "-c",
		"ping -c 1 -W 5 alpha >/dev/null && echo reached; wget -q -O /dev/null http://alpha:1/ 2>/dev/null; echo ready; read x; cat /etc/hosts")
	beta.waitFor("ready")
	// No t.Fatal until both have ended: see TestCh05Step1VethInNamespace.
	in := e.mini("network", "inspect", "mt7names")
	if !strings.Contains(in.Stdout, `"Hostname": "alpha"`) || !strings.Contains(in.Stdout, `"Hostname": "beta"`) {
		t.Errorf("network inspect: want both containers listed, got:\n%s", in)
	}
	ra := alpha.wait() // alpha prints its /etc/hosts as beta runs, then leaves the network
	if !regexp.MustCompile(`(?m)^10\.207\.3\.\d+\t.*\bbeta$`).MatchString(ra.Stdout) {
		t.Errorf("alpha's /etc/hosts does not list beta, which joined after it:\n%s", ra)
	}
	rb := beta.wait()
	if !strings.Contains(rb.Stdout, "reached\n") {
		t.Errorf("beta did not reach alpha by name:\n%s", rb)
	}
	if strings.Contains(rb.Stdout, "alpha") {
		t.Errorf("beta's /etc/hosts still lists alpha, which has left:\n%s", rb)
	}
	// The default network, as Docker's, has no names but the container's own.
	r := e.mini("run", "--rm", "--hostname", "gamma", "--", "cat", "/etc/hosts")
	if r.Status != 0 || strings.Contains(r.Stdout, "# the other containers") {
		t.Errorf("the default network: want no list of other containers, got:\n%s", r)
	}
}

func TestCh07NetworkBadInput(t *testing.T) {
	e := newEnv(t)
	before := netState(t)
	if r := e.mini("network", "create", "--subnet", "10.207.4.0/24", "mt7bad"); r.Status != 0 {
		t.Fatalf("network create: %s", r)
	}
	for _, c := range []struct {
		args []string
		says []string
	}{
		{[]string{"network", "create", "--subnet", "10.207.5.0/24", "mt7bad"}, []string{"network with name mt7bad already exists"}},
		{[]string{"network", "create", "--subnet", "banana", "mt7banana"}, []string{`--subnet "banana"`}},
		{[]string{"network", "create", "--subnet", "127.5.0.0/16", "mt7lo"}, []string{"127.5.0.0/16", "loopback"}},
		{[]string{"network", "create", "--subnet", "10.207.4.128/25", "mt7over"}, []string{"10.207.4.128/25", "overlaps", "mt7bad"}},
		{[]string{"network", "create", "bad/name"}, []string{`invalid network name "bad/name"`}},
		{[]string{"network", "create", "bridge"}, []string{"pre-defined"}},
		{[]string{"network", "create"}, []string{"one NAME"}},
		{[]string{"network", "rm", "mt7nothere"}, []string{"network mt7nothere not found"}},
		{[]string{"network", "rm", "bridge"}, []string{"bridge is a pre-defined network and cannot be removed"}},
		{[]string{"network", "inspect", "mt7nothere"}, []string{"network mt7nothere not found"}},
		{[]string{"run", "--network", "mt7nothere", "--", "true"}, []string{"network mt7nothere not found", "mini network create"}},
	} {
		expectError(t, e.mini(c.args...), 125, c.says...)
	}
	// A subnet that collides with a route of the host (here another network's bridge: the
	// route check sees networks of every state root).
	other := newEnv(t)
	expectError(t, other.mini("network", "create", "--subnet", "10.207.4.0/28", "mt7route"), 125, "overlaps the host's route 10.207.4.0/24")
	other.resetNetworks()
	e.resetNetworks()
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("bad input left the host changed (-before +after):\n%s", diff)
	}
}

// Mini's iptables chains are checked one by one: a jump deleted by hand and a chain gone
// (as after a firewall reload) are added back by the next start, and the rules of the running
// containers stay: their published ports keep working.
func TestCh07ChainsRepairedOneByOne(t *testing.T) {
	e := newEnv(t)
	if r := e.mini("network", "create", "--subnet", "10.207.6.0/24", "mt7fw"); r.Status != 0 {
		t.Fatalf("network create: %s", r)
	}
	web := e.start("run", "--rm", "-i", "--network", "mt7fw", "--hostname", "web", "-p", "18276:80", "--", "sh", "-c",
		"httpd -p 80 -h /etc && echo ready; read x; true")
	web.waitFor("ready")
	// No t.Fatal until web.wait(): see TestCh05Step1VethInNamespace.
	for _, cmd := range [][]string{
		{"iptables", "-D", "FORWARD", "-m", "comment", "--comment", "mini", "-j", "MINI-FORWARD"},
		{"iptables", "-D", "INPUT", "-m", "comment", "--comment", "mini", "-j", "MINI-INPUT"},
		{"iptables", "-F", "MINI-INPUT"},
		{"iptables", "-X", "MINI-INPUT"},
	} {
		if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%s: %v: %s", strings.Join(cmd, " "), err, out)
		}
	}
	if r := e.mini("run", "--rm", "--network", "mt7fw", "--", "true"); r.Status != 0 {
		t.Errorf("a start after the firewall lost Mini's jumps: %s", r)
	}
	filter, _ := exec.Command("iptables-save", "-t", "filter").Output()
	nat, _ := exec.Command("iptables-save", "-t", "nat").Output()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^-A FORWARD .*-j MINI-FORWARD$`),
		regexp.MustCompile(`(?m)^-A INPUT .*-j MINI-INPUT$`),
		regexp.MustCompile(`(?m)^-A MINI-INPUT -d 127\.0\.0\.0/8 -i mini-.*-j DROP$`), // the loopback guard (CVE-2020-8558)
	} {
		if len(want.FindAll(filter, -1)) != 1 {
			t.Errorf("want exactly one rule matching %s in the filter table, got:\n%s", want, filter)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^-A MINI-(PREROUTING|OUTPUT) .*--dport 18276 .*-j DNAT`).FindAll(nat, -1)); n != 2 {
		t.Errorf("want web's two DNAT rules for port 18276 still there, got %d:\n%s", n, nat)
	}
	if got, err := httpGet(net.Dial, "127.0.0.1:18276", "/hosts"); err != nil || !strings.Contains(got, "\tweb\n") {
		t.Errorf("web's published port after the repair: want its /etc/hosts, got %q, %v", got, err)
	}
	if r := web.wait(); r.Status != 0 {
		t.Errorf("the web container: %s", r)
	}
}

// The default network is made with the first container on it and kept after the last (a
// bridged start then costs no bridge and no rules); `system reset` takes it away and leaves the
// host's links, iptables rules and ip_forward as they were.
func TestCh07DefaultNetworkKept(t *testing.T) {
	e := newEnv(t)
	before := netState(t)
	br := bridgeName()
	expect(t, e.mini("run", "--rm", "--", "true"), 0, "")
	if _, err := netlink.LinkByName(br); err != nil {
		t.Errorf("want bridge %s kept after the last container: %v", br, err)
	}
	if ls := e.mini("network", "ls"); !regexp.MustCompile(`(?m)^[0-9a-f]{12} +bridge +bridge +local$`).MatchString(ls.Stdout) {
		t.Errorf("network ls: want the default network, got:\n%s", ls)
	}
	kept := netState(t)
	r := e.mini("run", "--rm", "--explain", "--", "true")
	if r.Status != 0 || strings.Contains(r.Stderr, "$ ip link add "+br) || strings.Contains(r.Stderr, "$ ip link del "+br) {
		t.Errorf("a second container: want the kept bridge used as it is, got:\n%s", r)
	}
	if diff := cmp.Diff(kept, netState(t)); diff != "" {
		t.Errorf("a container on the kept network left the host changed (-before +after):\n%s", diff)
	}
	r = e.mini("system", "reset")
	if r.Status != 0 || !strings.Contains(r.Stdout, "Deleted network bridge") {
		t.Errorf("system reset: %s", r)
	}
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("system reset left the host changed (-before +after):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(e.root, "networks")); !os.IsNotExist(err) {
		t.Errorf("want %s removed by system reset, got %v", filepath.Join(e.root, "networks"), err)
	}
}

// A bridge deleted by hand leaves its rules and Mini's chains: system reset removes them too,
// and a network whose bridge is gone gets it back, from its record, with its next container.
func TestCh07ResetAfterBridgeDeletedByHand(t *testing.T) {
	e := newEnv(t)
	before := netState(t)
	if r := e.mini("network", "create", "--subnet", "10.207.10.0/24", "mt7gone"); r.Status != 0 {
		t.Fatalf("network create: %s", r)
	}
	expect(t, e.mini("run", "--rm", "--network", "mt7gone", "--", "true"), 0, "")
	// This network's bridge, by its name in the record (another suite's may be up too).
	m := regexp.MustCompile(`"com.docker.network.bridge.name": "(mini-[0-9a-f]+)"`).FindStringSubmatch(e.mini("network", "inspect", "mt7gone").Stdout)
	if m == nil {
		t.Fatalf("network inspect mt7gone names no bridge")
	}
	bridge := m[1]
	if out, err := exec.Command("ip", "link", "del", bridge).CombinedOutput(); err != nil {
		t.Fatalf("ip link del %s: %v: %s", bridge, err, out)
	}
	r := e.mini("run", "--rm", "--network", "mt7gone", "--", "ip", "-o", "-4", "addr", "show", "eth0")
	if ip := containerIP(t, r.Stdout); r.Status != 0 || !strings.HasPrefix(ip, "10.207.10.") {
		t.Errorf("a start after the bridge was deleted: want it made again with the network's subnet, got:\n%s", r)
	}
	if out, err := exec.Command("ip", "link", "del", bridge).CombinedOutput(); err != nil {
		t.Fatalf("ip link del %s: %v: %s", bridge, err, out)
	}
	expect(t, e.mini("system", "reset"), 0, "Deleted network mt7gone\n")
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("system reset left the host changed (-before +after):\n%s", diff)
	}
}

// defaultNetwork makes sure the default network exists, for chapter 05's tests that compare
// the host before and after a container: from chapter 07 on, it outlives its containers.
func (e *env) defaultNetwork() {
	e.t.Helper()
	expect(e.t, e.mini("run", "--rm", "--network", "bridge", "--", "true"), 0, "")
}

// resetNetworks removes every network of the test's state root, with `mini system reset`.
func (e *env) resetNetworks() {
	e.t.Helper()
	if _, err := os.Stat(filepath.Join(e.root, "networks")); err != nil {
		return
	}
	if r := e.mini("system", "reset"); r.Status != 0 {
		e.t.Errorf("mini system reset: %s", r)
	}
}
