//mini:chapter 07

package container

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/capability"
	"github.com/minikit/kit/mini/cgroup"
)

// ExecInit is the exec helper's side of Exec. It runs in `/proc/self/exe exec-init`, on the main
// thread, which main locked before calling it. It returns the status to exit with: the
// command's, or 125-127 when it could not start (reported on the error pipe too).
func ExecInit() int {
	errPipe := os.NewFile(errorFd, "error pipe")
	cfg, awaitGo, err := readConfig()
	if err == nil {
		err = awaitGo() // the host side says it at once: it has nothing to finish
	}
	if err != nil {
		return report(errPipe, &StatusError{Status: StatusEngineError, Err: err})
	}
	pid, err := strconv.Atoi(cfg.ID)
	if err != nil {
		return report(errPipe, fmt.Errorf("exec: bad PID %q", cfg.ID))
	}
	child, err := enter(pid, cfg)
	if err != nil {
		return report(errPipe, err)
	}
	errPipe.Close() // the command runs: nothing to report
	// Signals sent to the helper (mini exec forwards ^C and kill here) go on to the command.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, Signals...)
	go func() {
		for sig := range sigs {
			syscall.Kill(child, sig.(syscall.Signal))
		}
	}()
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(child, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return StatusEngineError
		}
		break
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// enter joins the container of pid and forks the command there. Every step runs on this one
// locked thread: namespaces and the filesystem context belong to a thread, and a child forked
// from this thread starts with this thread's.
func enter(pid int, cfg initConfig) (int, error) {
	// The cgroup first, while the host's /sys/fs/cgroup is still visible: the command is
	// counted against the container's limits from its first instruction.
	if err := joinCgroups(pid); err != nil {
		return 0, err
	}
	// Open everything in the host's view before the view changes.
	root, err := os.Open(fmt.Sprintf("/proc/%d/root", pid))
	if err != nil {
		return 0, fmt.Errorf("open the container's root (is it running?): %w", err)
	}
	defer root.Close()
	var nsFiles []*os.File
	defer func() {
		for _, f := range nsFiles {
			f.Close()
		}
	}()
	// The mount namespace last: after it, /proc is the container's.
	for _, ns := range []string{"ipc", "uts", "net", "pid", "cgroup", "mnt"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
		if err != nil {
			return 0, fmt.Errorf("open the container's %s namespace: %w", ns, err)
		}
		nsFiles = append(nsFiles, f)
	}
	//mini:solution 07.2 Join the container from this thread: give it a filesystem context of its own (unshare(2) CLONE_FS: setns into a mount namespace refuses a thread that shares one), setns(2) into each namespace of nsFiles, in order, then make the container's root (the root fd, its init process's /proc/PID/root) this thread's root: fchdir(2) to it and chroot(2) to ".".
	// setns(2) into a mount namespace needs a filesystem context (root, cwd, umask) that no
	// other thread shares: Go's threads share one (CLONE_FS), so this thread gets its own.
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return 0, fmt.Errorf("unshare(CLONE_FS): %w", err)
	}
	for _, f := range nsFiles {
		if err := unix.Setns(int(f.Fd()), 0); err != nil {
			return 0, fmt.Errorf("setns %s: %w", f.Name(), err)
		}
	}
	// The root of the container's mount namespace is its root after pivot_root; with
	// --isolation=chroot it is not, so the container's root is taken from its init process.
	if err := unix.Fchdir(int(root.Fd())); err != nil {
		return 0, fmt.Errorf("fchdir to the container's root: %w", err)
	}
	if err := unix.Chroot("."); err != nil {
		return 0, fmt.Errorf("chroot to the container's root: %w", err)
	}
	//mini:stub if err := todo.Step("07.2"); err != nil {
	//mini:stub 	return 0, err
	//mini:stub }
	//mini:end
	env := cfg.Env
	if len(env) == 0 {
		env = DefaultEnv
	}
	if cfg.TTY {
		env = append(env, "TERM=xterm")
	}
	u, err := lookupUser(cfg.User)
	if err != nil {
		return 0, err
	}
	if cfg.User != "" {
		env = withHome(env, u.home)
	}
	dir := "/"
	if cfg.WorkDir != "" {
		dir = cfg.WorkDir
	}
	path, err := lookPath(cfg.Args[0], env)
	if err != nil {
		return 0, err
	}
	// The same capabilities as the container's command (the sets are this thread's, and the
	// child forked from it inherits them).
	if err := capability.Drop(nil); err != nil {
		return 0, err
	}
	if err := closeInheritedFds(); err != nil {
		return 0, err
	}
	groups := make([]uint32, len(u.groups))
	for i, g := range u.groups {
		groups[i] = uint32(g)
	}
	child, err := syscall.ForkExec(path, cfg.Args, &syscall.ProcAttr{
		Dir: dir, Env: env, Files: []uintptr{0, 1, 2},
		Sys: &syscall.SysProcAttr{
			// Its own session, as the container's command has: never the user's terminal.
			Setsid: true, Setctty: cfg.TTY, Ctty: 0,
			Credential: &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: groups},
			// No Pdeathsig: Go's fork checks getppid() against the parent's PID after setting
			// it, and in the container's PID namespace the parent has no PID (getppid() is 0),
			// so the child would kill itself at once. Like `docker exec`'s process, this one
			// outlives a killed helper, inside the container, whose stop or rm ends it.
		},
	})
	if err != nil {
		if errors.Is(err, unix.ENOENT) && cfg.WorkDir != "" {
			if _, serr := os.Stat(cfg.WorkDir); serr != nil {
				return 0, fmt.Errorf("the working directory %s does not exist in the container", cfg.WorkDir)
			}
		}
		return 0, execError(cfg.Args[0], err)
	}
	return child, nil
}

// joinCgroups moves this process into every cgroup the container's init process is in.
func joinCgroups(pid int) error {
	dirs, err := cgroup.ProcessDirs(pid)
	if err != nil {
		return err
	}
	self := []byte(strconv.Itoa(os.Getpid()))
	joined := map[string]bool{}
	for _, dir := range dirs {
		procs := filepath.Join(dir, "cgroup.procs")
		if joined[dir] {
			continue // one v1 hierarchy can hold several controllers
		}
		if _, err := os.Stat(procs); err != nil {
			continue // a hierarchy that is not mounted where Mini looks: not one of Mini's
		}
		if err := os.WriteFile(procs, self, 0); err != nil {
			return fmt.Errorf("join the container's cgroup %s: %w", dir, err)
		}
		joined[dir] = true
	}
	return nil
}
