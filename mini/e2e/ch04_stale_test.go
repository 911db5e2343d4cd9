//mini:chapter 04

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A command that changes its uid loses its parent-death signal (prctl(2): the kernel clears it
// on a credential change), so it outlives a Mini killed with SIGKILL, still writing into its
// upper layer. The next run's sweep must kill it (through its cgroup) before it removes the run
// directory; and it must find that cgroup although the sweeping run uses another cgroup parent.
func TestCh04StaleRunKilledBeforeRemoved(t *testing.T) {
	e := newEnv(t)
	// No network: a surviving container would keep its veth and rules until it is killed.
	e.extra = append(e.extra, "MINI_NETWORK=none")
	b := e.start("run", "--", "su", "nobody", "-s", "/bin/sh", "-c", "echo ready; while true; do date > /tmp/alive; sleep 0.1; done")
	b.waitFor("ready")
	run := runDir(t, e)
	pid := b.containerPID()
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		removeGroups(t, e)
	})
	b.signal(syscall.SIGKILL)
	// Not b.wait(): the surviving command still holds mini's stdout open.
	for i := 0; processAlive(b.pid); i++ {
		if i == 1000 {
			t.Fatalf("mini (pid %d) did not die of SIGKILL", b.pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if !processAlive(pid) {
		// The kernel killed it after all: the premise of this test does not hold here.
		t.Fatalf("the container (pid %d), whose uid changed, died with its killed Mini: expected it to survive", pid)
	}

	// The next run, under another cgroup parent.
	other := &env{t: t, root: e.root, parent: fmt.Sprintf("mini-test-%d-%d", os.Getpid(), parents.Add(1)),
		extra: []string{"MINI_NETWORK=none"}}
	r := other.mini("run", "--", "true")
	if r.Status != 0 || r.Stderr != "" {
		t.Fatalf("the next run: %s", r)
	}
	if processAlive(pid) {
		t.Errorf("the stale run's process (pid %d) still runs after the sweep", pid)
	}
	if _, err := os.Stat(run); !os.IsNotExist(err) {
		t.Errorf("the stale run directory %s is still there", run)
	}
	e.parentGone()
	other.parentGone()
}

// A sweep that fails must not make this run, or any later run, fail: it warns, and tries again
// next time.
func TestCh04FailedSweepOnlyWarns(t *testing.T) {
	e := newEnv(t)
	e.extra = append(e.extra, "MINI_NETWORK=none")
	// A stale run (its lock file is there, nobody holds it) whose cgroup-parent record names a
	// parent no cgroup may have: opening its group fails.
	run := filepath.Join(e.root, "containers", "0123456789ab")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"lock": "", "cgroup-parent": "../escape\n"} {
		if err := os.WriteFile(filepath.Join(run, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.RemoveAll(run) })
	for range 2 {
		r := e.mini("run", "--", "echo", "ran")
		if r.Status != 0 || r.Stdout != "ran\n" || !strings.Contains(r.Stderr, "warning") {
			t.Fatalf("want the run to go on with a warning about the sweep, got:\n%s", r)
		}
	}
	if _, err := os.Stat(run); err != nil {
		t.Errorf("the run directory whose cgroup could not be opened was removed anyway: %v", err)
	}
}
