//mini:chapter 07

package engine

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/cgroup"
	"github.com/minikit/kit/mini/state"
)

// Stop asks the command to end with the container's stop signal and, if it has not ended
// after timeout, kills every process of the container with SIGKILL. It returns once the
// monitor has torn the container down. A stopped container is not restarted.
func (e *Engine) Stop(c *Container, timeout time.Duration) error {
	if !c.MonitorAlive() {
		return nil
	}
	if err := os.WriteFile(c.Path(stopFile), nil, 0o600); err != nil {
		return fmt.Errorf("mark the container as stopped: %w", err)
	}
	sig := unix.SIGTERM
	if c.StopSignal != "" {
		s, err := ParseSignal(c.StopSignal)
		if err != nil {
			return err
		}
		sig = s
	}
	if err := c.signal(sig); err != nil {
		return err
	}
	if c.waitMonitor(timeout) {
		return nil
	}
	// The command did not end in time, or it ignores the signal (PID 1 of a namespace only
	// gets the signals it has a handler for). SIGKILL to every process of its cgroup, not
	// only to the PID we know: a process that changed its uid lost its parent-death signal,
	// and would carry on.
	return c.killAndWait()
}

// Kill sends sig to the container's command. SIGKILL reaches every process in the container.
func (e *Engine) Kill(c *Container, sig unix.Signal) error {
	if !c.MonitorAlive() || !c.Running() {
		return fmt.Errorf("container %s is not running", c.Name)
	}
	if err := os.WriteFile(c.Path(stopFile), nil, 0o600); err != nil {
		return fmt.Errorf("mark the container as stopped: %w", err)
	}
	if sig == unix.SIGKILL {
		return c.killAll()
	}
	return c.signal(sig)
}

// Signal passes sig on to the container's command, as an attached `mini run` or `start -a` does
// with the signals it gets (Docker's --sig-proxy): unlike Kill, it does not mark the container
// as stopped by the user, so a restart policy still applies.
func (c *Container) Signal(sig unix.Signal) error { return c.signal(sig) }

// signal sends sig to the container's init process, after checking that the PID still is
// the container's (a PID is reused once its process is gone).
func (c *Container) signal(sig unix.Signal) error {
	if c.State.PID <= 0 {
		return nil // starting or ending: the monitor sees the stop file
	}
	if !c.owns(c.State.PID) {
		return nil // already gone
	}
	if err := unix.Kill(c.State.PID, sig); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("send %s to the container's command (PID %d): %w", unix.SignalName(sig), c.State.PID, err)
	}
	return nil
}

// InitPID is the PID of the container's init process (its command), if it runs.
func (c *Container) InitPID() (int, bool) {
	if !c.Running() || c.State.PID <= 0 || !c.owns(c.State.PID) {
		return 0, false
	}
	return c.State.PID, true
}

// owns says whether pid is a process of the container: it is in the container's cgroup.
func (c *Container) owns(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	return err == nil && strings.Contains(string(data), "/"+c.ID)
}

// group opens the container's cgroup, under the parent its runs recorded.
func (c *Container) group() (cgroup.Group, error) {
	parent := cgroup.DefaultParent
	if data, err := os.ReadFile(c.Path("cgroup-parent")); err == nil {
		parent = strings.TrimSpace(string(data))
	}
	return cgroup.Open(cgroup.Options{Parent: parent, Name: c.ID})
}

// killAll sends SIGKILL to every process in the container's cgroup.
func (c *Container) killAll() error {
	g, err := c.group()
	if err != nil {
		return nil // no group: nothing runs
	}
	f, err := os.Open(filepath.Join(g.Path(), "cgroup.procs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list the container's processes: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if pid, err := strconv.Atoi(sc.Text()); err == nil {
			unix.Kill(pid, unix.SIGKILL)
		}
	}
	return sc.Err()
}

// waitMonitor waits up to d for the monitor to end; it says whether it did.
func (c *Container) waitMonitor(d time.Duration) bool {
	return c.waitMonitorKilling(d, false)
}

// killAndWait sends SIGKILL to every process of the container, again and again, until its
// monitor has torn the container down (10 s at most). Once would not do: a monitor that is
// starting the container moves the new process into the cgroup only after it made the group,
// and a process that arrived after our one look would run on, its monitor with it.
func (c *Container) killAndWait() error {
	if !c.waitMonitorKilling(10*time.Second, true) {
		return fmt.Errorf("container %s: its monitor (PID %d) did not end after SIGKILL: see its processes with mini top %s", ShortID(c.ID), c.State.MonitorPID, ShortID(c.ID))
	}
	return nil
}

func (c *Container) waitMonitorKilling(d time.Duration, kill bool) bool {
	f, err := os.Open(c.Path(monitorLock))
	if err != nil {
		return true
	}
	defer f.Close()
	deadline := time.Now().Add(d)
	for {
		if kill {
			c.killAll() // a failure shows as a monitor that does not end
		}
		if ok, _ := state.TryRelock(f, state.Shared); ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ParseSignal reads a signal as kill(1) takes it: KILL, SIGKILL or 9.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("invalid signal %q: give a name (TERM, SIGKILL) or a number", s)
}
