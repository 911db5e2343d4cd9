//mini:chapter 03

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minikit/kit/mini/cgroup"
)

// groupDir finds the running container's group for controller under this test's parent.
func (e *env) groupDir(controller string) string {
	e.t.Helper()
	l, err := cgroup.Detect("")
	if err != nil {
		e.t.Fatal(err)
	}
	mount := l.V2
	if l.Version == 1 {
		mount = l.V1[controller]
	}
	dirs, _ := filepath.Glob(filepath.Join(mount, e.parent, "*"))
	var groups []string
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			groups = append(groups, d)
		}
	}
	if len(groups) != 1 {
		e.t.Fatalf("want one container group under %s, found %v", filepath.Join(mount, e.parent), groups)
	}
	return groups[0]
}

// readFile reads a control file, trimmed.
func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// parentGone checks that no hierarchy has this test's parent group any more.
func (e *env) parentGone() {
	e.t.Helper()
	matches, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", e.parent))
	more, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", e.parent))
	if all := append(matches, more...); len(all) > 0 {
		e.t.Errorf("cgroups left behind: %v", all)
	}
}

// TestCh03Step1LimitsWritten: Mini writes each limit into the host's control file, as --explain
// shows (the run itself needs step 03.2 too; TestCh03Step2InTheGroupFromTheStart reads the files).
func TestCh03Step1LimitsWritten(t *testing.T) {
	e := newEnv(t)
	l, err := cgroup.Detect("")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"echo 67108864 > ", "/memory.max", "echo 50000 100000 > ", "/cpu.max", "echo 10 > ", "/pids.max"}
	if l.Version == 1 {
		want = []string{"echo 67108864 > ", "/memory.limit_in_bytes", "echo 100000 > ", "/cpu.cfs_period_us",
			"echo 50000 > ", "/cpu.cfs_quota_us", "echo 10 > ", "/pids.max"}
	}
	r := e.mini("run", "--explain", "-m", "64m", "--cpus", "0.5", "--pids-limit", "10", "--", "true")
	for _, w := range want {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("--explain does not show %q:\n%s", w, r)
		}
	}
	e.parentGone()
}

// TestCh03Step2InTheGroupFromTheStart: the container's process is in the group, and was from its
// first instruction: the command's own /proc/self/cgroup names the group.
func TestCh03Step2InTheGroupFromTheStart(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--pids-limit", "20", "--", "cat", "/proc/self/cgroup")
	if r.Status != 0 || !strings.Contains(r.Stdout, "/"+e.parent+"/") {
		t.Fatalf("want the command's /proc/self/cgroup to name a group under %s, got:\n%s", e.parent, r)
	}
	// On cgroup v1 the move is one write per hierarchy, done while the network is set up
	// (container.Create): every one of them is done before the command runs.
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		parts := strings.SplitN(line, ":", 3)
		for _, ctrl := range []string{"memory", "cpu", "pids"} {
			if len(parts) == 3 && slices.Contains(strings.Split(parts[1], ","), ctrl) && !strings.HasPrefix(parts[2], "/"+e.parent+"/") {
				t.Errorf("the command started outside its %s group: %q", ctrl, line)
			}
		}
	}
	b := e.start("run", "-i", "--pids-limit", "20", "--", "sh", "-c", "echo ready; read x; true")
	b.waitFor("ready")
	dir := e.groupDir("pids")
	if got := readFile(t, filepath.Join(dir, "pids.max")); got != "20" {
		t.Errorf("pids.max = %s, want 20", got)
	}
	pid := fmt.Sprint(b.containerPID())
	if procs := strings.Fields(readFile(t, filepath.Join(dir, "cgroup.procs"))); !contains(procs, pid) {
		t.Errorf("the container (pid %s) is not in %s: %v", pid, dir, procs)
	}
	expect(t, b.wait(), 0, "ready\n")
	e.parentGone()
}

func TestCh03Step3MemoryHogKilled(t *testing.T) {
	e := newEnv(t)
	// The string doubles until it no longer fits in 32 MiB.
	r := e.mini("run", "-m", "32m", "--", "sh", "-c", "x=0123456789abcdef; while true; do x=$x$x; done")
	if r.Status != 137 || !strings.Contains(r.Stderr, "memory limit") {
		t.Fatalf("want status 137 and a message about the memory limit, got:\n%s", r)
	}
	e.parentGone()
}

func TestCh03Step2CPUThrottled(t *testing.T) {
	e := newEnv(t)
	b := e.start("run", "--cpus", "0.1", "--", "sh", "-c", `trap 'exit 0' TERM; echo ready; while :; do :; done`)
	b.waitFor("ready")
	dir := e.groupDir("cpu")
	stat := filepath.Join(dir, "cpu.stat")
	if _, err := os.Stat(filepath.Join(dir, "cpu.max")); err == nil {
		if got := readFile(t, filepath.Join(dir, "cpu.max")); got != "10000 100000" {
			t.Errorf("cpu.max = %q, want \"10000 100000\"", got)
		}
	} else if got := readFile(t, filepath.Join(dir, "cpu.cfs_quota_us")); got != "10000" {
		t.Errorf("cpu.cfs_quota_us = %s, want 10000", got)
	}
	// The busy loop wants a whole CPU and may have a tenth: the scheduler throttles it. Read
	// the group's own counter (waiting is bounded; nothing is timed).
	var throttled int64
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if throttled, _ = cgroup.ReadCounter(stat, "nr_throttled"); throttled > 0 {
			break
		}
	}
	if throttled == 0 {
		t.Errorf("nr_throttled stayed 0 in %s", stat)
	}
	b.signal(15)
	if r := b.wait(); r.Status != 0 {
		t.Errorf("want the trapped TERM to end the loop with 0, got:\n%s", r)
	}
	e.parentGone()
}

func TestCh03Step2PidsLimitStopsForkBomb(t *testing.T) {
	e := newEnv(t)
	// A bounded fork bomb: 40 background sleeps, with room for 10 processes. busybox sh gives
	// up at the first fork that fails (EAGAIN, which is what pids.max returns).
	r := e.mini("run", "--pids-limit", "10", "--", "sh", "-c",
		`i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo all 40 started`)
	if r.Status == 0 || strings.Contains(r.Stdout, "all 40 started") || !strings.Contains(r.Stderr, "can't fork") {
		t.Fatalf("want fork to fail under --pids-limit 10, got:\n%s", r)
	}
	e.parentGone()
}

func TestCh03BadInput(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		args  []string
		parts []string
	}{
		{[]string{"-m", "12x"}, []string{`--memory "12x"`, "64m"}},
		{[]string{"-m", "1k"}, []string{"too small", "6MiB"}},
		{[]string{"--cpus", "abc"}, []string{`--cpus "abc"`}},
		{[]string{"--cpus", "1000"}, []string{"more than this host has"}},
		{[]string{"--pids-limit", "0"}, []string{`--pids-limit "0"`}},
	}
	for _, c := range cases {
		args := append(append([]string{"run"}, c.args...), "--", "true")
		expectError(t, e.mini(args...), 125, c.parts...)
	}
	e.parentGone()
}

func TestCh03Step2GroupRemovedAfterFailedStart(t *testing.T) {
	e := newEnv(t)
	// The group exists before the command is looked up; a command that is not there must not
	// leave it behind.
	expectError(t, e.mini("run", "-m", "64m", "--", "no-such-command"), 127, "no-such-command")
	e.parentGone()
}
