//mini:chapter 07

package ui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/cgroup"
)

// A container's mount table, after pivot_root: the overlay is the mount at /.
func TestCh07UIRootMount(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mountinfo")
	table := "1234 1000 0:52 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/mini/images/layers/a/fs:/var/lib/mini/images/layers/b\\040c/fs,upperdir=/var/lib/mini/containers/x/upper,workdir=/var/lib/mini/containers/x/work\n" +
		"1235 1234 0:53 / /proc rw,nosuid - proc proc rw\n"
	if err := os.WriteFile(p, []byte(table), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := rootMount(p)
	if err != nil {
		t.Fatal(err)
	}
	want := "rw,lowerdir=/var/lib/mini/images/layers/a/fs:/var/lib/mini/images/layers/b c/fs,upperdir=/var/lib/mini/containers/x/upper,workdir=/var/lib/mini/containers/x/work"
	if m.fstype != "overlay" || m.super != want {
		t.Errorf("got %+v, want overlay with %q", m, want)
	}
	if err := os.WriteFile(p, []byte("1235 1234 0:53 / /proc rw - proc proc rw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := rootMount(p); err == nil || !strings.Contains(err.Error(), "no mount at /") {
		t.Errorf("a table with no / mount: want an error that says so, got %v", err)
	}
}

// /proc/PID/net: the namespace's interfaces, its own addresses, its default gateway.
func TestCh07UIProcNet(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dev := write("dev", "Inter-|   Receive                                                |  Transmit\n"+
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"+
		"    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0\n"+
		"  eth0:    1500      12    0    0    0     0          0         0      700       8    0    0    0     0       0          0\n")
	ifs, err := readNetDev(dev)
	if err != nil || len(ifs) != 2 || ifs[0].Name != "eth0" || ifs[0].RxBytes != 1500 || ifs[0].TxBytes != 700 {
		t.Errorf("readNetDev: got %+v, %v", ifs, err)
	}
	trie := write("fib_trie", `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 10.88.0.0/16 2 0 2
        |-- 10.88.0.0
           /16 link UNICAST
        |-- 10.88.0.2
           /32 host LOCAL
     +-- 127.0.0.0/8 2 0 2
        |-- 127.0.0.1
           /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
     |-- 10.88.0.2
        /32 host LOCAL
`)
	addrs, err := localAddrs(trie)
	want := []netip.Addr{netip.MustParseAddr("10.88.0.2"), netip.MustParseAddr("127.0.0.1")}
	if err != nil || len(addrs) != 2 || addrs[0] != want[0] || addrs[1] != want[1] {
		t.Errorf("localAddrs: got %v, %v; want %v", addrs, err, want)
	}
	route := write("route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"+
		"eth0\t00000000\t0100580A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"+
		"eth0\t0000580A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n")
	if gw, err := defaultGateway(route); err != nil || gw.String() != "10.88.0.1" {
		t.Errorf("defaultGateway: got %v, %v; want 10.88.0.1", gw, err)
	}
}

// The limits and the usage of a group, from a cgroup tree laid out as the kernel does it.
func TestCh07UICgroupFiles(t *testing.T) {
	files := func(dir string, kv map[string]string) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for k, v := range kv {
			if err := os.WriteFile(filepath.Join(dir, k), []byte(v+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("v2", func(t *testing.T) {
		root := t.TempDir()
		files(filepath.Join(root, "mini", "abc"), map[string]string{
			"memory.max": "67108864", "memory.current": "1048576", "cpu.max": "50000 100000",
			"cpu.stat": "usage_usec 1234\nuser_usec 1000", "pids.max": "max", "pids.current": "3", "cgroup.procs": "10\n11",
		})
		c := NewCollector(Options{})
		c.layout = cgroup.Layout{Version: 2, V2: root}
		g, err := c.readCgroup("mini", "abc")
		if err != nil {
			t.Fatal(err)
		}
		if g.MemoryMax != 64<<20 || g.MemoryCurrent != 1<<20 || g.CPUQuota != 50000 || g.CPUPeriod != 100000 ||
			g.CPUUsage != 1234 || g.PidsMax != -1 || g.PidsCurrent != 3 || len(g.Procs) != 2 {
			t.Errorf("got %+v", g)
		}
	})
	t.Run("v1", func(t *testing.T) {
		root := t.TempDir()
		l := cgroup.Layout{Version: 1, V1: map[string]string{}}
		for _, ctl := range cgroup.Controllers {
			l.V1[ctl] = filepath.Join(root, ctl)
		}
		files(filepath.Join(root, "memory", "p", "abc"), map[string]string{
			"memory.limit_in_bytes": "9223372036854771712", "memory.usage_in_bytes": "4096", "cgroup.procs": "",
		})
		files(filepath.Join(root, "cpu", "p", "abc"), map[string]string{"cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000"})
		files(filepath.Join(root, "pids", "p", "abc"), map[string]string{"pids.max": "20", "pids.current": "1"})
		c := NewCollector(Options{})
		c.layout = l
		g, err := c.readCgroup("p", "abc")
		if err != nil {
			t.Fatal(err)
		}
		if g.MemoryMax != -1 || g.MemoryCurrent != 4096 || g.CPUQuota != -1 || g.PidsMax != 20 || g.PidsCurrent != 1 {
			t.Errorf("got %+v", g)
		}
	})
}

// Whiteouts (character devices 0/0) and opaque directories in an upper layer are counted.
func TestCh07UIMeasureUpper(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: a whiteout is a character device (mknod) and opaque is a trusted.* xattr")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "new"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(dir, "gone"), unix.S_IFCHR|0o600, 0); err != nil {
		t.Fatal(err)
	}
	opaque := filepath.Join(dir, "etc")
	if err := os.Mkdir(opaque, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(opaque, "trusted.overlay.opaque", []byte("y"), 0); err != nil {
		t.Skipf("this filesystem takes no trusted.* xattrs (%v): opaque directories cannot be made here", err)
	}
	s, wh, op := measure(dir, true)
	if s.Entries != 3 || s.Bytes != 5 || wh != 1 || op != 1 {
		t.Errorf("got %+v, %d whiteouts, %d opaque; want 3 entries, 5 bytes, 1 and 1", s, wh, op)
	}
}

// A process with namespaces of its own is told apart from the host's by the inode numbers.
func TestCh07UINamespacesOfARealProcess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test process gets UTS and IPC namespaces of its own (CLONE_NEWUTS|CLONE_NEWIPC)")
	}
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c := NewCollector(Options{})
	host := c.readNamespaces(os.Getpid(), nil)
	got := map[string]Namespace{}
	for _, n := range c.readNamespaces(cmd.Process.Pid, host) {
		got[n.Type] = n
	}
	for typ, shared := range map[string]bool{"uts": false, "ipc": false, "mnt": true, "net": true, "pid": true} {
		if n, ok := got[typ]; !ok || n.Shared != shared || n.Inode == 0 {
			t.Errorf("%s: got %+v, want shared=%v", typ, n, shared)
		}
	}
}

// The server listens on loopback only unless told otherwise, and answers only reads addressed
// to a loopback name.
func TestCh07UIServerIsLoopbackAndReadOnly(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:8088", false, true}, {"localhost:0", false, true}, {"[::1]:80", false, true},
		{"0.0.0.0:8088", false, false}, {"192.168.1.5:80", false, false}, {":8088", false, false},
		{"0.0.0.0:8088", true, true}, {"127.0.0.1", false, false},
	} {
		if err := CheckListen(tc.addr, tc.remote); (err == nil) != tc.ok {
			t.Errorf("CheckListen(%q, remote=%v) = %v, want ok=%v", tc.addr, tc.remote, err, tc.ok)
		}
	}
	srv := httptest.NewServer(Handler(ServerOptions{Collector: NewCollector(Options{Root: t.TempDir(), NAT: func() (string, error) { return "", nil }})}))
	t.Cleanup(srv.Close)
	get := func(method, path, host string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	if r := get("GET", "/", ""); r.StatusCode != 200 {
		t.Errorf("GET /: %s", r.Status)
	}
	r := get("GET", "/api/snapshot", "")
	var s Snapshot
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil || r.StatusCode != 200 || s.Containers == nil {
		t.Errorf("GET /api/snapshot: %s, %v, %+v", r.Status, err, s)
	}
	if r := get("POST", "/api/snapshot", ""); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s, want 405", r.Status)
	}
	if r := get("GET", "/", "evil.example:8088"); r.StatusCode != http.StatusForbidden {
		t.Errorf("GET with Host evil.example: %s, want 403", r.Status)
	}
	for _, f := range []string{"/static/app.js"} {
		if r := get("GET", f, ""); r.StatusCode != 200 {
			t.Errorf("GET %s: %s", f, r.Status)
		}
	}
}
