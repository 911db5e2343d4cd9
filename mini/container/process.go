package container

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/minikit/kit/mini/explain"
	//mini:begin 02
	"github.com/minikit/kit/mini/namespace"
	//mini:end 02
)

// initProcess is the host side's handle on the child: the process itself and the parent's ends
// of the pipes.
type initProcess struct {
	cmd    *exec.Cmd
	config *os.File // write end of the config pipe
	errs   *os.File // read end of the error pipe
	// the child's ends of both pipes, closed in the parent once the child has its copies
	childEnds []*os.File
	term      *terminal
	n         *explain.Narrator
}

// startInit starts the init process: Mini runs itself again (/proc/self/exe) with the hidden
// argument "init", in the new namespaces. The child then blocks reading the config pipe, so the
// host side can finish its own set-up (the cgroup) before the child goes on.
//
// Why re-exec instead of fork? A Go program is multi-threaded from its first instruction, and
// fork(2) copies only the calling thread: a forked Go runtime would be broken. exec of our own
// binary gives the child a fresh runtime, already inside the namespaces that clone(2) created.
func startInit(cfg Config, signals *forwarder) (*initProcess, error) {
	p := &initProcess{n: cfg.Explain}
	cmd, err := p.command(cfg)
	if err != nil {
		return nil, err
	}
	p.cmd = cmd
	if err := p.attach(cfg); err != nil {
		p.closeAll()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		p.closeAll()
		return nil, fmt.Errorf("start the init process: %w", err)
	}
	// The child has its own copies now; the parent must close these ends, or it would never
	// see EOF on the error pipe (its own write end would keep it open).
	for _, f := range p.childEnds {
		f.Close()
	}
	p.term.started()
	signals.attach(cmd.Process, p.term)
	return p, nil
}

// command builds the exec.Cmd of the init process.
func (p *initProcess) command(cfg Config) (*exec.Cmd, error) {
	cmd, err := p.reexec(cfg)
	if err != nil {
		return nil, err
	}
	//mini:begin 07
	// A monitor's --explain: the init side narrates to the command that asked for it, not into
	// the container's log, where its Stderr goes.
	if cfg.Narration != nil && len(cmd.ExtraFiles) == 3 {
		cmd.ExtraFiles[2] = cfg.Narration // fd 5
	}
	//mini:end 07
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// If Mini dies (kill -9), the kernel kills the init process too, and with it, from
		// chapter 02 on, every process of its PID namespace. No container outlives its engine.
		Pdeathsig: syscall.SIGKILL,
		// A session of its own, always: in Mini's session the command would share the user's
		// controlling terminal, and could push keystrokes into the user's root shell with
		// ioctl(TIOCSTI) once Mini exits. A process may only do that to its own controlling
		// terminal (tty_ioctl(4)); in a new session it has none (with -t, its own pty).
		Setsid: true,
	}
	p.n.Step(explain.Process, explain.Sh(
		"/proc/self/exe init   # the same binary; fds 3, 4, 5 = config pipe, error pipe, narration"), "re-execute mini as the init process, which waits for the host side on fd 3")

	//mini:begin 02
	//mini:solution 02.1 Ask for new namespaces: put the clone(2) flags of every namespace in namespace.All (namespace.CloneFlags) on the command, so the init process is born inside them.
	flags, err := namespace.CloneFlags(namespace.All)
	if err != nil {
		p.closeAll()
		return nil, err
	}
	cmd.SysProcAttr.Cloneflags = flags
	//mini:stub if err := todo.Step("02.1"); err != nil {
	//mini:stub 	p.closeAll()
	//mini:stub 	return nil, err
	//mini:stub }
	//mini:end
	p.n.Stepf(explain.Namespace, explain.Sh(namespace.UnshareCommand(namespace.All)),
		"clone(2) with %s: the child starts in new namespaces", namespace.FlagNames(namespace.All))

	//mini:end 02
	//mini:begin 05
	if !cfg.Network.NewNamespace() {
		cmd.SysProcAttr.Cloneflags &^= syscall.CLONE_NEWNET
		p.n.Step(explain.Namespace, explain.None, "--network host: no CLONE_NEWNET, the container uses the host's network namespace")
	}
	//mini:end 05
	return cmd, nil
}

// reexec makes the pipes and the command that runs Mini again as "init". The child's ends of the
// pipes become its fds 3, 4 and 5 (exec.Cmd.ExtraFiles starts at 3).
func (p *initProcess) reexec(cfg Config) (*exec.Cmd, error) {
	//mini:solution 00.1 Make the config and error pipes and the command /proc/self/exe init, with the child's pipe ends (and stderr for narration) as its fds 3, 4 and 5.
	configR, configW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("make the config pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		configR.Close()
		configW.Close()
		return nil, fmt.Errorf("make the error pipe: %w", err)
	}
	p.config, p.errs = configW, errR
	p.childEnds = []*os.File{configR, errW}
	_, _, stderr := cfg.stdio()
	cmd := exec.Command("/proc/self/exe", "init")
	cmd.ExtraFiles = []*os.File{configR, errW, stderr}
	return cmd, nil
	//mini:stub return nil, todo.Step("00.1")
	//mini:end
}

// pid is the init process's PID, as the host sees it.
func (p *initProcess) pid() int { return p.cmd.Process.Pid }

// start sends the config down the config pipe, and the child sets up with it at once. ready is
// the host side's last step, done meanwhile (nil: none); once it returned, start says "go" and
// closes the pipe. If ready fails, the pipe closes without "go", and the child gives up. start
// then waits until the child either exec'd the command (the close-on-exec error pipe closes
// with nothing written) or reported why it could not.
func (p *initProcess) start(cfg initConfig, ready func() error) error {
	enc := json.NewEncoder(p.config)
	if err := enc.Encode(cfg); err != nil {
		p.config.Close()
		return fmt.Errorf("send the config to the init process: %w", err)
	}
	if ready != nil {
		if err := ready(); err != nil {
			p.config.Close()
			return err
		}
	}
	// A child whose set-up failed has reported why and exited: writing "go" then fails (EPIPE),
	// and the error pipe below has the reason, which is the one to give.
	enc.Encode(goWord)
	p.config.Close()
	data, err := io.ReadAll(p.errs)
	p.errs.Close()
	if err != nil {
		return fmt.Errorf("read the init process's error pipe: %w", err)
	}
	if len(data) == 0 {
		return nil // the command is running
	}
	var ie initError
	if err := json.Unmarshal(data, &ie); err != nil {
		return fmt.Errorf("the init process failed: %s", strings.TrimSpace(string(data)))
	}
	p.cmd.Wait() // reap it: it exits right after reporting; its status is the one reported
	p.term.done()
	return &StatusError{Status: ie.Status, Err: fmt.Errorf("%s", ie.Message)}
}

// wait waits for the command to end and returns mini's exit status.
func (p *initProcess) wait() (int, error) {
	err := p.cmd.Wait()
	p.term.done()
	return exitStatus(err)
}

// kill is the undo of startInit: a child that has not exited yet is killed and reaped.
func (p *initProcess) kill() error {
	p.closeAll()
	if p.cmd.ProcessState == nil && p.cmd.Process != nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
	p.term.done()
	return nil
}

func (p *initProcess) closeAll() {
	for _, f := range []*os.File{p.config, p.errs} {
		if f != nil {
			f.Close()
		}
	}
	for _, f := range p.childEnds {
		f.Close()
	}
}
