//mini:chapter 07

package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/minikit/kit/mini/container"
)

// StartOptions say how to start the monitor.
type StartOptions struct {
	// Exe is the mini binary that runs as the monitor (`mini --root R monitor ID`).
	Exe string
	// Env is the monitor's environment (MINI_BUSYBOX_DIR and the like are the command's
	// business, not the monitor's: it is only given what it needs).
	Env []string

	exit *os.File // StartAttached's pipe: the monitor's fd 4, for the exit status
}

// Start starts the container's monitor and waits until the command runs, or could not start:
// then the error carries the status `mini start` exits with (125, 126, 127), as Docker's does.
func (e *Engine) Start(c *Container, o StartOptions) error {
	return e.start(c, o)
}

// exitFd is the monitor's fd 4 when a command stays attached: the monitor writes the container's
// exit status there (one JSON exitReport) when the container has ended for good, before a --rm
// container's record is removed, then closes it.
const exitFd = 4

type exitReport struct{ Status int }

// StartAttached is Start for the command that stays attached (`run` without -d, `start -a`).
// The monitor keeps a terminal's first output for it (see attachServer.keep), and tells it the
// exit status through a pipe of their own: a --rm container's record, and its state with it, is
// gone by the time the command could read it. wait blocks until the container has ended; its
// error says the status could not be had (the monitor was killed, or the container was running
// already and has another monitor): the caller then reads the record.
func (e *Engine) StartAttached(c *Container, o StartOptions) (wait func() (int, error), err error) {
	noStatus := func() (int, error) { return 0, errors.New("no exit status from the monitor") }
	if c.MonitorAlive() {
		return noStatus, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	o.exit = w
	if err := e.start(c, o); err != nil {
		r.Close()
		return nil, err
	}
	return func() (int, error) {
		defer r.Close()
		data, err := io.ReadAll(r)
		var x exitReport
		if err != nil || json.Unmarshal(data, &x) != nil {
			return noStatus()
		}
		return x.Status, nil
	}, nil
}

func (e *Engine) start(c *Container, o StartOptions) error {
	if o.exit != nil {
		defer o.exit.Close() // the monitor has its own copy, or there is no monitor
	}
	if c.MonitorAlive() {
		return nil // already running: Docker's start does nothing either
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer readyR.Close()
	log, err := os.OpenFile(c.Path("monitor.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		readyW.Close()
		return fmt.Errorf("open the monitor's log: %w", err)
	}
	defer log.Close()
	args := []string{"--root", e.root.Dir, "monitor", c.ID}
	if o.exit != nil {
		args = []string{"--root", e.root.Dir, "monitor", "--attach", c.ID}
	}
	cmd := exec.Command(o.Exe, args...)
	cmd.Env = o.Env
	cmd.Dir = "/"
	// The monitor's stdout and stderr go to monitor.log: it must not hold the terminal or the
	// pipe of the `mini` that started it (a `$(mini run -d ...)` would never end).
	cmd.Stdout, cmd.Stderr = log, log
	cmd.ExtraFiles = []*os.File{readyW} // fd 3 = readyFd
	if o.exit != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, o.exit) // fd 4 = exitFd
	}
	// A session of its own: the terminal's ^C and hang-up go to the foreground process
	// group of the user's shell, never to the monitor, which must outlive that shell.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		readyW.Close()
		return fmt.Errorf("start the container's monitor: %w", err)
	}
	readyW.Close()
	// Nobody waits for the monitor: once this command exits, the kernel gives it to init.
	defer cmd.Process.Release()

	data, err := io.ReadAll(readyR)
	if err != nil {
		return fmt.Errorf("read the monitor's report: %w", err)
	}
	var r startReport
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("the container's monitor ended without a report (see %s)", c.Path("monitor.log"))
	}
	if r.Status != 0 {
		return &container.StatusError{Status: r.Status, Err: errors.New(r.Error)}
	}
	return nil
}
