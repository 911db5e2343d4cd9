//mini:chapter 07

package network

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/minikit/kit/mini/nat"
)

// An Attachment rebuilt from its record, as another process would (the record goes through
// JSON), undoes everything Attach did but the network itself; a second Detach, and the Detach
// of an attach that hardly began, do no harm and return no error.
func TestCh07RecordRestoreDetach(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes a bridge, a veth pair and iptables rules; run the tests with sudo")
	}
	root := t.TempDir()
	nw, err := Create(root, CreateOptions{Name: "mt7rec", Subnet: "10.207.9.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := Reset(root, nil); err != nil {
			t.Errorf("reset: %v", err)
		}
	})
	// The container: a process in a network namespace of its own.
	sleep := exec.Command("sleep", "60")
	sleep.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleep.Process.Kill(); sleep.Wait() })
	ports, err := nat.ParsePorts([]string{"127.0.0.1:18279:80"})
	if err != nil {
		t.Fatal(err)
	}
	id := strings.Repeat("7e", 32)
	a, err := Attach(Request{Options: Options{Mode: Bridge, Network: "mt7rec", Bridge: DefaultBridge, Ports: ports},
		StateRoot: root, ID: id, PID: sleep.Process.Pid, Hostname: "rec", Name: "recorded"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(a.Record())
	if err != nil {
		t.Fatal(err)
	}
	// The process that attached ends: its sockets, which reserve the published ports, close.
	for _, c := range a.ports {
		c.Close()
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Network != "mt7rec" || r.Bridge != nw.Bridge || !r.IP.IsValid() || r.Veth == "" || len(r.Rules) != 3 || len(r.Ports) != 1 || r.Etc == "" || !r.Kept {
		t.Fatalf("the record lacks what Detach needs: %+v", r)
	}
	// A process that takes the container over reserves its published ports again.
	b := Restore(r, root, nil)
	if err := b.Reserve(); err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	if l, err := net.Listen("tcp4", "127.0.0.1:18279"); err == nil {
		l.Close()
		t.Errorf("the published port 18279 is free after Reserve")
	}
	if err := b.Detach(false); err != nil {
		t.Fatalf("Detach of the restored attachment: %v", err)
	}
	if l, err := net.Listen("tcp4", "127.0.0.1:18279"); err != nil {
		t.Errorf("the published port 18279 is still held after Detach: %v", err)
	} else {
		l.Close()
	}
	if _, err := netlink.LinkByName(r.Veth); err == nil {
		t.Errorf("veth %s is still there", r.Veth)
	}
	out, _ := exec.Command("iptables-save").Output()
	if strings.Contains(string(out), nat.ContainerComment(nw.Bridge, id)) {
		t.Errorf("the container's rules are still there:\n%s", out)
	}
	for _, gone := range []string{r.Etc, filepath.Join(nw.endpointsDir(root), id+".json"), filepath.Join(root, "network", nw.Bridge, r.IP.String())} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", gone, err)
		}
	}
	if _, err := netlink.LinkByName(nw.Bridge); err != nil {
		t.Errorf("the network's bridge %s is gone with its container: %v", nw.Bridge, err)
	}
	// Again, and an attach that stopped before its bridge: nothing to do, no error.
	if err := Restore(r, root, nil).Detach(true); err != nil {
		t.Errorf("a second Detach: %v", err)
	}
	half := Record{Mode: Bridge, Network: "mt7rec", Kept: true, ID: strings.Repeat("5a", 32)}
	if err := Restore(half, root, nil).Detach(false); err != nil {
		t.Errorf("the Detach of a half-done attach: %v", err)
	}
}

// A container that ends on a kept network leaves its veth unplugged for the kernel to delete,
// its address free at once; a new run of the same container before the kernel got to it
// deletes that veth and plugs in its own.
func TestCh07UnpluggedVethMakesWay(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes a bridge and veth pairs; run the tests with sudo")
	}
	root := t.TempDir()
	nw, err := Create(root, CreateOptions{Name: "mt7unp", Subnet: "10.207.10.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := Reset(root, nil); err != nil {
			t.Errorf("reset: %v", err)
		}
	})
	inNetns := func() *exec.Cmd {
		c := exec.Command("sleep", "60")
		c.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		return c
	}
	id := strings.Repeat("7f", 32)
	req := Request{Options: Options{Mode: Bridge, Network: "mt7unp", Bridge: DefaultBridge},
		StateRoot: root, ID: id, Hostname: "unp", Name: "unplugged"}
	first := inNetns()
	req.PID = first.Process.Pid
	a, err := Attach(req)
	if err != nil {
		t.Fatal(err)
	}
	// The namespace is held open after its last process ends, as the kernel's own work queue
	// holds a dying one: its veth stays.
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", first.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	first.Process.Kill()
	first.Wait()
	name := a.veth
	if err := a.Detach(true); err != nil {
		t.Fatalf("Detach: %v", err)
	}
	veth, err := netlink.LinkByName(name)
	if err != nil || veth.Attrs().MasterIndex != 0 {
		t.Fatalf("want veth %s left to the kernel, unplugged, got %v", name, err)
	}
	if _, err := os.Stat(filepath.Join(root, "network", nw.Bridge, a.ip.String())); !os.IsNotExist(err) {
		t.Errorf("address %s not released with its container: %v", a.ip, err)
	}
	if ports, err := bridgePorts(nil); err != nil || len(ports) != 0 {
		t.Errorf("an unplugged veth counts as a live container: %v %v", ports, err)
	}

	second := inNetns()
	req.PID = second.Process.Pid
	b, err := Attach(req)
	if err != nil {
		t.Fatalf("a new run of the container, its last veth not yet deleted: %v", err)
	}
	br, err := netlink.LinkByName(nw.Bridge)
	if err != nil {
		t.Fatal(err)
	}
	if veth, err := netlink.LinkByName(b.veth); err != nil || veth.Attrs().MasterIndex != br.Attrs().Index {
		t.Errorf("want the new run's veth %s on bridge %s, got %v", b.veth, nw.Bridge, err)
	}
	second.Process.Kill()
	second.Wait()
	if err := b.Detach(true); err != nil {
		t.Errorf("Detach of the second run: %v", err)
	}
}
