package container

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
)

// The exit statuses Mini uses for itself, as Docker does: a script can tell "Mini failed" from
// "the command failed".
const (
	StatusEngineError   = 125 // Mini itself failed: bad flag, missing rootfs, kernel refused a step
	StatusCannotExecute = 126 // the command exists but cannot be run (not executable, bad format)
	StatusNotFound      = 127 // the command does not exist in the container
)

// StatusError is an error that carries the exit status mini should exit with.
type StatusError struct {
	Status int
	Err    error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// Status returns the exit status that belongs to err: its own if it is a *StatusError, 125
// (Mini's own failure) otherwise.
func Status(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return StatusEngineError
}

// exitStatus turns the way the command ended into the status mini exits with: the command's own
// exit code, or 128+n when signal n killed it (the shell's convention, so SIGKILL gives 137).
func exitStatus(waitErr error) (int, error) {
	if waitErr == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) {
		return 0, fmt.Errorf("wait for the container: %w", waitErr)
	}
	//mini:solution 00.2 Turn the wait status into mini's exit status: the exit code, or 128+signal.
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok {
		return 0, fmt.Errorf("wait for the container: unexpected status %v", ee.Sys())
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
	//mini:stub return 0, todo.Step("00.2")
	//mini:end
}
