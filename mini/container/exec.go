//mini:chapter 07

package container

import (
	"fmt"
	"os"
	"syscall"

	"github.com/minikit/kit/mini/explain"
)

// ExecConfig is what `mini exec` asks for: a second command in a running container.
type ExecConfig struct {
	PID         int      // the container's init process: its namespaces and cgroup are joined
	Args        []string // the command
	Env         []string // its environment; DefaultEnv when empty
	User        string   // as Config.User, looked up in the container's /etc/passwd
	WorkDir     string   // as Config.WorkDir
	Interactive bool
	TTY         bool

	Explain *explain.Narrator `json:"-"`
	Stdin   *os.File          `json:"-"`
	Stdout  *os.File          `json:"-"`
	Stderr  *os.File          `json:"-"`
	Signals <-chan os.Signal  `json:"-"`
}

// Exec runs cfg.Args inside the running container of cfg.PID and returns its status.
//
// Why not simply setns(2) from here? A process joins a mount namespace only if it is alone in
// its filesystem context (setns(2): EINVAL "the caller is multithreaded" for CLONE_NEWNS), and
// a Go program has several threads from its first instruction. A PID namespace, once joined,
// only takes effect for the children forked afterwards. So, as runc's `exec` does, Mini starts a
// helper: itself again (`/proc/self/exe exec-init`), which locks its main goroutine to its thread,
// gives that thread a filesystem context of its own (unshare(CLONE_FS)), joins the namespaces
// there, and forks the command from that thread. See ExecInit.
func Exec(cfg ExecConfig) (int, error) {
	in, out, errOut := cfg.Stdin, cfg.Stdout, cfg.Stderr
	signals := forward(cfg.Signals, errOut)
	defer signals.stop()
	p := &initProcess{n: cfg.Explain}
	cmd, err := p.reexec(Config{Stderr: errOut})
	if err != nil {
		return StatusEngineError, err
	}
	cmd.Args[1] = "exec-init"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	p.cmd = cmd
	// The command's stdio, as `mini run` gives it: the same files, a terminal hidden behind a
	// pipe, or with -t a new pseudo-terminal whose master this process copies.
	if err := p.attach(Config{Interactive: cfg.Interactive, TTY: cfg.TTY, Stdin: in, Stdout: out, Stderr: errOut}); err != nil {
		p.closeAll()
		return StatusEngineError, err
	}
	// The helper does not take the terminal: the command does, in a session of its own.
	cmd.SysProcAttr.Setctty = false
	cfg.Explain.Stepf(explain.Namespace, explain.Sh(fmt.Sprintf("nsenter --target %d --mount --uts --ipc --net --pid --cgroup -- COMMAND", cfg.PID)),
		"join the namespaces of the container's init process (PID %d) and run the command there", cfg.PID)
	if err := cmd.Start(); err != nil {
		p.closeAll()
		return StatusEngineError, fmt.Errorf("start the exec helper: %w", err)
	}
	for _, f := range p.childEnds {
		f.Close()
	}
	p.term.started()
	signals.attach(cmd.Process, p.term)
	if err := p.start(initConfig{Config: Config{Args: cfg.Args, Env: cfg.Env, User: cfg.User, WorkDir: cfg.WorkDir, TTY: cfg.TTY},
		ID: fmt.Sprint(cfg.PID)}, nil); err != nil {
		return Status(err), err
	}
	return p.wait()
}
