package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/tty"
)

// withProbe gives the test a private root filesystem holding the probe program
// (testdata/probe), and the path to run it by. The path is the same on the host and inside the
// root filesystem, so the test runs unchanged in chapter 00 (no root filesystem of its own yet)
// and later (MINI_ROOTFS names the copy).
func withProbe(t *testing.T, e *env) string {
	t.Helper()
	probe := buildProbe(t)
	dir := filepath.Dir(probe)
	rootfs := copyRootfs(t, "rootfs")
	inside := filepath.Join(rootfs, dir)
	if err := os.MkdirAll(inside, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", probe, inside).CombinedOutput(); err != nil {
		t.Fatalf("copy the probe: %v\n%s", err, out)
	}
	e.extra = append(e.extra, "MINI_ROOTFS="+rootfs)
	return probe
}

// buildProbe builds testdata/probe into a directory of the test's own, statically.
func buildProbe(t *testing.T) string {
	t.Helper()
	probe := filepath.Join(t.TempDir(), "probe")
	// MINI_E2E_PROBE names a prebuilt probe (scripts/vm/test: no Go in the VM).
	build := exec.Command("go", "build", "-o", probe, "./testdata/probe")
	if prebuilt := os.Getenv("MINI_E2E_PROBE"); prebuilt != "" {
		build = exec.Command("cp", prebuilt, probe)
	}
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the probe: %v\n%s", err, out)
	}
	return probe
}

// CVE-2024-21626: a file descriptor Mini inherited (here fd 7, the host's /etc) must not reach
// the command, or openat(7, "shadow") reads the host's /etc/shadow from inside any root.
func TestCh00Step1InheritedFdsDoNotReachTheCommand(t *testing.T) {
	e := newEnv(t)
	probe := withProbe(t, e)
	etc, err := os.Open("/etc")
	if err != nil {
		t.Fatal(err)
	}
	defer etc.Close()
	cmd := e.command(t.Context(), "run", "--", probe, "fds")
	// ExtraFiles start at fd 3: 3, 4, 5 and 6 are /dev/null, 7 is /etc. exec.Cmd clears
	// close-on-exec on these, as a shell's `exec 7</etc` would leave them.
	null, _ := os.Open(os.DevNull)
	defer null.Close()
	cmd.ExtraFiles = []*os.File{null, null, null, null, etc}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mini run -- probe fds: %v\n%s", err, out)
	}
	var fds []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fds = append(fds, strings.SplitN(line, " ", 2)[0])
	}
	if strings.Join(fds, " ") != "0 1 2" {
		t.Errorf("want only fds 0, 1 and 2 in the container, got:\n%s", out)
	}
}

// The command must never share the user's terminal or session: with it, ioctl(TIOCSTI) types
// commands into the user's root shell once Mini exits. Mini here runs as a user's shell would:
// in a session of its own whose controlling terminal is a pty the test holds.
func TestCh00Step1CommandCannotTypeIntoTheTerminal(t *testing.T) {
	e := newEnv(t)
	probe := withProbe(t, e)
	pair, err := tty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer pair.Close()
	cmd := e.command(t.Context(), "run", "--", probe, "tiocsti")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pair.Slave, pair.Slave, pair.Slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	done := make(chan []byte)
	go func() {
		var all []byte
		buf := make([]byte, 4096)
		for {
			n, err := pair.Master.Read(buf)
			all = append(all, buf[:n]...)
			if err != nil || strings.Count(string(all), "\n") >= 4 {
				done <- all
				return
			}
		}
	}()
	if err := cmd.Run(); err != nil {
		t.Fatalf("mini run -- probe tiocsti: %v", err)
	}
	var report string
	select {
	case out := <-done:
		report = strings.ReplaceAll(string(out), "\r", "")
	case <-time.After(time.Minute): // a safety net, not a timing assertion
		t.Fatal("the probe's report did not arrive")
	}
	if strings.Contains(report, ": INJECTED") {
		t.Errorf("the command pushed input into the user's terminal:\n%s", report)
	}
	// Whatever the probe said, nothing may wait in the terminal's input queue.
	slave := int(pair.Slave.Fd()) // once: each Fd() call puts the file back in blocking mode
	if err := unix.SetNonblock(slave, true); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	if n, _ := unix.Read(slave, buf); n > 0 {
		t.Errorf("the terminal's input holds %q: the command typed into it", buf[:n])
	}
}
