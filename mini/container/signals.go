package container

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// forwarder passes the signals Mini receives on to the container's init process, so that
// `kill <mini>` or ^C reaches the command.
type forwarder struct {
	ch   chan os.Signal
	once sync.Once
}

// interruptsBeforeKill is how many ^C it takes before Mini kills the container itself. From
// chapter 02 on the command is PID 1 of its namespace, and the kernel does not deliver to PID 1
// any signal it has no handler for (pid_namespaces(7)): `sleep 100` ignores SIGINT there.
const interruptsBeforeKill = 3

func forwardSignals(proc *os.Process, term *terminal, stderr *os.File) *forwarder {
	f := &forwarder{ch: make(chan os.Signal, 8)}
	signal.Notify(f.ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH)
	go func() {
		interrupts := 0
		for sig := range f.ch {
			if sig == syscall.SIGWINCH {
				term.resize()
				continue
			}
			if sig == syscall.SIGINT {
				interrupts++
				if interrupts == interruptsBeforeKill {
					fmt.Fprintf(stderr, "mini: %d interrupts: killing the container (PID 1 ignores signals it has no handler for)\n", interrupts)
					proc.Kill()
					continue
				}
			}
			proc.Signal(sig)
		}
	}()
	return f
}

// stop ends forwarding; Mini's own default handling of the signals comes back.
func (f *forwarder) stop() {
	if f == nil {
		return
	}
	f.once.Do(func() {
		signal.Stop(f.ch)
		close(f.ch)
	})
}
