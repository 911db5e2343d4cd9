package container

import (
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// Signals are the signals the command should catch (signal.Notify) for the whole run and hand to
// Config.Signals, so that `kill <mini>` or ^C reaches the container's command.
//
// The library does not catch them itself: signals belong to the whole process, and only the
// program that owns it (the `mini run` command, chapter 07's monitor) knows what they mean
// there. It should catch them from before Create until Delete is over: a ^C while Mini sets up
// or tears down must not kill Mini half-way (its default action would), or the cgroup, the
// overlay directories and the network would stay behind.
var Signals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}

// forwarder passes the signals of Config.Signals on to the container's init process once there
// is one. A signal that comes before the command starts is passed on as soon as it does.
type forwarder struct {
	ch      <-chan os.Signal
	done    chan struct{}
	stderr  io.Writer
	mu      sync.Mutex
	proc    *os.Process
	term    *terminal
	pending []os.Signal
	once    sync.Once
	// interrupts counts the ^Cs passed on: the third kills the container
	interrupts int
}

// interruptsBeforeKill is how many ^C it takes before Mini kills the container itself. From
// chapter 02 on the command is PID 1 of its namespace, and the kernel does not deliver to PID 1
// any signal it has no handler for (pid_namespaces(7)): `sleep 100` ignores SIGINT there.
const interruptsBeforeKill = 3

// forward starts forwarding what arrives on ch (nil: nothing to forward). Call stop when the
// run is over.
func forward(ch <-chan os.Signal, stderr io.Writer) *forwarder {
	f := &forwarder{ch: ch, done: make(chan struct{}), stderr: stderr}
	if ch != nil {
		go f.loop()
	}
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
		f.deliver(sig)
	}
}

func (f *forwarder) loop() {
	for {
		select {
		case sig := <-f.ch:
			f.deliver(sig)
		case <-f.done:
			return
		}
	}
}

// deliver passes one signal on, or holds it until there is a process to pass it to.
func (f *forwarder) deliver(sig os.Signal) {
	f.mu.Lock()
	proc, term := f.proc, f.term
	if proc == nil {
		f.pending = append(f.pending, sig)
		f.mu.Unlock()
		return
	}
	if sig == syscall.SIGINT {
		f.interrupts++
	}
	interrupts := f.interrupts
	f.mu.Unlock()
	switch {
	case sig == syscall.SIGWINCH:
		term.resize()
	case sig == syscall.SIGINT && interrupts == interruptsBeforeKill:
		fmt.Fprintf(f.stderr, "mini: %d interrupts: killing the container (PID 1 ignores signals it has no handler for)\n", interrupts)
		proc.Kill()
	default:
		// After the command has ended this fails ("process already finished"), harmlessly:
		// the signal came during the teardown, which goes on.
		proc.Signal(sig)
	}
}

// stop ends forwarding. The caller stops catching (signal.Stop) after Delete.
func (f *forwarder) stop() {
	f.once.Do(func() { close(f.done) })
}
