//mini:chapter 07

package e2e

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/tty"
)

// engineEnv is an imageEnv whose containers are all removed when the test ends, whatever
// state the test left them in (newEnv's own check, registered first, runs after this one).
func engineEnv(t *testing.T) *env {
	return removeContainersAtEnd(imageEnv(t))
}

// removeContainersAtEnd removes, when the test ends, every container the test left.
func removeContainersAtEnd(e *env) *env {
	t := e.t
	t.Cleanup(func() {
		for _, id := range strings.Fields(e.mini("ps", "-aq", "--no-trunc").Stdout) {
			if r := e.mini("rm", "-f", id); r.Status != 0 {
				t.Errorf("clean up container %s:\n%s", id, r)
			}
		}
	})
	return e
}

// field runs `mini inspect --format` on a container.
func (e *env) field(ctr, format string) string {
	e.t.Helper()
	r := e.mini("inspect", "--format", format, ctr)
	if r.Status != 0 {
		e.t.Fatalf("inspect %s:\n%s", ctr, r)
	}
	return strings.TrimSpace(r.Stdout)
}

// eventually polls cond every 50 ms until it holds, failing after 30 s (a safety net for a
// state that comes asynchronously, never a timing assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
	}
}

// The whole life of a container: create, start, ps, logs, stop, ps -a, start again, rm.
func TestCh07Step1Lifecycle(t *testing.T) {
	e := engineEnv(t)
	// The command ends on SIGTERM by itself (PID 1 only gets the signals it handles).
	script := `trap 'echo bye; exit 3' TERM; echo hello $GREETING; while :; do sleep 0.1; done`
	r := e.mini("create", "--name", "web", "-e", "GREETING=world", "busybox", "sh", "-c", script)
	if r.Status != 0 || len(strings.TrimSpace(r.Stdout)) != 64 {
		t.Fatalf("create: want a 64-digit ID, got:\n%s", r)
	}
	id := strings.TrimSpace(r.Stdout)
	if got := e.field("web", "{{.State.Status}}"); got != "created" {
		t.Errorf("after create: status %q, want created", got)
	}
	expect(t, e.mini("ps", "-q"), 0, "")
	expect(t, e.mini("start", "web"), 0, "web\n")
	row := e.mini("ps", "--format", "{{.ID}} {{.Names}} {{.Status}}")
	if !strings.HasPrefix(row.Stdout, id[:12]+" web Up ") {
		t.Errorf("ps: want %s web Up ..., got:\n%s", id[:12], row)
	}
	eventually(t, "the greeting in the log", func() bool { return e.mini("logs", "web").Stdout == "hello world\n" })
	// An unambiguous prefix of the ID names the container as well as its name does.
	expect(t, e.mini("stop", "-t", "20", id[:5]), 0, id[:5]+"\n")
	if got := e.field("web", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 3" {
		t.Errorf("after stop: %q, want exited 3 (the command's own status)", got)
	}
	if ps := e.mini("ps", "-a", "--format", "{{.Status}}").Stdout; !strings.HasPrefix(ps, "Exited (3) ") {
		t.Errorf("ps -a: want Exited (3) ..., got %q", ps)
	}
	expect(t, e.mini("ps", "-q"), 0, "")
	// Started again, it runs the same command with the same upper layer.
	expect(t, e.mini("start", "web"), 0, "web\n")
	eventually(t, "a second greeting", func() bool { return strings.Count(e.mini("logs", "web").Stdout, "hello world") == 2 })
	expect(t, e.mini("logs", "--tail", "1", "web"), 0, "hello world\n")
	expectError(t, e.mini("rm", "web"), 1, "running", "mini stop")
	expect(t, e.mini("stop", "web"), 0, "web\n")
	expect(t, e.mini("logs", "web"), 0, "hello world\nbye\nhello world\nbye\n")
	expect(t, e.mini("rm", "web"), 0, "web\n")
	expect(t, e.mini("ps", "-aq"), 0, "")
	expectError(t, e.mini("logs", "web"), 1, "no such container: web")
}

// run -d returns once the command runs; --rm removes the container when it ends; a file
// written by one run is still there in the next (the upper layer is the container's).
func TestCh07Step1RunDetached(t *testing.T) {
	e := engineEnv(t)
	r := e.mini("run", "-d", "--name", "keeper", "busybox", "sh", "-c", "echo kept >> /data; sleep 1000")
	if r.Status != 0 || len(strings.TrimSpace(r.Stdout)) != 64 {
		t.Fatalf("run -d: want the ID, got:\n%s", r)
	}
	if got := e.field("keeper", "{{.State.Status}}"); got != "running" {
		t.Errorf("run -d returned, status %q, want running", got)
	}
	upper := filepath.Join(e.field("keeper", "{{.Dir}}"), "upper", "data")
	eventually(t, "the first run to write /data", func() bool {
		data, _ := os.ReadFile(upper)
		return string(data) == "kept\n"
	})
	expect(t, e.mini("kill", "keeper"), 0, "keeper\n")
	eventually(t, "keeper to exit", func() bool { return e.field("keeper", "{{.State.Status}}") == "exited" })
	if got := e.field("keeper", "{{.State.ExitCode}}"); got != "137" {
		t.Errorf("after kill: exit code %s, want 137", got)
	}
	expect(t, e.mini("start", "keeper"), 0, "keeper\n")
	// commit and cp come later; the upper layer shows what both runs wrote. (start returns
	// once the command runs, which may be before its first line did.)
	eventually(t, "the second run to write /data", func() bool {
		data, _ := os.ReadFile(upper)
		return string(data) == "kept\nkept\n"
	})
	expect(t, e.mini("stop", "-t", "0", "keeper"), 0, "keeper\n")
	if data, err := os.ReadFile(upper); err != nil || string(data) != "kept\nkept\n" {
		t.Errorf("the upper layer's /data after stop: %q, %v; want two lines", data, err)
	}

	r = e.mini("run", "-d", "--rm", "--name", "gone", "busybox", "true")
	if r.Status != 0 {
		t.Fatalf("run -d --rm:\n%s", r)
	}
	eventually(t, "--rm to remove the container", func() bool {
		return !strings.Contains(e.mini("ps", "-a", "--format", "{{.Names}}").Stdout, "gone")
	})
	// In the foreground with a name, run follows the log and exits with the command's status.
	expect(t, e.mini("run", "--name", "fg", "busybox", "sh", "-c", "echo out; exit 4"), 4, "out\n")
	if got := e.field("fg", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 4" {
		t.Errorf("foreground run --name: %q, want exited 4", got)
	}
	// With --rm too, although the record (and the status in it) is gone when run learns it.
	expect(t, e.mini("run", "--rm", "--name", "fgrm", "busybox", "sh", "-c", "echo out; exit 6"), 6, "out\n")
	expectError(t, e.mini("inspect", "fgrm"), 1, "no such container")
}

// From chapter 07 on, a foreground `mini run` is Docker's: a record and a monitor like any other
// run. It prints the command's output, exits with its status, and leaves the exited container
// for ps -a (none with --rm); a `mini run` killed with kill -9 leaves its container running.
// --monitor=false is chapter 00's run: mini the parent, nothing kept.
func TestCh07Step1ForegroundRun(t *testing.T) {
	e := engineEnv(t)
	r := e.mini("run", "busybox", "sh", "-c", "echo out; echo err >&2; exit 4")
	if r.Status != 4 || r.Stdout != "out\n" || !strings.HasSuffix(r.Stderr, "\nerr\n") { // after busybox's import
		t.Fatalf("run: want status 4, out on stdout, err on stderr, got:\n%s", r)
	}
	if got := e.mini("ps", "-a", "--format", "{{.Status}}").Stdout; !strings.HasPrefix(got, "Exited (4)") {
		t.Errorf("ps -a after a foreground run: %q, want one Exited (4)", got)
	}
	name := strings.TrimSpace(e.mini("ps", "-a", "--format", "{{.Names}}").Stdout)
	expect(t, e.mini("logs", name), 0, "out\n")
	expect(t, e.mini("rm", name), 0, name+"\n")

	// stdin goes through the monitor; what Mini knows of why a command ended reaches the
	// command that waits for it (the memory limit); --explain narrates the set-up and the
	// teardown, which the monitor does, on run's stderr.
	expect(t, e.miniIn(strings.NewReader("typed\n"), "run", "--rm", "-i", "busybox", "cat"), 0, "typed\n")
	expectError(t, e.mini("run", "--rm", "-m", "32m", "busybox", "sh", "-c", "x=0123456789abcdef; while true; do x=$x$x; done"),
		137, "memory limit")
	r = e.mini("run", "--rm", "--explain", "busybox", "true")
	for _, step := range []string{"clone(2)", "execve(2)", "$ rmdir"} {
		if r.Status != 0 || !strings.Contains(r.Stderr, step) {
			t.Errorf("run --explain: want %q narrated on stderr, got:\n%s", step, r)
		}
	}
	// -d --explain: the set-up, the init side's part too, is narrated on run's stderr, and none
	// of it goes into the container's log.
	r = e.mini("run", "-d", "--name", "told", "--explain", "busybox", "sh", "-c", "echo only this")
	if r.Status != 0 || !strings.Contains(r.Stderr, "pivot_root") {
		t.Errorf("run -d --explain: want the init side's steps (pivot_root) on stderr, got:\n%s", r)
	}
	eventually(t, "told to exit", func() bool { return e.field("told", "{{.State.Status}}") == "exited" })
	if r := e.mini("logs", "told"); r.Stdout != "only this\n" || r.Stderr != "" {
		t.Errorf("logs of a container run with --explain: want its own output only, got:\n%s", r)
	}
	expect(t, e.mini("rm", "told"), 0, "told\n")
	expect(t, e.mini("run", "--monitor=false", "busybox", "sh", "-c", "echo old; exit 3"), 3, "old\n")
	expectError(t, e.mini("run", "--monitor=false", "-d", "busybox", "true"), 125, "--detach needs a monitor")
	expect(t, e.mini("ps", "-aq"), 0, "")

	// The foreground run killed: its container runs on.
	fg := e.start("run", "busybox", "sh", "-c", "echo up; sleep 1000")
	fg.waitFor("up")
	fg.signal(syscall.SIGKILL)
	fg.wait()
	if got := e.mini("ps", "--format", "{{.Status}}").Stdout; !strings.HasPrefix(got, "Up ") {
		t.Errorf("after kill -9 of `mini run`: ps says %q, want the container Up", got)
	}
	// (engineEnv removes it; runAll checks that nothing is left behind.)
}

// The monitor, not the command that started the container, is its parent: killing any mini
// command leaves the container running. Killing the monitor itself stops the container (it is
// the parent: the parent-death signal), and ps says so; rm still cleans everything.
func TestCh07Step1KillMiniCommands(t *testing.T) {
	e := engineEnv(t)
	// A foreground run killed: the container runs on.
	fg := e.start("run", "--name", "fg", "busybox", "sh", "-c", "echo up; sleep 1000")
	fg.waitFor("up")
	fg.signal(syscall.SIGKILL)
	fg.wait()
	if got := e.field("fg", "{{.State.Status}}"); got != "running" {
		t.Fatalf("after kill -9 of `mini run`: status %q, want running", got)
	}
	// A stop killed half-way (the command ignores SIGTERM, so stop waits for its timeout).
	stop := e.start("stop", "-t", "60", "fg")
	eventually(t, "stop to ask for the stop", func() bool {
		_, err := os.Stat(filepath.Join(e.field("fg", "{{.Dir}}"), "stop-requested"))
		return err == nil
	})
	stop.signal(syscall.SIGKILL)
	stop.wait()
	if got := e.field("fg", "{{.State.Status}}"); got != "running" {
		t.Fatalf("after kill -9 of `mini stop`: status %q, want running", got)
	}
	// The monitor killed: the container goes with it, and ps tells the truth.
	monitor, _ := strconv.Atoi(e.field("fg", "{{.State.MonitorPID}}"))
	if monitor <= 1 {
		t.Fatalf("no monitor PID in the state")
	}
	syscall.Kill(monitor, syscall.SIGKILL)
	eventually(t, "ps to see the container gone", func() bool {
		return strings.HasPrefix(e.mini("ps", "-a", "--format", "{{.Status}}").Stdout, "Exited (137)")
	})
	expect(t, e.mini("logs", "fg"), 0, "up\n")
	expect(t, e.mini("rm", "fg"), 0, "fg\n")
	// (runAll checks that no cgroup, mount, link, rule or process is left behind.)
}

// A command that changes its uid loses its parent-death signal (prctl(2), PR_SET_PDEATHSIG):
// killing the monitor need not kill it. stop and rm still end every process of the container,
// through its cgroup.
func TestCh07Step1CommandChangedItsUID(t *testing.T) {
	e := engineEnv(t)
	for _, end := range []string{"stop", "rm after kill -9 of the monitor"} {
		r := e.mini("run", "-d", "--name", "nobody", "-u", "65534", "busybox", "sleep", "1000")
		if r.Status != 0 {
			t.Fatalf("run -d -u 65534:\n%s", r)
		}
		pid := e.field("nobody", "{{.State.PID}}")
		status, err := os.ReadFile("/proc/" + pid + "/status")
		if err != nil || !strings.Contains(string(status), "Uid:\t65534") {
			t.Fatalf("the command (PID %s) does not run as 65534: %v\n%s", pid, err, status)
		}
		if end == "stop" {
			// sleep, PID 1 of its namespace, has no handler for SIGTERM: stop must SIGKILL.
			expect(t, e.mini("stop", "-t", "1", "nobody"), 0, "nobody\n")
		} else {
			monitor, _ := strconv.Atoi(e.field("nobody", "{{.State.MonitorPID}}"))
			syscall.Kill(monitor, syscall.SIGKILL)
			eventually(t, "the monitor to be gone", func() bool { return e.field("nobody", "{{.State.Status}}") == "exited" })
		}
		expect(t, e.mini("rm", "nobody"), 0, "nobody\n")
		// Killed, it may stay a zombie for a moment, until init reaps it: not a running process.
		eventually(t, "the command to be gone after "+end, func() bool {
			status, err := os.ReadFile("/proc/" + pid + "/status")
			return err != nil || strings.Contains(string(status), "State:\tZ")
		})
	}
}

// A restart policy is the monitor's to apply: on-failure:2 runs a failing command three times.
func TestCh07Step1RestartOnFailure(t *testing.T) {
	e := engineEnv(t)
	if r := e.mini("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo try; exit 3"); r.Status != 0 {
		t.Fatalf("run -d --restart:\n%s", r)
	}
	r := e.mini("wait", "flaky")
	eventually(t, "the third try", func() bool { return e.mini("logs", "flaky").Stdout == "try\ntry\ntry\n" })
	if got := e.field("flaky", "{{.State.Restarts}} {{.State.ExitCode}}"); got != "2 3" || r.Stdout != "3\n" {
		t.Errorf("want 2 restarts and exit code 3, got %q and wait printed %q", got, r.Stdout)
	}
}

// Bad input: a clear one-line message, Docker's exit status, and nothing changed.
func TestCh07Step1BadInput(t *testing.T) {
	e := engineEnv(t)
	expectError(t, e.mini("stop", "nosuch"), 1, "no such container: nosuch")
	expectError(t, e.mini("inspect", "nosuch"), 1, "no such container: nosuch")
	expectError(t, e.mini("logs", "nosuch"), 1, "no such container: nosuch")
	if r := e.mini("create", "--name", "taken", "busybox", "true"); r.Status != 0 {
		t.Fatalf("create:\n%s", r)
	}
	expectError(t, e.mini("create", "--name", "taken", "busybox", "true"), 125, `"taken" is already in use`)
	expectError(t, e.mini("run", "-d", "--name", "bad/name", "busybox", "true"), 125, "invalid container name")
	expectError(t, e.mini("run", "-d", "--restart", "sometimes", "busybox", "true"), 125, "--restart", "on-failure")
	expectError(t, e.mini("run", "-d", "--rm", "--restart", "always", "busybox", "true"), 125, "--rm and --restart")
	expectError(t, e.mini("run", "-d", "--stop-signal", "SIGNOPE", "busybox", "true"), 125, "invalid signal")
	expectError(t, e.mini("run", "-d", "-w", "relative", "busybox", "true"), 125, "absolute path")
	expectError(t, e.mini("kill", "-s", "NOPE", "taken"), 125, "invalid signal")
	expectError(t, e.mini("kill", "taken"), 1, "not running")
	// A command that cannot start is reported by run -d itself, with the status run would have.
	expectError(t, e.mini("run", "-d", "--name", "nocmd", "busybox", "no-such-command"), 127, "no-such-command")
	// Ambiguous prefixes: with 17 IDs, two share their first hex digit.
	seen := map[byte]bool{}
	var ambiguous string
	for i := 0; ambiguous == ""; i++ {
		if i == 17 {
			t.Fatal("17 IDs, no first digit twice: impossible")
		}
		r := e.mini("create", "busybox", "true")
		if r.Status != 0 {
			t.Fatalf("create:\n%s", r)
		}
		if d := r.Stdout[0]; seen[d] {
			ambiguous = string(d)
		} else {
			seen[d] = true
		}
	}
	expectError(t, e.mini("rm", ambiguous), 1, "give more of the ID")
	// Nothing was lost: every container created is still there.
	if n := len(strings.Fields(e.mini("ps", "-aq").Stdout)); n < 3 {
		t.Errorf("after the bad commands, %d containers; want every one created", n)
	}
}

// exec joins a running container: its PID namespace (the container's command is PID 1 there),
// its hostname, its files, its cgroup; -e, -u, -w and -i work as in run; the status is the
// command's.
func TestCh07Step2Exec(t *testing.T) {
	e := engineEnv(t)
	if r := e.mini("run", "-d", "--name", "box", "--hostname", "boxy", "-e", "FROM=run", "busybox", "sh", "-c", "echo data > /f; exec sleep 1000"); r.Status != 0 {
		t.Fatalf("run -d:\n%s", r)
	}
	eventually(t, "the file", func() bool { return e.mini("exec", "box", "cat", "/f").Stdout == "data\n" })
	expect(t, e.mini("exec", "box", "sh", "-c", `echo $(hostname) $FROM $(cat /proc/1/cmdline | tr "\0" " ")`), 0, "boxy run sleep 1000\n")
	// The same cgroup as the container's command.
	pid := e.field("box", "{{.State.PID}}")
	want, _ := os.ReadFile("/proc/" + pid + "/cgroup")
	got := e.mini("exec", "box", "cat", "/proc/self/cgroup")
	if got.Stdout != string(want) {
		t.Errorf("exec's cgroups:\n%s\nwant the container's:\n%s", got.Stdout, want)
	}
	expect(t, e.mini("exec", "-u", "65534", "-w", "/tmp", "-e", "X=1", "box", "sh", "-c", "echo $(id -u) $(pwd) $X $FROM"), 0, "65534 /tmp 1 run\n")
	expect(t, e.miniIn(strings.NewReader("typed\n"), "exec", "-i", "box", "cat"), 0, "typed\n")
	expect(t, e.mini("exec", "box", "sh", "-c", "exit 7"), 7, "")
	expectError(t, e.mini("exec", "box", "no-such-command"), 127, "no-such-command")
	expectError(t, e.mini("exec", "nosuch", "true"), 1, "no such container")
	expect(t, e.mini("stop", "-t", "0", "box"), 0, "box\n")
	expectError(t, e.mini("exec", "box", "true"), 1, "not running", "mini start box")
}

// An image a container was made from cannot be deleted while the container exists: its layers
// are the container's lower directories.
func TestCh07RmiRefusesAnImageInUse(t *testing.T) {
	e := engineEnv(t)
	if r := e.mini("create", "--name", "user", "busybox", "true"); r.Status != 0 {
		t.Fatalf("create:\n%s", r)
	}
	expectError(t, e.mini("rmi", "busybox"), 125, "container user", "mini rm user")
	// One of two names may go: the image stays.
	expect(t, e.mini("tag", "busybox", "other:1"), 0, "")
	if r := e.mini("rmi", "other:1"); r.Status != 0 {
		t.Fatalf("rmi of a second name:\n%s", r)
	}
	expect(t, e.mini("rm", "user"), 0, "user\n")
	if r := e.mini("rmi", "busybox"); r.Status != 0 || !strings.Contains(r.Stdout, "Deleted:") {
		t.Fatalf("rmi once the container is gone:\n%s", r)
	}
}

// An image that lost its name while a container uses it (a pull moved the tag to a newer image)
// keeps its files through rmi and prune for as long as the container exists, running or not.
func TestCh07PruneKeepsAnUnnamedImageAContainerUses(t *testing.T) {
	e := engineEnv(t)
	img := commitUpper(t, e, "e2e/moved:1")
	if r := e.mini("create", "--name", "user", "e2e/moved:1", "cat", "/root/note"); r.Status != 0 {
		t.Fatalf("create:\n%s", r)
	}
	expect(t, e.mini("tag", "busybox", "e2e/moved:1"), 0, "")
	expect(t, e.mini("rmi", "busybox"), 0, "Untagged: busybox:latest\n") // e2e/moved:1 still names it
	if r := e.mini("image", "prune"); r.Status != 0 {
		t.Fatalf("image prune:\n%s", r)
	}
	top := img.Lowers()[0]
	if _, err := os.Stat(top); err != nil {
		t.Fatalf("prune removed the top layer of the image container user uses: %v", err)
	}
	expect(t, e.mini("start", "-a", "user"), 0, "only me\n")
	expect(t, e.mini("rm", "user"), 0, "user\n")
	if r := e.mini("image", "prune"); r.Status != 0 {
		t.Fatalf("image prune:\n%s", r)
	}
	if _, err := os.Stat(top); !os.IsNotExist(err) {
		t.Errorf("once no container uses it, prune kept the unnamed image's layer: %v", err)
	}
	e.verifyClean()
}

// top and stats read the container's cgroup and /proc.
func TestCh07Step1TopAndStats(t *testing.T) {
	e := engineEnv(t)
	if r := e.mini("run", "-d", "--name", "busy", "-m", "64m", "busybox", "sh", "-c", "sleep 1000 & sleep 1000"); r.Status != 0 {
		t.Fatalf("run -d:\n%s", r)
	}
	eventually(t, "two sleeps", func() bool { return strings.Count(e.mini("top", "busy").Stdout, "sleep 1000") == 2 })
	top := e.mini("top", "busy")
	if !strings.HasPrefix(top.Stdout, "UID ") || !strings.Contains(top.Stdout, e.field("busy", "{{.State.PID}}")) {
		t.Errorf("top: want a header and the command's PID, got:\n%s", top)
	}
	stats := e.mini("stats", "--no-stream", "busy")
	if lines := strings.Split(strings.TrimSpace(stats.Stdout), "\n"); len(lines) != 2 ||
		!strings.Contains(lines[1], "busy") || !strings.Contains(lines[1], "67.1MB") || !strings.HasSuffix(lines[1], " 2") {
		t.Errorf("stats: want one row with the 64 MiB limit and 2 processes (sh execs the last sleep), got:\n%s", stats)
	}
	expect(t, e.mini("rm", "-f", "busy"), 0, "busy\n")
	expectError(t, e.mini("top", "busy"), 1, "no such container")
}

// --init, --entrypoint, --env-file.
func TestCh07RunOptions(t *testing.T) {
	e := imageEnv(t)
	// Under --init the command is not PID 1, and an orphan it leaves is reaped: no zombie.
	r := e.mini("run", "--rm", "--init", "busybox", "sh", "-c", `(sleep 0.2 &) ; sleep 0.5; echo $$; ps -o stat | grep -c Z`)
	if r.Status != 1 || !strings.HasSuffix(r.Stdout, "\n0\n") || strings.HasPrefix(r.Stdout, "1\n") {
		t.Errorf("--init: want the shell not PID 1 and no zombie (grep -c finds 0 and exits 1), got:\n%s", r)
	}
	expect(t, e.mini("run", "--rm", "--init", "busybox", "sh", "-c", "exit 5"), 5, "")
	expect(t, e.mini("run", "--rm", "--entrypoint", "echo", "busybox", "hi", "there"), 0, "hi there\n")
	env := filepath.Join(t.TempDir(), "env")
	os.WriteFile(env, []byte("A=1\n# a comment\n\nB=two words\n"), 0o644)
	expect(t, e.mini("run", "--rm", "--env-file", env, "-e", "C=3", "busybox", "sh", "-c", "echo $A $B $C"), 0, "1 two words 3\n")
	expectError(t, e.mini("run", "--env-file", "/no/such/file", "busybox", "true"), 125, "--env-file")
}

// -i keeps a record's stdin open for one attached client: run -i --name in the foreground,
// run -d -i then attach; the command's stdin ends when the client's does.
func TestCh07Step1Attach(t *testing.T) {
	e := engineEnv(t)
	expect(t, e.miniIn(strings.NewReader("hello\n"), "run", "-i", "--name", "fg", "busybox", "sh", "-c", "read x; echo got $x; exit 3"), 3, "got hello\n")
	if r := e.mini("run", "-d", "-i", "--name", "bg", "busybox", "cat"); r.Status != 0 {
		t.Fatalf("run -d -i:\n%s", r)
	}
	expect(t, e.miniIn(strings.NewReader("typed\n"), "attach", "bg"), 0, "typed\n")
	expect(t, e.mini("logs", "bg"), 0, "typed\n")
	// start -a -i runs it again, attached; only this run's output is shown.
	expect(t, e.miniIn(strings.NewReader("again\n"), "start", "-a", "-i", "bg"), 0, "again\n")
	// -dit is a shell waiting for a terminal (ch07_terminal_test.go): not for a pipe.
	if r := e.mini("run", "-dit", "--name", "tsh", "busybox", "sh"); r.Status != 0 {
		t.Fatalf("run -dit:\n%s", r)
	}
	expectError(t, e.miniIn(strings.NewReader("exit\n"), "attach", "tsh"), 125, "not a TTY")
	expectError(t, e.mini("attach", "fg"), 1, "not running")
}

// A foreground run with a name passes the signals it gets on to the container's command, as
// chapter 00's run does (the container is not its child: the kernel would not); three ^C kill a
// command that has no handler for them, which PID 1 then ignores.
func TestCh07Step1SignalProxy(t *testing.T) {
	e := engineEnv(t)
	run := e.start("run", "--name", "trapper", "busybox", "sh", "-c", `trap 'echo got INT; exit 7' INT; echo ready; while :; do sleep 0.1; done`)
	run.waitFor("ready")
	run.signal(syscall.SIGINT)
	if r := run.wait(); r.Status != 7 || !strings.Contains(r.Stdout, "got INT") {
		t.Errorf("SIGINT to run --name: want the trap's exit 7 and its line, got:\n%s", r)
	}
	run = e.start("run", "--name", "sleeper", "busybox", "sh", "-c", "echo ready; exec sleep 1000")
	run.waitFor("ready")
	for i := 0; i < 3; i++ {
		run.signal(syscall.SIGINT)
		time.Sleep(50 * time.Millisecond) // three signals, not one: the kernel merges a pending one
	}
	if r := run.wait(); r.Status != 137 || !strings.Contains(r.Stderr, "3 interrupts") {
		t.Errorf("three SIGINTs to run --name of sleep: want 137 and the message, got:\n%s", r)
	}
}

// kill -9 of `mini run -d` and of `mini rm -f` at random moments: whatever state each left, ps
// tells it, rm finishes the job, and nothing stays behind (runAll checks the host; newEnv the
// state root). The seed is logged; MINI_KILL_SEED replays it.
func TestCh07KillCreateStartRm(t *testing.T) {
	e := engineEnv(t)
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("MINI_KILL_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (MINI_KILL_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	for i := 0; i < 8; i++ {
		name := fmt.Sprintf("k%d", i)
		run := e.start("run", "-d", "--name", name, "busybox", "sleep", "1000")
		time.Sleep(time.Duration(rng.Intn(60)) * time.Millisecond)
		run.signal(syscall.SIGKILL)
		run.wait()
		// Whatever was made is a container ps knows, in whatever state it got to.
		if ps := e.mini("ps", "-a", "--format", "{{.Names}} {{.State}}"); ps.Status != 0 {
			t.Fatalf("ps after a killed run -d:\n%s", ps)
		}
		rm := e.start("rm", "-f", name)
		time.Sleep(time.Duration(rng.Intn(40)) * time.Millisecond)
		rm.signal(syscall.SIGKILL)
		rm.wait()
		if r := e.mini("rm", "-f", name); r.Status != 0 && !strings.Contains(r.Stderr, "no such container") {
			t.Fatalf("rm -f after a killed rm:\n%s", r)
		}
	}
	expect(t, e.mini("ps", "-aq"), 0, "")
	// An rm killed between the record and the directory leaves an ordinary stale run directory:
	// the next run sweeps it, as chapter 04's runs do.
	expect(t, e.mini("run", "--rm", "busybox", "true"), 0, "")
}

// A --rm container's files are not fsync'ed (engine's writeFile): a power cut while they are
// written can leave one empty or half-written. Such a container is listed as dead, refused by
// what needs its record, and removed by rm, which leaves nothing behind; one bad record does
// not stop ps for the others.
func TestCh07DeadRecord(t *testing.T) {
	e := engineEnv(t)
	for _, file := range []string{"config.json", "state.json"} {
		t.Run(file, func(t *testing.T) {
			id := strings.TrimSpace(e.mini("create", "--name", "torn", "busybox", "true").Stdout)
			keep := strings.TrimSpace(e.mini("create", "--name", "intact", "busybox", "true").Stdout)
			if len(id) != 64 || len(keep) != 64 {
				t.Fatalf("create: got IDs %q and %q", id, keep)
			}
			// What a power cut leaves of a file written but never synced: a prefix of it.
			if err := os.WriteFile(filepath.Join(e.root, "containers", id, file), []byte(`{"ID": "`), 0o600); err != nil {
				t.Fatal(err)
			}
			expect(t, e.mini("ps", "-a", "--format", "{{.ID}} {{.State}} {{.Status}}"), 0,
				keep[:12]+" created Created\n"+id[:12]+" dead Dead\n")
			if file == "state.json" { // the record is intact: the name is still known
				expect(t, e.mini("ps", "-a", "--filter", "status=dead", "--format", "{{.Names}}"), 0, "torn\n")
			}
			for _, args := range [][]string{{"start", id[:12]}, {"rename", id[:12], "other"}, {"export", id[:12]}} {
				r := e.mini(args...)
				if r.Status == 0 || !strings.Contains(r.Stderr, "is dead") || !strings.Contains(r.Stderr, "mini rm "+id[:12]) ||
					strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
					t.Errorf("%s of a dead container: want one line saying it is dead and how to remove it, got:\n%s", args[0], r)
				}
			}
			expect(t, e.mini("rm", id[:12]), 0, id[:12]+"\n")
			expect(t, e.mini("rm", "intact"), 0, "intact\n")
			expect(t, e.mini("ps", "-aq"), 0, "")
		})
	}
}

// exec -t gives the command a terminal of its own, of the user's size; -it reads what is typed.
func TestCh07Step2ExecTTY(t *testing.T) {
	e := engineEnv(t)
	if r := e.mini("run", "-d", "--name", "box", "busybox", "sleep", "1000"); r.Status != 0 {
		t.Fatalf("run -d:\n%s", r)
	}
	pair, err := tty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer pair.Close()
	if err := unix.IoctlSetWinsize(int(pair.Master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 27, Col: 91}); err != nil {
		t.Fatal(err)
	}
	cmd := e.command(t.Context(), "exec", "-t", "box", "sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo terminal; stty size")
	var out bytes.Buffer
	cmd.Stdin, cmd.Stdout = pair.Slave, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("mini exec -t: %v\n%s", err, out.String())
	}
	if got := strings.ReplaceAll(out.String(), "\r", ""); got != "terminal\n27 91\n" {
		t.Errorf("exec -t: want a terminal of 27 rows and 91 columns, got %q", out.String())
	}
	cmd = e.command(t.Context(), "exec", "-it", "box", "sh")
	out.Reset()
	cmd.Stdin, cmd.Stdout = pair.Slave, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	pair.Master.Write([]byte("echo hel''lo; exit 4\r"))
	err = cmd.Wait()
	var ee *exec.ExitError
	if !asExit(err, &ee) || ee.ExitCode() != 4 || !strings.Contains(out.String(), "hello") {
		t.Errorf("mini exec -it box sh: want status 4 and hello, got %v, %q", err, out.String())
	}
}
