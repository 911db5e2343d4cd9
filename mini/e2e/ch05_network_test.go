//mini:chapter 05

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Network safety: these tests send traffic only to loopback, to the containers they start, and
// to the "outside host", a network namespace the test makes itself (198.18.0.0/15, the range
// RFC 2544 sets aside for benchmarking). Nothing leaves the machine.

func TestCh05Step1VethInNamespace(t *testing.T) {
	e := newEnv(t)
	a := e.start("run", "-i", "--", "sh", "-c", "ip -o -4 addr show eth0; echo ready; read x; true")
	a.waitFor("ready")
	// From here until a.wait(), no t.Fatal: the test's end would kill mini with SIGKILL (the
	// harness runs it under the test's context), and a killed Mini cleans up nothing.
	ip := containerIP(t, a.out.String())
	// On the host: the container's veth is a port of the bridge.
	br := bridgeName()
	out, err := exec.Command("ip", "-o", "link", "show", "master", br).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "veth") {
		t.Errorf("want a veth on bridge %s while the container runs, got %q, %v", br, out, err)
	}
	// The container reaches the gateway, and the other container, across the bridge.
	r := e.mini("run", "--", "sh", "-c",
		"ip -o link show eth0 >/dev/null && ping -c 1 -W 5 $(ip route | awk '/^default/ {print $3}') >/dev/null && ping -c 1 -W 5 "+ip+" >/dev/null && echo reached")
	expect(t, r, 0, "reached\n")
	expect(t, a.wait(), 0, a.out.String())
}

// TestCh05Step2AddressAndRoute: inside the container, eth0 has an address, is up, and the
// default route goes through the gateway on the bridge.
func TestCh05Step2AddressAndRoute(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--", "sh", "-c", "ip -o -4 addr show eth0; ip -o link show eth0; ip route")
	if r.Status != 0 {
		t.Fatalf("want the container's view of eth0 and its routes, got:\n%s", r)
	}
	containerIP(t, r.Stdout)
	if !regexp.MustCompile(`eth0[^\n]*[<,]UP[,>]`).MatchString(r.Stdout) {
		t.Errorf("eth0 is not up inside the container:\n%s", r.Stdout)
	}
	if !regexp.MustCompile(`(?m)^default via [0-9.]+ dev eth0`).MatchString(r.Stdout) {
		t.Errorf("no default route via the gateway on eth0 inside the container:\n%s", r.Stdout)
	}
}

func TestCh05Step3MasqueradeToOutside(t *testing.T) {
	e := newEnv(t)
	o := newOutside(t, 1)
	l := o.listen(t, "198.18.1.2:9000")
	peers := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			peers <- err.Error()
			return
		}
		defer c.Close()
		io.Copy(io.Discard, c)
		peers <- c.RemoteAddr().(*net.TCPAddr).IP.String()
	}()
	expect(t, e.mini("run", "--", "sh", "-c", "echo hello | nc 198.18.1.2 9000 && echo sent"), 0, "sent\n")
	select {
	case peer := <-peers:
		// The outside host never sees the container's private address, only the host's own.
		if peer != "198.18.1.1" {
			t.Errorf("the outside host saw the connection come from %s, want the host's address 198.18.1.1 (MASQUERADE)", peer)
		}
	case <-time.After(time.Minute):
		t.Fatal("the outside host got no connection")
	}
}

func TestCh05Step4PublishedPort(t *testing.T) {
	e := newEnv(t)
	o := newOutside(t, 2)
	web := e.start("run", "-i", "--hostname", "web", "-p", "18080:80", "--", "sh", "-c", "httpd -p 80 -h /etc && echo ready; read x; true")
	web.waitFor("ready")
	// No t.Fatal until web.wait(): see TestCh05Step1VethInNamespace.

	// From the host itself, through 127.0.0.1 (OUTPUT DNAT, route_localnet, MASQUERADE).
	if got, err := httpGet(net.Dial, "127.0.0.1:18080", "/hosts"); err != nil || !strings.Contains(got, "\tweb\n") {
		t.Errorf("from the host via 127.0.0.1:18080: want the container's /etc/hosts, got %q, %v", got, err)
	}
	// From another host (PREROUTING DNAT), to the host's address on the outside host's network.
	if got, err := httpGet(o.dial, "198.18.2.1:18080", "/hosts"); err != nil || !strings.Contains(got, "\tweb\n") {
		t.Errorf("from the outside host via 198.18.2.1:18080: want the container's /etc/hosts, got %q, %v", got, err)
	}
	// From another container, through the gateway's address (hairpin).
	r := e.mini("run", "--", "sh", "-c", "wget -q -O - http://$(ip route | awk '/^default/ {print $3}'):18080/hosts")
	if r.Status != 0 || !strings.Contains(r.Stdout, "\tweb\n") {
		t.Errorf("from another container via the gateway:18080: want the container's /etc/hosts, got:\n%s", r)
	}
	if r := web.wait(); r.Status != 0 {
		t.Errorf("the web container: %s", r)
	}
}

func TestCh05PublishedPortTakenIsRefused(t *testing.T) {
	e := newEnv(t)
	//mini:begin 07
	e.defaultNetwork() // from chapter 07 on, the default network outlives its containers
	//mini:end 07
	before := netState(t)
	// A port a program on the host listens on: the start fails half-way (after the bridge, the
	// address and the chains) and must undo all of it.
	l, err := net.Listen("tcp4", "127.0.0.1:18081")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	expectError(t, e.mini("run", "-p", "18081:80", "--", "true"), 125, "-p 18081:80", "already in use")
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("a refused start left the host changed (-before +after):\n%s", diff)
	}
	// A port another container published.
	a := e.start("run", "-i", "-p", "18082:80", "--", "sh", "-c", "echo ready; read x; true")
	a.waitFor("ready")
	during := netState(t) // no t.Fatal until a.wait(): see TestCh05Step1VethInNamespace
	expectError(t, e.mini("run", "-p", "18082:80", "--", "true"), 125, "-p 18082:80", "already in use")
	if diff := cmp.Diff(during, netState(t)); diff != "" {
		t.Errorf("a refused second start changed the host (-before +after):\n%s", diff)
	}
	expect(t, a.wait(), 0, "ready\n")
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("the last container left the host changed (-before +after):\n%s", diff)
	}
}

func TestCh05TeardownLeavesHostAsFound(t *testing.T) {
	e := newEnv(t)
	//mini:begin 07
	e.defaultNetwork() // from chapter 07 on, the default network outlives its containers
	//mini:end 07
	before := netState(t)
	expect(t, e.mini("run", "-p", "18083:80", "-p", "18083:53/udp", "--", "true"), 0, "")
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("the host changed (-before +after):\n%s", diff)
	}
	if entries, _ := os.ReadDir(filepath.Join(e.root, "network")); len(entries) != 1 || entries[0].Name() != "lock" {
		t.Errorf("want only the lock file left in %s/network, got %v", e.root, entries)
	}
}

func TestCh05ParallelStartsGetDistinctAddresses(t *testing.T) {
	e := newEnv(t)
	const n = 20
	bs := make([]*bg, n)
	for i := range n {
		bs[i] = e.start("run", "-i", "--", "sh", "-c", "ip -o -4 addr show eth0; echo ready; read x; true")
	}
	// All twenty run at the same time: each holds its address until its stdin closes.
	for _, b := range bs {
		b.waitFor("ready")
	}
	seen := map[string]int{}
	for i, b := range bs {
		ip := containerIP(t, b.out.String())
		if prev, ok := seen[ip]; ok {
			t.Errorf("containers %d and %d both got %s", prev, i, ip)
		}
		seen[ip] = i
	}
	for _, b := range bs {
		if r := b.wait(); r.Status != 0 {
			t.Errorf("a container failed:\n%s", r)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(e.root, "network")); len(entries) != 1 {
		t.Errorf("want every allocation released (only the lock file left), got %v", entries)
	}
}

func TestCh05NoneAndHost(t *testing.T) {
	e := newEnv(t)
	expect(t, e.mini("run", "--network", "none", "--", "sh", "-c", "ip -o link | awk '{print $2, $3}'"), 0,
		"lo: <LOOPBACK,UP,LOWER_UP>\n")
	hostNS, _ := os.Readlink("/proc/thread-self/ns/net")
	expect(t, e.mini("run", "--network", "host", "--", "readlink", "/proc/self/ns/net"), 0, hostNS+"\n")
	r := e.mini("run", "--", "readlink", "/proc/self/ns/net")
	if r.Status != 0 || r.Stdout == hostNS+"\n" {
		t.Errorf("--network bridge: want a network namespace of its own, got:\n%s", r)
	}
}

func TestCh05HostsAndResolvConf(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--hostname", "box", "--", "sh", "-c", "cat /etc/hosts; grep -c '^nameserver 127' /etc/resolv.conf")
	if r.Status > 1 || !regexp.MustCompile(`(?m)^10\.\d+\.\d+\.\d+\tbox$`).MatchString(r.Stdout) || !strings.HasSuffix(r.Stdout, "0\n") {
		t.Errorf("want /etc/hosts with the container's address and name, and no loopback nameserver, got:\n%s", r)
	}
	// /etc/hostname names the container (and can still be removed, as any file of its own).
	expect(t, e.mini("run", "--hostname", "box", "--", "sh", "-c", "cat /etc/hostname; rm /etc/hostname"), 0, "box\n")
	// The root filesystem's own files are untouched.
	if data, _ := os.ReadFile(filepath.Join(h.rootfs, "etc", "resolv.conf")); len(data) != 0 {
		t.Errorf("the rootfs's /etc/resolv.conf was written: %q", data)
	}
	if data, _ := os.ReadFile(filepath.Join(h.rootfs, "etc", "hostname")); string(data) != "mini\n" {
		t.Errorf("the rootfs's /etc/hostname was written: %q", data)
	}
}

func TestCh05ExplainShowsCommandsAndTopology(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--explain", "--bridge", "minitest4", "--subnet", "10.201.4.0/24", "-p", "18084:80", "--", "true")
	if r.Status != 0 {
		t.Fatalf("want status 0, got:\n%s", r)
	}
	for _, want := range []string{
		"$ ip link add minitest4 ", "$ ip addr add 10.201.4.1/24 dev minitest4", "type veth peer name eth0 netns ",
		"ip route add default via ", "ip_forward", "$ iptables -t nat -A MINI-POSTROUTING -s ",
		"-j MASQUERADE", "-j DNAT --to-destination ", "veth pair: eth0 ⇄ veth",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("--explain does not show %q", want)
		}
	}
	// The bridge goes with its last container.
	deleted := true
	//mini:begin 07
	// From chapter 07 on, the bridge is the default network's, and stays (TestCh07DefaultNetworkKept).
	deleted = false
	//mini:end 07
	if got := strings.Contains(r.Stderr, "$ ip link del minitest4"); got != deleted {
		t.Errorf("--explain shows %q: %v, want %v", "$ ip link del minitest4", got, deleted)
	}
}

func TestCh05BadInput(t *testing.T) {
	e := newEnv(t)
	newOutside(t, 3) // its route 198.18.3.0/24 is one a subnet can collide with
	before := netState(t)
	for _, c := range []struct {
		args []string
		says []string
	}{
		{[]string{"-p", "80"}, []string{"-p 80", "HOSTPORT:CONTAINERPORT"}},
		{[]string{"-p", "8080:http"}, []string{"not a number"}},
		{[]string{"-p", "70000:80"}, []string{"70000", "out of range"}},
		{[]string{"-p", "8080:80/sctp"}, []string{"unknown protocol"}},
		{[]string{"--network", "overlay"}, []string{`unknown --network "overlay"`, "bridge, none or host"}},
		{[]string{"--network", "none", "-p", "8080:80"}, []string{"-p needs --network bridge"}},
		{[]string{"--subnet", "banana"}, []string{`--subnet "banana"`}},
		{[]string{"--bridge", "minitest5", "--subnet", "198.18.3.0/25"}, []string{"198.18.3.0/25", "overlaps the host's route 198.18.3.0/24"}},
	} {
		args := append(append([]string{"run"}, c.args...), "--", "true")
		expectError(t, e.mini(args...), 125, c.says...)
	}
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("bad input left the host changed (-before +after):\n%s", diff)
	}
}

// bridgeName is the bridge the tests' containers use: mini0 unless MINI_BRIDGE says otherwise.
func bridgeName() string {
	if b := os.Getenv("MINI_BRIDGE"); b != "" {
		return b
	}
	return "mini0"
}

// containerIP finds the address in the output of `ip -o -4 addr show eth0`.
func containerIP(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`inet (\d+\.\d+\.\d+\.\d+)/`).FindStringSubmatch(out)
	if m == nil {
		t.Errorf("no IPv4 address on eth0 in %q", out)
		return "(none)"
	}
	return m[1]
}

// netState is what the network part of the host looks like: links, named network namespaces,
// iptables rules, ip_forward.
func netState(t *testing.T) []string {
	t.Helper()
	awaitUnpluggedVeths()
	var s []string
	for _, l := range dirNames("/sys/class/net") {
		s = append(s, "link "+l)
	}
	for _, n := range dirNames("/run/netns") {
		s = append(s, "netns "+n)
	}
	s = append(s, iptablesRules()...)
	fwd, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	s = append(s, "ip_forward "+strings.TrimSpace(string(fwd)))
	sort.Strings(s)
	return s
}

// outside is an "outside host": a network namespace of the test's own, joined to the host by a
// veth pair: 198.18.N.1 on the host's end, 198.18.N.2 on its own. It lives as long as the test
// holds its namespace's file descriptor; closing it makes the kernel delete the namespace and
// the veth with it.
type outside struct {
	ns   netns.NsHandle
	host string // the host's end of the veth
}

func newOutside(t *testing.T, n int) *outside {
	t.Helper()
	o := &outside{host: fmt.Sprintf("mtout%d", n)}
	err := inNewThread(func() error {
		ns, err := netns.New() // unshare(CLONE_NEWNET) on this thread, which is then thrown away
		o.ns = ns
		return err
	})
	if err != nil {
		t.Fatalf("make the outside host's network namespace: %v", err)
	}
	t.Cleanup(func() {
		o.ns.Close()
		// The kernel deletes the namespace, and the veth with it, a moment after the last reference goes.
		for i := 0; i < 5000; i++ {
			if _, err := netlink.LinkByName(o.host); err != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
		if l, err := netlink.LinkByName(o.host); err == nil {
			netlink.LinkDel(l)
		}
	})
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: o.host}, PeerName: "eth0", PeerNamespace: netlink.NsFd(int(o.ns))}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatalf("make the outside host's veth: %v", err)
	}
	hostEnd, _ := netlink.LinkByName(o.host)
	mustDo(t, netlink.AddrAdd(hostEnd, mustAddr(t, fmt.Sprintf("198.18.%d.1/24", n))))
	mustDo(t, netlink.LinkSetUp(hostEnd))
	nh, err := netlink.NewHandleAt(o.ns)
	if err != nil {
		t.Fatal(err)
	}
	defer nh.Close()
	for _, name := range []string{"lo", "eth0"} {
		l, err := nh.LinkByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "eth0" {
			mustDo(t, nh.AddrAdd(l, mustAddr(t, fmt.Sprintf("198.18.%d.2/24", n))))
		}
		mustDo(t, nh.LinkSetUp(l))
	}
	return o
}

// listen opens a TCP listener inside the outside host's namespace.
func (o *outside) listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	var l net.Listener
	err := inNewThread(func() error {
		if err := netns.Set(o.ns); err != nil {
			return err
		}
		var err error
		l, err = net.Listen("tcp4", addr) // the socket stays in the namespace it was made in
		return err
	})
	if err != nil {
		t.Fatalf("listen on %s in the outside host: %v", addr, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// dial connects to addr from inside the outside host's namespace.
func (o *outside) dial(network, addr string) (net.Conn, error) {
	var c net.Conn
	err := inNewThread(func() error {
		if err := netns.Set(o.ns); err != nil {
			return err
		}
		var err error
		c, err = net.DialTimeout(network, addr, 10*time.Second) // the socket stays in the namespace
		return err
	})
	return c, err
}

// httpGet sends an HTTP GET for path to addr through a connection from dial, and returns the body.
func httpGet(dial func(network, addr string) (net.Conn, error), addr, path string) (string, error) {
	c, err := dial("tcp4", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

// inNewThread runs f on an OS thread of its own that is never given back to the Go runtime: f
// may change the thread's network namespace, and the thread dies with the goroutine.
// inNewThread runs f on an OS thread of its own: f may change the thread's network namespace.
// Afterwards the thread goes back to the test's namespace; if it cannot, it is never given back
// to the Go runtime, which then ends it with the goroutine.
func inNewThread(f func() error) error {
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			done <- err
			return
		}
		defer orig.Close()
		err = f()
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	return <-done
}

func mustAddr(t *testing.T, s string) *netlink.Addr {
	t.Helper()
	a, err := netlink.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCh05LastContainerRemovesBridge: a short container ends while a long one runs, then the long
// one ends. The kernel deletes the short one's veth in the background; the long one must still
// see that it is the bridge's last container and take the bridge and the rules away.
func TestCh05LastContainerRemovesBridge(t *testing.T) {
	e := newEnv(t)
	//mini:begin 07
	e.defaultNetwork() // from chapter 07 on, the default network outlives its containers
	//mini:end 07
	before := netState(t)
	long := e.start("run", "-i", "--", "sh", "-c", "echo ready; read x; true")
	long.waitFor("ready")
	// The short one leaves a daemon behind: the kernel kills it with the namespace, which
	// makes the namespace (and the veth) take longer to go.
	r := e.mini("run", "--", "httpd", "-p", "80", "-h", "/etc") // no t.Fatal until long.wait(): see TestCh05Step1VethInNamespace
	if r.Status != 0 {
		t.Errorf("the short container: %s", r)
	}
	expect(t, long.wait(), 0, "ready\n")
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("the last container left the host changed (-before +after):\n%s", diff)
	}
}

// TestCh05LoopbackGuard: while a container runs, new connections from the bridge to the host's
// 127.0.0.0/8 are dropped (route_localnet is on for -p from 127.0.0.1; CVE-2020-8558).
func TestCh05LoopbackGuard(t *testing.T) {
	e := newEnv(t)
	b := e.start("run", "-i", "--", "sh", "-c", "echo ready; read x; true")
	b.waitFor("ready")
	out, err := exec.Command("iptables-save", "-t", "filter").Output()
	guard := regexp.MustCompile(`(?m)^-A MINI-INPUT -d 127\.0\.0\.0/8 -i mini0 .*-j DROP$`)
	jump := regexp.MustCompile(`(?m)^-A INPUT .*-j MINI-INPUT$`)
	if err != nil || !guard.Match(out) || !jump.Match(out) { // no t.Fatal until b.wait()
		t.Errorf("want the loopback guard in the filter table, got %v:\n%s", err, out)
	}
	expect(t, b.wait(), 0, "ready\n")
}
