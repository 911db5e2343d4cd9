//mini:chapter 07

package e2e

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// netEngineEnv is an engine env whose containers use the bridge networks (not none).
func netEngineEnv(t *testing.T) *env {
	e := newEnv(t)
	e.extra = append(e.extra, "MINI_ROOTFS=", "MINI_NETWORK=", "MINI_BUSYBOX_DIR="+h.rootfs)
	return removeContainersAtEnd(e)
}

// A bridged container with a published port whose monitor is killed: rm still removes its
// rules, its address and its place in the others' /etc/hosts, from the records.
func TestCh07Step1KilledMonitorNetworkCleanedByRm(t *testing.T) {
	e := netEngineEnv(t)
	if r := e.mini("network", "create", "--subnet", "10.207.40.0/24", "mt7kill"); r.Status != 0 {
		t.Fatalf("network create:\n%s", r)
	}
	if r := e.mini("run", "-d", "--name", "web", "--network", "mt7kill", "-p", "127.0.0.1:18407:80", "busybox", "sleep", "1000"); r.Status != 0 {
		t.Fatalf("run -d web:\n%s", r)
	}
	if r := e.mini("run", "-d", "--name", "peer", "--network", "mt7kill", "busybox", "sleep", "1000"); r.Status != 0 {
		t.Fatalf("run -d peer:\n%s", r)
	}
	expect(t, e.mini("exec", "peer", "sh", "-c", "grep -cw web /etc/hosts"), 0, "1\n")
	rules := func() string { out, _ := exec.Command("iptables-save", "-t", "nat").Output(); return string(out) }
	if !strings.Contains(rules(), "18407") {
		t.Fatalf("no DNAT rule for the published port:\n%s", rules())
	}
	monitor, _ := strconv.Atoi(e.field("web", "{{.State.MonitorPID}}"))
	syscall.Kill(monitor, syscall.SIGKILL)
	eventually(t, "web to be seen exited", func() bool { return e.field("web", "{{.State.Status}}") == "exited" })
	expect(t, e.mini("rm", "web"), 0, "web\n")
	if strings.Contains(rules(), "18407") {
		t.Errorf("after rm, the published port's rules are still there:\n%s", rules())
	}
	expect(t, e.mini("exec", "peer", "sh", "-c", "grep -cw web /etc/hosts || true"), 0, "0\n")
	expect(t, e.mini("rm", "-f", "peer"), 0, "peer\n")
	expect(t, e.mini("network", "rm", "mt7kill"), 0, "mt7kill\n")
}

// 50 containers started detached at once on one network, each reaching the next by name;
// then all removed: every address comes back, nothing is left on the host.
func TestCh07Step1FiftyOnOneNetwork(t *testing.T) {
	e := netEngineEnv(t)
	const n = 50
	if r := e.mini("network", "create", "--subnet", "10.207.50.0/24", "mt7fifty"); r.Status != 0 {
		t.Fatalf("network create:\n%s", r)
	}
	var wg sync.WaitGroup
	errs := make(chan string, n)
	sem := make(chan struct{}, 10)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			next := fmt.Sprintf("c%d", (i+1)%n)
			script := fmt.Sprintf(`for t in $(seq 300); do ping -c1 -W1 %s >/dev/null 2>&1 && echo reached %s && break; sleep 0.2; done; exec sleep 1000`, next, next)
			if r := e.mini("run", "-d", "--name", fmt.Sprintf("c%d", i), "--network", "mt7fifty", "busybox", "sh", "-c", script); r.Status != 0 {
				errs <- r.String()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatalf("run -d:\n%s", msg)
	}
	for i := 0; i < n; i++ {
		name, want := fmt.Sprintf("c%d", i), fmt.Sprintf("reached c%d\n", (i+1)%n)
		eventually(t, name+" to reach its neighbour", func() bool { return e.mini("logs", name).Stdout == want })
	}
	ids := strings.Fields(e.mini("ps", "-q").Stdout)
	if len(ids) != n {
		t.Fatalf("ps: %d running, want %d", len(ids), n)
	}
	if r := e.mini(append([]string{"rm", "-f"}, ids...)...); r.Status != 0 {
		t.Fatalf("rm -f:\n%s", r)
	}
	// Every address is free again: the network has no endpoint left, so it can go.
	expect(t, e.mini("network", "rm", "mt7fifty"), 0, "mt7fifty\n")
}
