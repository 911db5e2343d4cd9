//mini:chapter 07

package container

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/tty"
)

// reap is --init: instead of exec'ing the command, the init process forks it and stays as PID 1
// of the container, to do the two jobs the kernel gives PID 1 (pid_namespaces(7)): every orphan
// of the namespace is reparented to it and must be wait(2)ed for, or it stays a zombie; and a
// signal reaches PID 1 only through a handler it installed. A shell script or a program written
// to run under a real init does neither, so a container that spawns daemons fills with zombies,
// and `mini stop` waits its whole timeout. Docker's --init runs tini for this; Mini's init
// process is already there, inside the container, and does it itself.
//
// It returns only when the fork fails; otherwise it exits with the command's status.
func reap(path string, args, env []string, n *explain.Narrator) error {
	n.Step(explain.Process, explain.Sh("tini -- "+shellQuote(args)), "--init: fork the command and stay as PID 1, reaping orphans and passing on signals")
	// Caught before the fork, so that none is lost in between; passed on to the command.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH)
	child, err := syscall.ForkExec(path, args, &syscall.ProcAttr{
		Env: env, Files: []uintptr{0, 1, 2},
		// With -t the command leads the terminal's foreground process group, so that it may
		// read the terminal (a background group gets SIGTTIN) and ^C reaches it directly.
		Sys: &syscall.SysProcAttr{Setpgid: true, Foreground: tty.IsTerminal(0), Ctty: 0},
	})
	if err != nil {
		return execError(args[0], err)
	}
	// The command runs: closing the error pipe tells the host side so, as an exec would have.
	syscall.Close(errorFd)
	go func() {
		for sig := range sigs {
			syscall.Kill(child, sig.(syscall.Signal))
		}
	}()
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil { // ECHILD: nothing left to wait for
			os.Exit(StatusEngineError)
		}
		if pid != child {
			continue // an orphan, reaped
		}
		if ws.Signaled() {
			os.Exit(128 + int(ws.Signal()))
		}
		os.Exit(ws.ExitStatus())
	}
}
