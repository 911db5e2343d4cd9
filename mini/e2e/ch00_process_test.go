package e2e

import (
	"bytes"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/tty"
)

func TestCh00Step1RunsCommand(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--", "echo", "hello", "world")
	expect(t, r, 0, "hello world\n")
	if r.Stderr != "" {
		t.Errorf("mini wrote to stderr on success: %q", r.Stderr)
	}
	// Arguments arrive as they were given, spaces and quotes included: no string splitting.
	r = e.mini("run", "sh", "-c", `printf '%s|' "$@"`, "sh", "a b", `"q"`, "")
	expect(t, r, 0, `a b|"q"||`)
}

func TestCh00Step1Stdin(t *testing.T) {
	e := newEnv(t)
	r := e.miniIn(strings.NewReader("one\ntwo\n"), "run", "-i", "--", "cat")
	expect(t, r, 0, "one\ntwo\n")
	// Without -i the command's stdin is /dev/null, as in Docker.
	r = e.miniIn(strings.NewReader("ignored\n"), "run", "--", "cat")
	expect(t, r, 0, "")
}

func TestCh00Step1Explain(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--explain", "--", "echo", "hi")
	// The narration goes to stderr: stdout stays the command's alone.
	expect(t, r, 0, "hi\n")
	for _, want := range []string{"/proc/self/exe init", "$ mkdir -p ", "execve(2)"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("--explain does not narrate %q:\n%s", want, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, "\x1b[") {
		t.Errorf("--explain coloured its output with NO_COLOR set:\n%q", r.Stderr)
	}
}

func TestCh00Step2ExitStatus(t *testing.T) {
	e := newEnv(t)
	expect(t, e.mini("run", "--", "sh", "-c", "exit 3"), 3, "")
	expect(t, e.mini("run", "--", "false"), 1, "")
	expect(t, e.mini("run", "--", "true"), 0, "")
}

func TestCh00Step2KilledBySignal(t *testing.T) {
	e := newEnv(t)
	// exec: the sleep is the command itself, so no orphan keeps stdout open in chapter 00 and
	// 01, where there is no PID namespace to take the rest down with it.
	b := e.start("run", "--", "sh", "-c", "echo ready; exec sleep 100")
	b.waitFor("ready")
	// SIGKILL from the host always reaches the command, even as PID 1 of its namespace.
	syscall.Kill(b.containerPID(), syscall.SIGKILL)
	r := b.wait()
	if r.Status != 128+9 {
		t.Fatalf("a command killed by SIGKILL: want status 137, got:\n%s", r)
	}
}

func TestCh00NotFound(t *testing.T) {
	e := newEnv(t)
	expectError(t, e.mini("run", "--", "no-such-command"), 127, "no-such-command", "not found")
}

func TestCh00NotExecutable(t *testing.T) {
	e := newEnv(t)
	expectError(t, e.mini("run", "--", "/etc/passwd"), 126, "/etc/passwd", "cannot be executed")
}

func TestCh00BadInput(t *testing.T) {
	e := newEnv(t)
	expectError(t, e.mini("run", "--no-such-flag", "--", "true"), 125, "no-such-flag")
	expectError(t, e.mini("run"), 125, "no command given")
	expectError(t, e.mini("frobnicate"), 125, "frobnicate")
}

func TestCh00SignalForwarded(t *testing.T) {
	e := newEnv(t)
	b := e.start("run", "--", "sh", "-c", `trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done`)
	b.waitFor("ready")
	b.signal(syscall.SIGTERM)
	r := b.wait()
	if r.Status != 7 || !strings.Contains(r.Stdout, "got TERM") {
		t.Fatalf("SIGTERM to mini should reach the command's trap:\n%s", r)
	}
}

func TestCh00Step2TTY(t *testing.T) {
	e := newEnv(t)
	pair, err := tty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer pair.Close()
	if err := unix.IoctlSetWinsize(int(pair.Master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 31, Col: 101}); err != nil {
		t.Fatal(err)
	}
	// -t alone: the command gets a terminal of the user's size; its output comes back.
	cmd := e.command(t.Context(), "run", "-t", "--", "sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo terminal; stty size")
	var out bytes.Buffer
	cmd.Stdin, cmd.Stdout = pair.Slave, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("mini run -t: %v\n%s", err, out.String())
	}
	if got := strings.ReplaceAll(out.String(), "\r", ""); got != "terminal\n31 101\n" {
		t.Errorf("want stdin and stdout a terminal of 31 rows and 101 columns, got %q", out.String())
	}

	// -it: an interactive shell reads what is typed on the terminal.
	cmd = e.command(t.Context(), "run", "-it", "--", "sh")
	out.Reset()
	cmd.Stdin, cmd.Stdout = pair.Slave, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the shell start; a lost prompt is harmless either way
	pair.Master.Write([]byte("echo hel''lo; exit 4\r"))
	err = cmd.Wait()
	var ee *exec.ExitError
	if !asExit(err, &ee) || ee.ExitCode() != 4 || !strings.Contains(out.String(), "hello") {
		t.Errorf("mini run -it -- sh: want status 4 and hello, got %v, %q", err, out.String())
	}
	// Raw mode was undone: the terminal echoes again.
	tio, err := unix.IoctlGetTermios(int(pair.Slave.Fd()), unix.TCGETS)
	if err != nil || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("the terminal was left in raw mode (echo off)")
	}
}

func asExit(err error, target **exec.ExitError) bool {
	ee, ok := err.(*exec.ExitError)
	*target = ee
	return ok
}
