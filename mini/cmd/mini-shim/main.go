//mini:chapter 07

// Command mini-shim is what is left of a container's monitor while the container runs.
//
// A monitor sits beside every running container for as long as it runs (engine/monitor.go),
// so its memory is paid once per container. `mini monitor` is the whole mini binary: every
// package's initialisation, the command line's tables, and what setting up a container left
// on its heap, ~2 MiB of memory of its own in each monitor. Once the container's command
// runs, the monitor needs very little of that: wait for the command, copy its output to the
// log, pass on the signals it is sent. So `mini monitor` execs this program in its place,
// and this program execs `mini monitor` again when the command has ended, for the teardown
// and the restart policy. execve(2) keeps the process (its PID, its children, its open files
// and its locks) and replaces only the program: the container's init process stays this
// process's child, and the monitor's lock stays held. containerd calls its program of this
// kind a shim; podman's conmon is one too, written in C for the same reason.
//
// It imports only the standard library and mini/logfile: each package it imported would be
// memory in every container's shim.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/minikit/kit/mini/logfile"
)

// signals are those a monitor passes on to the container (container.Signals).
var signals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}

func main() {
	if err := run(); err != nil {
		// stderr is the monitor's log (monitor.log in the run directory).
		fmt.Fprintf(os.Stderr, "mini-shim: %v\n", err)
		os.Exit(125)
	}
}

func run() error {
	pid := flag.Int("pid", 0, "the container's init process, a child of this process")
	logFd := flag.Int("log", -1, "the container's log, open for appending")
	outFd := flag.Int("stdout", -1, "the read end of the command's stdout pipe")
	errFd := flag.Int("stderr", -1, "the read end of the command's stderr pipe")
	lockFd := flag.Int("lock", -1, "the monitor's lock: held, and handed on to the monitor")
	mini := flag.String("mini", "", "the mini binary, run again as the monitor once the command ends")
	root := flag.String("root", "", "the state root")
	id := flag.String("id", "", "the container's ID")
	var ports fds
	flag.Var(&ports, "port", "a socket that reserves a published port: held until the command ends (repeated)")
	flag.Parse()
	if *pid <= 0 || *logFd < 0 || *outFd < 0 || *errFd < 0 || *lockFd < 0 || *mini == "" || *root == "" || *id == "" {
		return errors.New("mini-shim is started by mini's monitor, not by hand")
	}
	// A shim's heap is a few buffers. Go collects only once a heap has grown to 4 MiB (GOGC
	// 100); a fifth of that is plenty, and keeps a chatty command's shim small.
	debug.SetGCPercent(20)

	// The init process by a pidfd (os.FindProcess opens one, pidfd_open(2)): a signal passed
	// on after the process has been waited for cannot reach another process that got its PID.
	proc, err := os.FindProcess(*pid)
	if err != nil {
		return fmt.Errorf("the container's init process (PID %d): %w", *pid, err)
	}
	// Signals sent to the monitor go to the container, as they did before the exec.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, signals...)
	go func() {
		for s := range sigs {
			proc.Signal(s)
		}
	}()

	logFile := os.NewFile(uintptr(*logFd), "container.log")
	log := logfile.New(logFile)
	var copying sync.WaitGroup
	for _, s := range []struct {
		fd     int
		stream string
	}{{*outFd, "stdout"}, {*errFd, "stderr"}} {
		copying.Add(1)
		go func() {
			defer copying.Done()
			// Non-blocking, so that Go's poller waits for both pipes on one thread.
			syscall.SetNonblock(s.fd, true)
			r := os.NewFile(uintptr(s.fd), s.stream)
			defer r.Close()
			if err := log.CopyLines(r, s.stream); err != nil {
				fmt.Fprintf(os.Stderr, "mini-shim: %v\n", err)
			}
		}()
	}

	// It is this process's child (the monitor started it, and an exec keeps children), so it can
	// be waited for.
	st, err := proc.Wait()
	if err != nil {
		return fmt.Errorf("wait for the container's init process (PID %d): %w", *pid, err)
	}
	// The command's status as mini reports it: its exit code, or 128+n for signal n.
	ws := st.Sys().(syscall.WaitStatus)
	status := ws.ExitStatus()
	if ws.Signaled() {
		status = 128 + int(ws.Signal())
	}
	// The pipes end when the last process holding them does: the init process was PID 1 of
	// the container's PID namespace, and the kernel kills the rest of it when it exits.
	copying.Wait()
	logFile.Close() // the monitor opens the log again; the lock is all it inherits
	for _, fd := range ports {
		syscall.Close(fd) // the command has ended: its ports are free again
	}

	// The signals are ignored, not left to their default (which would end the process), until
	// the monitor asks for them again: a disposition of "ignore" survives execve(2), a
	// handler does not.
	signal.Ignore(signals...)
	argv := []string{*mini, "--root", *root, "monitor", "--exited", strconv.Itoa(status), "--lock-fd", strconv.Itoa(*lockFd), *id}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMAXPROCS=") { // the monitor's own, as it was
			env = append(env, kv)
		}
	}
	return fmt.Errorf("exec %s: %w", *mini, syscall.Exec(*mini, argv, env))
}

// fds is a repeated flag of file descriptor numbers.
type fds []int

func (f *fds) String() string { return fmt.Sprint([]int(*f)) }

func (f *fds) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("not a file descriptor: %q", s)
	}
	*f = append(*f, n)
	return nil
}
