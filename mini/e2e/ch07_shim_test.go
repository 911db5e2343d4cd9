//mini:chapter 07

package e2e

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// monitorExe is the program the container's monitor process runs now.
func (e *env) monitorExe(ctr string) string {
	e.t.Helper()
	exe, _ := os.Readlink(filepath.Join("/proc", e.field(ctr, "{{.State.MonitorPID}}"), "exe"))
	return exe
}

// A detached container's monitor hands the running container to the shim (mini-shim, beside
// mini), in the same process: the output still reaches the log on its own stream, a signal
// sent to the monitor still reaches the container, and once the command ends the monitor is
// back for the teardown and the restart policy. A -t container's monitor, which serves the
// terminal, waits itself.
func TestCh07ShimTakesOver(t *testing.T) {
	e := engineEnv(t)
	shim := filepath.Join(filepath.Dir(h.bin), "mini-shim")
	r := e.mini("run", "-d", "--name", "shimmed", "busybox", "sh", "-c",
		"trap 'echo got TERM; exit 7' TERM; echo out; echo err >&2; while true; do sleep 0.1; done")
	if r.Status != 0 {
		t.Fatalf("run -d:\n%s", r)
	}
	eventually(t, "the monitor to hand over to the shim", func() bool { return e.monitorExe("shimmed") == shim })
	eventually(t, "the first lines in the log", func() bool {
		l := e.mini("logs", "shimmed")
		return l.Stdout == "out\n" && l.Stderr == "err\n"
	})
	monitor, _ := strconv.Atoi(e.field("shimmed", "{{.State.MonitorPID}}"))
	if err := syscall.Kill(monitor, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the container to end", func() bool { return e.field("shimmed", "{{.State.Status}}") == "exited" })
	if got := e.field("shimmed", "{{.State.ExitCode}}"); got != "7" {
		t.Errorf("a SIGTERM sent to the shim: exit code %s, want 7 (the container's trap)", got)
	}
	if l := e.mini("logs", "shimmed"); !strings.HasSuffix(l.Stdout, "got TERM\n") {
		t.Errorf("logs after the signal:\n%s", l)
	}
	// Started again: the monitor, then the shim again; stop ends it.
	expect(t, e.mini("start", "shimmed"), 0, "shimmed\n")
	eventually(t, "the monitor to hand over again", func() bool { return e.monitorExe("shimmed") == shim })
	expect(t, e.mini("stop", "shimmed"), 0, "shimmed\n")
	if got := e.field("shimmed", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 7" {
		t.Errorf("after stop: %q, want exited 7", got)
	}

	// The restart policy is the monitor's, after each end the shim reports.
	r = e.mini("run", "-d", "--name", "again", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3")
	if r.Status != 0 {
		t.Fatalf("run -d --restart:\n%s", r)
	}
	eventually(t, "two restarts", func() bool {
		return e.field("again", "{{.State.Status}} {{.State.Restarts}}") == "exited 2"
	})
	expect(t, e.mini("logs", "again"), 0, "run\nrun\nrun\n")
	if got := e.field("again", "{{.State.ExitCode}}"); got != "3" {
		t.Errorf("after the restarts: exit code %s, want 3", got)
	}

	// The shim killed: the container goes with it (its parent-death signal still names the
	// monitor's process), ps tells the truth without an age it cannot know, and rm cleans up.
	r = e.mini("run", "-d", "--name", "killed", "busybox", "sleep", "1000")
	if r.Status != 0 {
		t.Fatalf("run -d:\n%s", r)
	}
	eventually(t, "the monitor to hand over", func() bool { return e.monitorExe("killed") == shim })
	pid, _ := strconv.Atoi(e.field("killed", "{{.State.PID}}"))
	monitor, _ = strconv.Atoi(e.field("killed", "{{.State.MonitorPID}}"))
	syscall.Kill(monitor, syscall.SIGKILL)
	eventually(t, "the container to die with its shim", func() bool {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		return err != nil || strings.Contains(string(stat), ") Z ") // gone, or a zombie of init's
	})
	if got := e.mini("ps", "-a", "--filter", "name=killed", "--format", "{{.Status}}").Stdout; got != "Exited (137)\n" {
		t.Errorf("ps after kill -9 of the shim: %q, want \"Exited (137)\\n\"", got)
	}
	expect(t, e.mini("rm", "killed"), 0, "killed\n")

	r = e.mini("run", "-d", "-t", "--name", "terminal", "busybox", "sleep", "1000")
	if r.Status != 0 {
		t.Fatalf("run -d -t:\n%s", r)
	}
	if exe := e.monitorExe("terminal"); exe != h.bin {
		t.Errorf("a -t container's monitor runs %s, want %s: it serves the terminal", exe, h.bin)
	}
}

// A mini built alone, with no mini-shim beside it (`go build ./mini/cmd/mini`), runs detached
// containers as well: their monitors wait themselves.
func TestCh07NoShimBesideMini(t *testing.T) {
	e := engineEnv(t)
	alone := filepath.Join(t.TempDir(), "mini")
	data, err := os.ReadFile(h.bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) result {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := e.command(ctx, args...)
		cmd.Path, cmd.Args[0] = alone, alone
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
			t.Fatal(err)
		}
		return result{Stdout: out.String(), Stderr: errOut.String(), Status: cmd.ProcessState.ExitCode()}
	}
	if r := run("run", "-d", "--name", "alone", "busybox", "sh", "-c", "echo here; sleep 1000"); r.Status != 0 {
		t.Fatalf("run -d:\n%s", r)
	}
	if exe := e.monitorExe("alone"); exe != alone {
		t.Errorf("the monitor runs %s, want %s (no shim to hand over to)", exe, alone)
	}
	eventually(t, "the log", func() bool { return e.mini("logs", "alone").Stdout == "here\n" })
	expect(t, run("stop", "-t", "1", "alone"), 0, "alone\n")
	if got := e.field("alone", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 137" {
		t.Errorf("after stop: %q, want exited 137", got)
	}
}

// A published port stays reserved while the shim waits: the monitor hands it the sockets that
// hold the port (an exec would close them otherwise), and the shim closes them when the
// command ends.
func TestCh07ShimHoldsPublishedPorts(t *testing.T) {
	e := netEngineEnv(t)
	shim := filepath.Join(filepath.Dir(h.bin), "mini-shim")
	if r := e.mini("network", "create", "--subnet", "10.207.41.0/24", "mt7shim"); r.Status != 0 {
		t.Fatalf("network create:\n%s", r)
	}
	if r := e.mini("run", "-d", "--name", "web", "--network", "mt7shim", "-p", "127.0.0.1:18408:80", "busybox", "sleep", "1000"); r.Status != 0 {
		t.Fatalf("run -d -p:\n%s", r)
	}
	eventually(t, "the monitor to hand over to the shim", func() bool { return e.monitorExe("web") == shim })
	if l, err := net.Listen("tcp4", "127.0.0.1:18408"); err == nil {
		l.Close()
		t.Errorf("port 18408 is free while the container runs: want it reserved by the shim")
	}
	expect(t, e.mini("stop", "-t", "1", "web"), 0, "web\n")
	if l, err := net.Listen("tcp4", "127.0.0.1:18408"); err != nil {
		t.Errorf("port 18408 still held after stop: %v", err)
	} else {
		l.Close()
	}
	expect(t, e.mini("rm", "web"), 0, "web\n")
	expect(t, e.mini("network", "rm", "mt7shim"), 0, "mt7shim\n")
}
