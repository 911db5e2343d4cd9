//mini:chapter 07

package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/minikit/kit/mini/container"
	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/logfile"
	"github.com/minikit/kit/mini/state"
)

// Why a monitor? Somebody must be the container's parent. The parent is who wait(2)s for the
// command and learns its exit status; who holds the other end of its stdout and stderr (or its
// pty) and writes them to the log; who tears down the cgroup and the network when it ends; who
// starts it again under a restart policy. In Docker that is containerd's shim; in podman,
// conmon. If the parent were the `mini` command, Ctrl-C on the command would stop the
// container: the client/server engines' weak point, the other way round.
//
// So `mini start` (and `run -d`) starts a monitor, `mini monitor ID` in a session of its own,
// and returns. The monitor lives exactly as long as the container does. Nothing else waits for
// it: once the command that started it exits, the kernel makes init (or the nearest
// subreaper) its parent.

// readyFd is the monitor's fd 3: it writes one JSON startReport there once the command runs
// (or could not start), and closes it. The `mini start` that is waiting reads it.
const readyFd = 3

// MonitorFiles are the files Start hands the monitor, as the monitor process finds them: ready
// (readyFd), exit (exitFd, with --attach; else nil) and the narration (explainFd, with --explain;
// else nil). None may leak into what the monitor starts (the container, iptables): the starting
// command waits for EOF on them.
func MonitorFiles(attach, explain bool) (ready, exit io.WriteCloser, narration *os.File) {
	for _, fd := range []int{readyFd, exitFd, explainFd} {
		syscall.CloseOnExec(fd)
	}
	ready = os.NewFile(readyFd, "ready")
	if attach {
		exit = os.NewFile(exitFd, "exit")
	}
	if explain {
		narration = os.NewFile(explainFd, "explain")
	}
	return ready, exit, narration
}

// startReport is what the monitor tells the starting command.
type startReport struct {
	Status int    // 0 when the command runs; 125, 126 or 127 when it could not start
	Error  string // one line
}

// Monitor is the monitor process's whole life: it starts the container's command, writes its
// log and state, tears it down when it ends, and starts it again if the restart policy says
// so. ready is the pipe to the waiting `mini start`; it is closed after the first start.
//
// exit is nil unless the starting command stays attached (StartAttached): it then attaches as soon
// as the command runs (a terminal's first output is kept for it), and exit is the pipe it reads
// the exit status from. It is closed when the monitor ends, after a --rm removal: the command's
// EOF, so that it exits once nothing of the container is left, as `docker run --rm` does.
//
// o says where the starting command's --explain narration goes (nil: nowhere), in colour or not.
func (e *Engine) Monitor(id string, ready, exit io.WriteCloser, o MonitorOptions) error {
	defer func() {
		if exit != nil {
			exit.Close() // EOF for the attached command: the monitor has ended
		}
	}()
	// The container's init process gets SIGKILL when the *thread* that started it ends
	// (PR_SET_PDEATHSIG, see container's dieWithParent), and an exec ends every thread but the
	// one that calls it. The monitor may exec the shim: it must do so from the thread that
	// started the container, so it stays on one thread.
	runtime.LockOSThread()
	c, err := e.load(id)
	if err != nil {
		report(ready, container.StatusEngineError, err)
		return err
	}
	c.attachFirst = exit != nil
	var narration *until
	if o.Explain != nil {
		// The first run is narrated to the command that started it: the set-up, and, when that
		// command stays attached, the teardown too. A detached (-d) command has returned by
		// then: its narration ends once the command runs, not later at the user's prompt.
		narration = &until{w: o.Explain}
		c.explain, c.narration = explain.New(narration, o.Color), o.Explain
	}
	lock, err := state.LockFile(c.Path(monitorLock), state.Exclusive)
	if err != nil {
		report(ready, container.StatusEngineError, err)
		return err
	}
	defer lock.Close()
	os.Remove(c.Path(stopFile))
	m, err := e.monitoring(c, lock)
	if err != nil {
		report(ready, container.StatusEngineError, err)
		return err
	}
	defer m.close()
	if exit == nil {
		m.shim = shimFor(c) // nobody attached: the shim can wait instead (shim.go)
	}
	return e.monitorLoop(c, m, ready, exit, narration, nil)
}

// MonitorExited is the monitor again, exec'ed by the shim once the container's command has
// ended with status: the rest of a run (its teardown) and of the monitor's life (the restart
// policy, a --rm removal). lockFd is the monitor's lock, held since the monitor started,
// through both execs.
func (e *Engine) MonitorExited(id string, lockFd, status int) error {
	runtime.LockOSThread()      // as Monitor: a restart may hand over to the shim again
	syscall.CloseOnExec(lockFd) // inherited open; no process this one starts needs it
	lock := os.NewFile(uintptr(lockFd), "monitor.lock")
	defer lock.Close()
	c, err := e.load(id)
	if err != nil {
		return err
	}
	m, err := e.monitoring(c, lock)
	if err != nil {
		return err
	}
	defer m.close()
	m.shim = shimFor(c)
	cfg := e.runConfig(c, m.log)
	ended := &runResult{status: status, started: true, err: container.Finish(cfg, status)}
	return e.monitorLoop(c, m, nil, nil, nil, ended)
}

// monitored is what a monitor holds while it lives.
type monitored struct {
	lock *os.File       // the monitor's lock: "this container has a monitor"
	logs *os.File       // container.log, for appending
	log  logfile.Writer // lines into logs
	sigs chan os.Signal // the signals sent to the monitor, for the container
	shim string         // the shim to hand a running container to (shim.go), or ""
}

func (e *Engine) monitoring(c *Container, lock *os.File) (*monitored, error) {
	logs, err := os.OpenFile(c.Path(logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the container's log: %w", err)
	}
	// Signals sent to the monitor go to the container, as `kill <conmon>` does; the monitor
	// itself ends only with its container.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, container.Signals...)
	return &monitored{lock: lock, logs: logs, log: logfile.New(logs), sigs: sigs}, nil
}

func (m *monitored) close() {
	signal.Stop(m.sigs)
	m.logs.Close()
}

// runResult is how one run ended: its status, whether the command ran at all, and what went
// wrong.
type runResult struct {
	status  int
	started bool
	err     error
}

// monitorLoop runs the container, again while its restart policy says so. ended, if not nil,
// is a first run that has ended already (MonitorExited).
func (e *Engine) monitorLoop(c *Container, m *monitored, ready, exit io.WriteCloser, narration *until, ended *runResult) error {
	for {
		r := ended
		ended = nil
		if r == nil {
			// The waiting `mini start` hears from the first run as soon as the command runs.
			r = new(runResult)
			r.status, r.started, r.err = e.runOnce(c, m, func() {
				report(ready, 0, nil)
				ready = nil
				if exit == nil {
					narration.stop()
				}
			})
		}
		status, started, err := r.status, r.started, r.err
		narration.stop()
		c.explain, c.narration = nil, nil // a restart is nobody's to narrate
		if ready != nil {
			report(ready, container.Status(err), err)
			ready = nil
		}
		c.State.Status, c.State.PID, c.State.FinishedAt = Exited, 0, time.Now().UTC()
		c.State.ExitCode, c.State.Error = status, ""
		if err != nil {
			c.State.ExitCode, c.State.Error = container.Status(err), err.Error()
		}
		if serr := c.saveState(); serr != nil {
			return errors.Join(err, serr)
		}
		_, stopErr := os.Stat(c.Path(stopFile))
		if !c.Restart.again(c.State.ExitCode, c.State.Restarts, stopErr == nil || !started) {
			break
		}
		c.State.Restarts++
		time.Sleep(backoff(c.State.Restarts))
	}
	if exit != nil {
		// Before a --rm removes the state: the attached command's only way to learn the status.
		// (If it is gone, detached, the write fails with EPIPE: nobody needs it.)
		x := exitReport{Status: c.State.ExitCode, Error: c.State.Error}
		if said := c.said.String(); x.Error == "" && said != "" {
			x.Error = strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(said), "mini: "), "\nmini: ", "; ")
		}
		json.NewEncoder(exit).Encode(x)
	}
	if c.AutoRemove {
		m.lock.Close()
		return e.Remove(c, RemoveOptions{})
	}
	return nil
}

// runConfig is the container's Config for one run, its output going to the log.
func (e *Engine) runConfig(c *Container, w logfile.Writer) container.Config {
	cfg := c.Config
	cfg.ID, cfg.StateRoot = c.ID, e.root.Dir
	cfg.Explain, cfg.Narration = c.explain, c.narration
	// What Mini says of the run (the memory limit) goes to the log: the user sees it with the
	// command's output, as chapter 00's run printed it.
	cfg.Messages = w.To("stderr")
	return cfg
}

// runOnce is one run of the container: chapter 00–05's create, start, wait and delete, with the
// command's output going to the log. started says whether the command ran at all.
func (e *Engine) runOnce(c *Container, m *monitored, running func()) (status int, started bool, err error) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return 0, false, err
	}
	defer devnull.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return 0, false, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return 0, false, err
	}
	w := m.log
	var reserved []*os.File // the published ports' sockets, for the shim
	var copying sync.WaitGroup
	copyLogs := func() {
		for _, s := range []struct {
			r    *os.File
			name string
		}{{outR, "stdout"}, {errR, "stderr"}} {
			copying.Add(1)
			go func() {
				defer copying.Done()
				defer s.r.Close()
				w.CopyLines(s.r, s.name)
			}()
		}
	}
	if m.shim == "" {
		copyLogs()
	} else {
		// The shim copies the output: until then it waits in the pipes. Once the command runs
		// and the waiting command knows it, the monitor becomes the shim; if it cannot, it
		// copies and waits itself.
		defer outR.Close()
		defer errR.Close()
		told := running
		running = func() {
			told()
			err := m.handOver(c, e.root.Dir, outR, errR, reserved)
			fmt.Fprintf(os.Stderr, "mini: %v: the monitor waits for the container itself\n", err)
			copyLogs()
		}
	}

	cfg := e.runConfig(c, w)
	if m.shim != "" {
		// Copies of the sockets that reserve the published ports: the shim holds them.
		cfg.Reserved = func(sockets []*os.File) { reserved = sockets }
		defer func() {
			for _, f := range reserved {
				f.Close() // not handed over: the run's own sockets are closed by Delete
			}
		}()
	}
	cfg.Stdin, cfg.Stdout, cfg.Stderr = devnull, outW, errW
	cfg.Signals = m.sigs
	switch {
	case cfg.TTY:
		// -t: the monitor holds the command's terminal and serves it to attached clients
		// (attach.go); what it prints goes to the log as stdout, as Docker's does. An attached
		// client sees the terminal, not the log's stderr: what Mini says of the run goes to it
		// with the exit status too (Monitor's exitReport).
		c.said = &lockedBuffer{}
		cfg.Messages = io.MultiWriter(cfg.Messages, c.said)
		srv, err := c.serveAttach(nil, c.attachFirst)
		if err != nil {
			return 0, false, err
		}
		defer srv.Close()
		cfg.Console = func(master *os.File) {
			copying.Add(1)
			go func() {
				defer copying.Done()
				srv.serveTerminal(master, w)
			}()
		}
	case cfg.Interactive:
		// -i: the command's stdin is a pipe whose other end an attached client feeds.
		inR, inW, err := os.Pipe()
		if err != nil {
			return 0, false, err
		}
		defer inR.Close()
		srv, err := c.serveAttach(inW, false)
		if err != nil {
			return 0, false, err
		}
		defer srv.Close()
		cfg.Stdin = inR
	}
	c.attachFirst = false // a restart has nobody waiting for its first words
	// The command gets its own copies of the pipes' write ends (or never will): the monitor's
	// must then be closed, or the copies would never see EOF.
	closeWriters := func() { outW.Close(); errW.Close() }
	//mini:solution 07.1 Be the container's parent: create the container (chapter 00-05's host side), start it, write down that it runs (State: Running, its PID, this monitor's PID, when it started; saveState), tell the waiting command (running), then wait for the command and return its status. Close the pipes' write ends once the command has its own, wait for the log copies to end before returning, and Delete what Create set up whatever happens.
	inst, err := container.Create(cfg)
	if err != nil {
		closeWriters()
		copying.Wait()
		return 0, false, err
	}
	defer func() {
		if derr := inst.Delete(); derr != nil && err == nil {
			err = derr
		}
	}()
	if err := inst.Start(); err != nil {
		closeWriters()
		copying.Wait()
		return 0, false, err
	}
	closeWriters()
	c.State.Status, c.State.PID, c.State.MonitorPID = Running, inst.PID(), os.Getpid()
	c.State.StartedAt, c.State.FinishedAt, c.State.Error = time.Now().UTC(), time.Time{}, ""
	if err := c.saveState(); err != nil {
		return 0, true, err
	}
	running()
	status, err = inst.Wait()
	copying.Wait()
	return status, true, err
	//mini:stub _ = cfg // what container.Create needs
	//mini:stub closeWriters()
	//mini:stub copying.Wait()
	//mini:stub return 0, false, todo.Step("07.1")
	//mini:end
}

// MonitorOptions are the starting command's --explain: the monitor narrates to Explain.
type MonitorOptions struct {
	Explain *os.File // nil for no narration
	Color   bool
}

// lockedBuffer keeps what is written to it; a nil one is empty. (Mini's words about a run come
// from the run's goroutine and from the signal forwarder's.)
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	if b == nil {
		return ""
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// until passes writes on to w until stop; after that it drops them. (A *until that is nil
// stops nothing.)
type until struct {
	mu sync.Mutex
	w  io.Writer
}

func (u *until) Write(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.w == nil {
		return len(p), nil
	}
	return u.w.Write(p)
}

func (u *until) stop() {
	if u == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.w = nil
}

func report(w io.WriteCloser, status int, err error) {
	if w == nil {
		return
	}
	r := startReport{Status: status}
	if err != nil {
		r.Error = err.Error()
	}
	json.NewEncoder(w).Encode(r)
	w.Close()
}

// backoff is the pause before the n-th restart: 100 ms, doubling, at most 10 s, so that a
// command that fails at once does not spin the CPU.
func backoff(n int) time.Duration {
	d := 100 * time.Millisecond
	for i := 1; i < n && d < 10*time.Second; i++ {
		d *= 2
	}
	return min(d, 10*time.Second)
}
