package container

import (
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"github.com/minikit/kit/mini/tty"
)

// attach connects the command's stdin, stdout and stderr.
//
// Without -t the command gets Mini's own file descriptors: no copying, the kernel hands the
// command the same open files (stdin only with -i; otherwise it reads /dev/null, as in Docker).
// With -t it gets the slave end of a new pseudo-terminal, and Mini copies between that and its
// own stdin and stdout.
func (p *initProcess) attach(cfg Config) error {
	in, out, errOut := cfg.stdio()
	if !cfg.TTY {
		if cfg.Interactive {
			p.cmd.Stdin = hideTerminal(in)
		}
		p.cmd.Stdout, p.cmd.Stderr = hideTerminal(out), hideTerminal(errOut)
		// Copies through pipes end with the command: whatever a left-behind child still
		// writes is cut after this delay, and a stdin copy blocked on the terminal lets go.
		p.cmd.WaitDelay = time.Second
		return nil
	}
	//mini:begin 07
	if cfg.Console != nil {
		// The monitor's clients bring their own terminals, one after the other.
		cfg.Interactive, in, out = false, nil, nil
	}
	//mini:end 07
	if cfg.Interactive && !tty.IsTerminal(in.Fd()) {
		return errors.New("the input device is not a TTY: drop -t to pipe stdin into the command, or run from a terminal")
	}
	pair, err := tty.Open()
	if err != nil {
		return err
	}
	p.term = &terminal{pair: pair, in: in, out: out, interactive: cfg.Interactive, copied: make(chan struct{})}
	//mini:begin 07
	p.term.console = cfg.Console
	//mini:end 07
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = pair.Slave, pair.Slave, pair.Slave
	// A terminal belongs to a session: the command starts a new session (setsid) and takes the
	// pseudo-terminal as its controlling terminal (TIOCSCTTY on its fd 0), so that ^C and the
	// window size reach it. See credentials(7), "Sessions".
	p.cmd.SysProcAttr.Setsid = true
	p.cmd.SysProcAttr.Setctty = true
	p.cmd.SysProcAttr.Ctty = 0
	return nil
}

// terminal is the host side of a container's pseudo-terminal.
type terminal struct {
	pair        *tty.Pair
	in, out     *os.File
	interactive bool
	restore     func()
	copied      chan struct{} // closed when all output has been copied
	once        sync.Once
	//mini:begin 07
	console func(master *os.File) // Config.Console: who takes the master instead of Mini
	//mini:end 07
}

// started runs once the child has its copy of the slave end.
func (t *terminal) started() {
	if t == nil {
		return
	}
	// The parent's copy of the slave must go: the master reads EOF (EIO) only when no process
	// holds the slave any more, which is how Mini knows all output has arrived.
	t.pair.Slave.Close()
	//mini:begin 07
	if t.console != nil {
		t.console(t.pair.Master) // the monitor copies it, resizes it, and closes it
		close(t.copied)
		return
	}
	//mini:end 07
	if tty.IsTerminal(t.in.Fd()) {
		t.resize()
		if t.interactive {
			if restore, err := tty.MakeRaw(t.in.Fd()); err == nil {
				t.restore = restore
			}
		}
	}
	if t.interactive {
		go io.Copy(t.pair.Master, t.in)
	}
	go func() {
		io.Copy(t.out, t.pair.Master)
		close(t.copied)
	}()
}

// resize gives the container's terminal the size of the user's.
func (t *terminal) resize() {
	if t != nil && t.in != nil && tty.IsTerminal(t.in.Fd()) {
		_ = tty.CopySize(t.in.Fd(), t.pair.Master.Fd())
	}
}

// done waits for the last output, restores the user's terminal and closes the master.
func (t *terminal) done() {
	if t == nil {
		return
	}
	t.once.Do(func() {
		//mini:begin 07
		if t.console != nil {
			return // the master is the monitor's, which reads what is left in it, then closes it
		}
		//mini:end 07
		select {
		case <-t.copied:
		case <-time.After(2 * time.Second):
			// Before chapter 02 there is no PID namespace: a background process of the command
			// may outlive it and still hold the terminal open: do not wait for it forever.
		}
		if t.restore != nil {
			t.restore()
		}
		t.pair.Master.Close()
	})
}

// hideTerminal keeps the user's terminal away from a command run without -t. A command holding
// the terminal could type into the user's shell with ioctl(TIOCSTI), and before chapter 02 drops
// CAP_SYS_ADMIN the kernel allows that even on a terminal that is not its own. exec.Cmd gives
// the command a pipe for anything that is not an *os.File, and copies: so a terminal is wrapped,
// and a pipe or a file is passed as it is (no copying, as before).
func hideTerminal(f *os.File) interface {
	io.Reader
	io.Writer
} {
	if !tty.IsTerminal(f.Fd()) {
		return f
	}
	return terminalFile{f}
}

// terminalFile is a terminal that exec.Cmd does not recognise as a file.
type terminalFile struct{ f *os.File }

func (t terminalFile) Read(b []byte) (int, error)  { return t.f.Read(b) }
func (t terminalFile) Write(b []byte) (int, error) { return t.f.Write(b) }
