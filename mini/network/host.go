//mini:chapter 05

package network

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// hostDir holds what Mini must know about the host's network as a whole: the lock that orders
// every start and teardown on this host, and the record of what the first container changed.
// It is in /run, not in the state root: the bridge and the iptables rules it guards belong to
// the host (every state root shares them), and like them it is gone after a reboot.
const hostDir = "/run/mini"

// lockHost takes the host's network lock (flock(2), exclusive) and returns its release. The
// kernel releases it if Mini dies.
func lockHost() (func(), error) {
	if err := os.MkdirAll(hostDir, 0o700); err != nil {
		return nil, fmt.Errorf("network lock: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(hostDir, "network.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("network lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("network lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// hostRecord is what Mini changed on the host with its first container, so that the last one
// can put it back: the host is left as it was found.
type hostRecord struct {
	IPForward string   `json:"ip_forward"` // the value before Mini set it to 1
	Tables    []string `json:"tables"`     // iptables tables that did not exist before
}

func recordPath() string { return filepath.Join(hostDir, "network.json") }

func (r hostRecord) save() error {
	data, _ := json.Marshal(r)
	if err := os.WriteFile(recordPath(), data, 0o600); err != nil {
		return fmt.Errorf("save %s: %w", recordPath(), err)
	}
	return nil
}

// loadRecord reads the record; a missing one (nothing to put back) is the zero record.
func loadRecord() hostRecord {
	var r hostRecord
	if data, err := os.ReadFile(recordPath()); err == nil {
		json.Unmarshal(data, &r)
	}
	return r
}

const ipForward = "/proc/sys/net/ipv4/ip_forward"

// enableForwarding turns IPv4 forwarding on and returns the value it had. Without it the host
// drops every packet that is not for itself: a container's packets to the outside, and the
// answers to them, pass through the host as a router. See ip-sysctl in the kernel docs.
func enableForwarding(n *explain.Narrator) (string, error) {
	data, err := os.ReadFile(ipForward)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", ipForward, err)
	}
	before := strings.TrimSpace(string(data))
	if before == "1" {
		n.Step(explain.Network, explain.Sh("sysctl net.ipv4.ip_forward"), "IPv4 forwarding is on already: the host routes the containers' packets")
		return before, nil
	}
	n.Step(explain.Network, explain.Sh(
		"sysctl -w net.ipv4.ip_forward=1"), "turn on IPv4 forwarding: the host routes the containers' packets (put back with the last container)")

	if err := os.WriteFile(ipForward, []byte("1"), 0o644); err != nil {
		return "", fmt.Errorf("turn on ip_forward: %w", err)
	}
	return before, nil
}

// restoreForwarding puts ip_forward back to what it was before Mini's first container.
func restoreForwarding(before string, n *explain.Narrator) error {
	if before == "" || before == "1" {
		return nil
	}
	n.Step(explain.Network, explain.Sh("sysctl -w net.ipv4.ip_forward="+before), "put IPv4 forwarding back as it was before Mini's first container")
	if err := os.WriteFile(ipForward, []byte(before), 0o644); err != nil {
		return fmt.Errorf("restore ip_forward: %w", err)
	}
	return nil
}
