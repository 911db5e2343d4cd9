package container

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// forwarder catches the signals Mini receives for the whole run and passes them on to the
// container's init process once there is one, so that `kill <mini>` or ^C reaches the command.
//
// It catches from the very start of the run until the teardown is over: a ^C while Mini sets
// up or tears down must not kill Mini half-way (its default action would), or the cgroup, the
// overlay directories and the network would stay behind. A signal that comes before the command
// starts is passed on as soon as it does.
type forwarder struct {
	ch      chan os.Signal
	stderr  *os.File
	mu      sync.Mutex
	proc    *os.Process
	term    *terminal
	pending []os.Signal
	once    sync.Once
}

// interruptsBeforeKill is how many ^C it takes before Mini kills the container itself. From
// chapter 02 on the command is PID 1 of its namespace, and the kernel does not deliver to PID 1
// any signal it has no handler for (pid_namespaces(7)): `sleep 100` ignores SIGINT there.
const interruptsBeforeKill = 3

// catchSignals starts catching. Call stop when the run is over.
func catchSignals(stderr *os.File) *forwarder {
	f := &forwarder{ch: make(chan os.Signal, 8), stderr: stderr}
	signal.Notify(f.ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH)
	go f.loop()
	return f
}

// attach names the process to forward to, and passes on what came before it.
func (f *forwarder) attach(proc *os.Process, term *terminal) {
	f.mu.Lock()
	f.proc, f.term = proc, term
	pending := f.pending
	f.pending = nil
	f.mu.Unlock()
	for _, sig := range pending {
		f.ch <- sig
	}
}

func (f *forwarder) loop() {
	interrupts := 0
	for sig := range f.ch {
		f.mu.Lock()
		proc, term := f.proc, f.term
		if proc == nil {
			f.pending = append(f.pending, sig)
		}
		f.mu.Unlock()
		switch {
		case proc == nil:
			continue
		case sig == syscall.SIGWINCH:
			term.resize()
		case sig == syscall.SIGINT && interrupts+1 == interruptsBeforeKill:
			interrupts++
			fmt.Fprintf(f.stderr, "mini: %d interrupts: killing the container (PID 1 ignores signals it has no handler for)\n", interrupts)
			proc.Kill()
		default:
			if sig == syscall.SIGINT {
				interrupts++
			}
			// After the command has ended this fails ("process already finished"), harmlessly:
			// the signal came during the teardown, which goes on.
			proc.Signal(sig)
		}
	}
}

// stop ends catching; Mini's own default handling of the signals comes back.
func (f *forwarder) stop() {
	f.once.Do(func() {
		signal.Stop(f.ch)
		close(f.ch)
	})
}
