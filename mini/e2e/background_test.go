package e2e

import (
	"bufio"
	"bytes"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bg is a mini command running in the background, for tests that look at a container while it
// runs. Its stdin is a pipe the test writes to; its stdout is read line by line.
type bg struct {
	t      *testing.T
	cmd    interface{ Wait() error }
	pid    int
	stdin  io.WriteCloser
	lines  chan string
	stderr *lockedBuffer
	out    *lockedBuffer
	done   chan struct{}
	status int
}

// start runs mini in the background. The test's cleanup kills it if it is still running (the
// kernel then kills the container too: mini's init process has PDEATHSIG set).
func (e *env) start(args ...string) *bg {
	e.t.Helper()
	cmd := e.command(e.t.Context(), args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	b := &bg{t: e.t, stdin: stdin, lines: make(chan string, 100), stderr: &lockedBuffer{}, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = b.stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("start mini: %v", err)
	}
	b.pid = cmd.Process.Pid
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			b.out.Write([]byte(sc.Text() + "\n"))
			b.lines <- sc.Text()
		}
		close(b.lines)
		cmd.Wait()
		b.status = cmd.ProcessState.ExitCode()
		close(b.done)
	}()
	e.t.Cleanup(func() {
		// The test's context is done by now, so cmd.Cancel (see env.command) has killed the
		// container; mini tears down and ends by itself, or is killed after cmd.WaitDelay.
		<-b.done
	})
	return b
}

// waitFor reads stdout until a line equal to want (at most a minute: a safety net only).
func (b *bg) waitFor(want string) {
	b.t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case line, ok := <-b.lines:
			if !ok {
				<-b.done
				b.t.Fatalf("mini ended before printing %q: status %d, stdout %q, stderr %q", want, b.status, b.out.String(), b.stderr.String())
			}
			if line == want {
				return
			}
		case <-timeout:
			b.t.Fatalf("mini did not print %q within a minute; stderr: %q", want, b.stderr.String())
		}
	}
}

// wait closes stdin and waits for mini to end.
func (b *bg) wait() result {
	b.t.Helper()
	b.stdin.Close()
	for range b.lines {
	}
	select {
	case <-b.done:
	case <-time.After(time.Minute):
		b.t.Fatalf("mini did not end within a minute; stderr: %q", b.stderr.String())
	}
	return result{Stdout: b.out.String(), Stderr: b.stderr.String(), Status: b.status}
}

// signal sends sig to mini itself.
func (b *bg) signal(sig syscall.Signal) {
	syscall.Kill(b.pid, sig)
}

// containerPID is the host PID of the container's first process: mini's child.
func (b *bg) containerPID() int {
	b.t.Helper()
	if kids := children(b.pid); len(kids) > 0 {
		return kids[0]
	}
	b.t.Fatalf("mini (pid %d) has no child process", b.pid)
	return 0
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
