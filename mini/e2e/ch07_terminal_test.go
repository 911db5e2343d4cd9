//mini:chapter 07

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/tty"
)

// userTerminal is the test's stand-in for the user's terminal: a pseudo-terminal whose slave is
// mini's stdin, stdout and stderr, and whose master the test types into and reads.
type userTerminal struct {
	t    *testing.T
	pair *tty.Pair
	mu   sync.Mutex
	out  bytes.Buffer
}

func newUserTerminal(t *testing.T, rows, cols uint16) *userTerminal {
	pair, err := tty.Open()
	if err != nil {
		t.Fatal(err)
	}
	u := &userTerminal{t: t, pair: pair}
	u.resize(rows, cols)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := pair.Master.Read(buf)
			u.mu.Lock()
			u.out.Write(buf[:n])
			u.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(pair.Close)
	return u
}

func (u *userTerminal) resize(rows, cols uint16) {
	if err := unix.IoctlSetWinsize(int(u.pair.Master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		u.t.Fatal(err)
	}
}

// attach runs mini with this terminal as its stdin, stdout and stderr.
func (u *userTerminal) attach(e *env, args ...string) *exec.Cmd {
	cmd := e.command(u.t.Context(), args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = u.pair.Slave, u.pair.Slave, u.pair.Slave
	if err := cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	return cmd
}

func (u *userTerminal) typeKeys(s string) {
	if _, err := u.pair.Master.Write([]byte(s)); err != nil {
		u.t.Fatal(err)
	}
}

func (u *userTerminal) shown() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.ReplaceAll(u.out.String(), "\r", "")
}

// waitFor waits until the terminal has shown s since the last waitFor (see eventually).
func (u *userTerminal) waitFor(s string) {
	u.t.Helper()
	eventually(u.t, "the terminal to show "+s, func() bool { return strings.Contains(u.shown(), s) })
	u.mu.Lock()
	u.out.Reset()
	u.mu.Unlock()
}

func exitStatus(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if asExit(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return 0
}

// -it on a container record: the monitor holds the terminal and the command attaches to it, so
// the shell outlives the command; Ctrl-P Ctrl-Q detaches, attach comes back to the same shell,
// and the container's window follows the user's.
func TestCh07Step1Terminal(t *testing.T) {
	e := engineEnv(t)
	u := newUserTerminal(t, 27, 91)
	run := u.attach(e, "run", "-it", "--name", "shell", "busybox", "sh")
	u.waitFor("# ") // the prompt, written before the command attached: kept for it
	u.typeKeys("stty size; echo hel''lo; echo $$\r")
	u.waitFor("27 91\nhello\n1\n")
	u.typeKeys("\x10\x11") // Ctrl-P Ctrl-Q
	if status := exitStatus(t, run); status != 0 {
		t.Fatalf("run -it after Ctrl-P Ctrl-Q: status %d, want 0 (detached)\n%s", status, u.shown())
	}
	if got := e.field("shell", "{{.State.Status}}"); got != "running" {
		t.Fatalf("after a detach the shell is %q, want running", got)
	}

	u.resize(30, 100)
	att := u.attach(e, "attach", "shell")
	u.typeKeys("stty size\r")
	u.waitFor("30 100\n")
	// The window changes while attached: the client hears SIGWINCH (here sent by hand) and
	// tells the monitor, which gives the container's terminal the new size.
	u.resize(31, 101)
	att.Process.Signal(syscall.SIGWINCH)
	eventually(t, "the new size", func() bool {
		u.typeKeys("stty size\r")
		time.Sleep(100 * time.Millisecond)
		return strings.Contains(u.shown(), "31 101\n")
	})
	u.typeKeys("exit 4\r")
	if status := exitStatus(t, att); status != 4 {
		t.Errorf("attach: the shell exited 4, mini attach exited %d\n%s", status, u.shown())
	}
	if r := e.mini("logs", "shell"); !strings.Contains(r.Stdout, "hello") {
		t.Errorf("the terminal's output is not in the log:\n%s", r)
	}

	// A short command under -t: all its output reaches the command that started it, which
	// exits with its status; start -a gives the same again.
	// (The terminal shows what mini wrote a moment after mini exits: waitFor, not shown.)
	run = u.attach(e, "run", "-t", "--name", "short", "busybox", "sh", "-c", "echo one; echo two; exit 3")
	if status := exitStatus(t, run); status != 3 {
		t.Errorf("run -t of a short command: status %d, want 3; shown %q", status, u.shown())
	}
	u.waitFor("one\ntwo\n")
	// What Mini knows of why the command ended reaches the terminal too (the log's stderr,
	// where it goes without -t, is not on it).
	run = u.attach(e, "run", "-t", "--rm", "-m", "32m", "busybox", "sh", "-c", "x=0123456789abcdef; while true; do x=$x$x; done")
	if status := exitStatus(t, run); status != 137 {
		t.Errorf("run -t of a command over its memory limit: status %d, want 137", status)
	}
	u.waitFor("memory limit")
	if status := exitStatus(t, u.attach(e, "start", "-a", "short")); status != 3 {
		t.Errorf("start -a of a -t container: status %d, want 3", status)
	}
	u.waitFor("one\ntwo\n")

	// create -it, then start -a -i: the same, in two steps. One client at a time: a second
	// attach is refused, and the first goes on.
	if r := e.mini("create", "-it", "--name", "later", "busybox", "sh"); r.Status != 0 {
		t.Fatalf("create -it:\n%s", r)
	}
	start := u.attach(e, "start", "-a", "-i", "later")
	u.waitFor("# ")
	v := newUserTerminal(t, 24, 80)
	if status := exitStatus(t, v.attach(e, "attach", "later")); status == 0 {
		t.Errorf("a second attach: status 0, want a failure")
	}
	v.waitFor("another client is attached")
	u.typeKeys("exit 5\r")
	if status := exitStatus(t, start); status != 5 {
		t.Errorf("start -a -i: the shell exited 5, mini start exited %d\n%s\n%s", status, u.shown(), e.mini("inspect", "later"))
		data, _ := os.ReadFile(filepath.Join(e.field("later", "{{.Dir}}"), "monitor.log"))
		t.Logf("monitor.log: %s", data)
	}

	// --rm: the terminal's status, though the record is gone by then.
	run = u.attach(e, "run", "-it", "--rm", "--name", "gone", "busybox", "sh")
	u.waitFor("# ")
	u.typeKeys("exit 9\r")
	if status := exitStatus(t, run); status != 9 {
		t.Errorf("run -it --rm: the shell exited 9, mini run exited %d", status)
	}

	// -it from a pipe is refused before anything is made.
	expectError(t, e.mini("run", "-it", "--name", "piped", "busybox", "sh"), 125, "not a TTY")
	expect(t, e.mini("ps", "-a", "--format", "{{.Names}}"), 0, "later\nshort\nshell\n")
}
