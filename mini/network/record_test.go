//mini:chapter 07

package network

import (
	"encoding/json"
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
