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
	// Explain, for --explain: the monitor narrates the container's set-up there (the command's
	// stderr, given to it as fd 5), in colour if Color.
	Explain *os.File
	Color   bool

	exit *os.File // StartAttached's pipe: the monitor's fd 4, for the exit status
}

// exitFd is the monitor's fd 4 when a command stays attached: the monitor writes the container's
// exit status there (one JSON exitReport) when the container has ended for good, before a --rm
// container's record is removed, and it closes it when it ends itself.
const exitFd = 4

// explainFd is the monitor's fd 5 with --explain: the starting command's stderr.
const explainFd = 5

type exitReport struct {
	Status int
	Error  string // why the command ended, when Mini knows more than the status (the OOM killer)
}

// StartAttached is Start for the command that stays attached (`run` without -d, `start -a`).
// The monitor keeps a terminal's first output for it (see attachServer.keep), and tells it the
// exit status through a pipe of their own: a --rm container's record, and its state with it, is
// gone by the time the command could read it. wait blocks until the container has ended; its
// error says the status could not be had (the monitor was killed, or the container was running
// already and has another monitor): the caller then reads the record. A *container.StatusError
// is no such error: it is the status, with what Mini knows of why (the memory limit).
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
	if err := e.Start(c, o); err != nil {
		// The monitor tears down what it set up, and removes a --rm container, before it ends
		// and closes its end of the pipe: wait for that, so that nothing is left half-done.
		io.Copy(io.Discard, r)
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
		if x.Error != "" {
			return x.Status, &container.StatusError{Status: x.Status, Err: errors.New(x.Error)}
		}
		return x.Status, nil
	}, nil
}

// Start starts the container's monitor and waits until the command runs, or could not start:
// then the error carries the status `mini start` exits with (125, 126, 127), as Docker's does.
func (e *Engine) Start(c *Container, o StartOptions) error {
	if o.exit != nil {
		defer o.exit.Close() // the monitor has its own copy, or there is no monitor
	}
	if c.MonitorAlive() {
		return nil // already running: Docker's start does nothing either
	}
	if err := c.Usable(); err != nil {
		return err
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
	args := []string{"--root", e.root.Dir, "monitor"}
	if o.exit != nil {
		args = append(args, "--attach")
	}
	if o.Explain != nil {
		args = append(args, "--explain", fmt.Sprintf("--color=%t", o.Color))
	}
	cmd := exec.Command(o.Exe, append(args, c.ID)...)
	cmd.Env = o.Env
	cmd.Dir = "/"
	// The monitor's stdout and stderr go to monitor.log: it must not hold the terminal or the
	// pipe of the `mini` that started it (a `$(mini run -d ...)` would never end).
	cmd.Stdout, cmd.Stderr = log, log
	// fd 3 = readyFd, fd 4 = exitFd, fd 5 = explainFd (a nil one is closed in the monitor).
	cmd.ExtraFiles = []*os.File{readyW, o.exit, o.Explain}
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
