package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
	//mini:begin 01
	"github.com/minikit/kit/mini/rootfs"
	//mini:end 01
	//mini:begin 02
	"github.com/minikit/kit/mini/capability"
	"github.com/minikit/kit/mini/namespace"
	//mini:end 02
	//mini:begin 04
	"github.com/minikit/kit/mini/overlay"
	//mini:end 04
	//mini:begin 05
	"github.com/minikit/kit/mini/network"
	//mini:end 05
	//mini:begin 07
	"github.com/minikit/kit/mini/volume"
	//mini:end 07
)

// Init is the init side. It runs in the child that startInit started, already inside the new
// namespaces; it waits for the host side, finishes the set-up that can only be done from inside,
// and execs the command, which then takes over this process (and its PID: 1, from chapter 02).
// Init returns only when something failed, with the status mini should exit with.
func Init() int {
	errPipe := os.NewFile(errorFd, "error pipe")
	cfg, awaitGo, err := readConfig()
	if err != nil {
		return report(errPipe, &StatusError{Status: StatusEngineError, Err: err})
	}
	var n *explain.Narrator
	if cfg.Explain {
		n = explain.New(os.NewFile(explainFd, "narration"), cfg.Color)
	}
	if err := setup(cfg, n); err != nil {
		return report(errPipe, err)
	}
	// Everything is ready but the command. The host side may still be busy (from chapter 03 it
	// moves this process into its cgroup meanwhile): not one instruction of the command runs
	// before it says "go".
	if err := awaitGo(); err != nil {
		return report(errPipe, &StatusError{Status: StatusEngineError, Err: err})
	}
	return report(errPipe, execCommand(cfg, n))
}

// readConfig reads the config the host side sends on fd 3. The host side sends it as soon as it
// can, so that the init side sets up while the host side finishes; then, on the same pipe, it
// says "go" and closes it. awaitGo blocks until then. A pipe that ends without "go" means the
// host side is gone (killed half-way): the init side gives up, and the command never runs.
func readConfig() (cfg initConfig, awaitGo func() error, err error) {
	// The inherited fds must not leak into the command: mark them close-on-exec. For the error
	// pipe this is also the signal to the host side: a successful exec closes it.
	for _, fd := range []int{configFd, errorFd, explainFd} {
		unix.CloseOnExec(fd)
	}
	f := os.NewFile(configFd, "config pipe")
	dec := json.NewDecoder(f)
	if err := dec.Decode(&cfg); err != nil {
		f.Close()
		return cfg, nil, fmt.Errorf("init: read the config from the host side: %w", err)
	}
	awaitGo = func() error {
		defer f.Close()
		var word string
		if err := dec.Decode(&word); err != nil || word != goWord {
			return errors.New("init: the host side ended before it said go (was mini killed?)")
		}
		return nil
	}
	return cfg, awaitGo, nil
}

// setup is the init side's part of every mechanism, in the order the kernel needs them.
func setup(cfg initConfig, n *explain.Narrator) error {
	//mini:begin 01
	// root is the directory that becomes the container's "/".
	root := cfg.Rootfs
	//mini:end 01
	//mini:begin 04
	// From chapter 04 on it is the overlay's merged directory, never the lower layer itself:
	// every mount below goes on merged, and the lower is never written.
	root = cfg.Overlay.Merged
	//mini:end 04
	//mini:begin 02
	// The hostname is set inside the new UTS namespace: the host's stays as it is.
	if err := namespace.SetHostname(cfg.Hostname, n); err != nil {
		return err
	}
	// Mounts are made in the new mount namespace, after its propagation is made private, so
	// that nothing mounted for the container appears on the host.
	if err := rootfs.MakePrivate(root, n); err != nil {
		return err
	}
	//mini:end 02
	//mini:begin 04
	// The overlay is mounted here: after MakePrivate (mounted under a shared mount, it would
	// propagate to the host and outlive the container) and before /proc, /sys and /dev, which
	// go on top of it.
	if err := overlay.Mount(cfg.Overlay.Layers, root, n); err != nil {
		return err
	}
	//mini:end 04
	//mini:begin 02
	if err := rootfs.Mount(root, n); err != nil {
		return err
	}
	//mini:end 02
	//mini:begin 05
	// lo up, and the container's /etc files mounted: before the root changes, while the run
	// directory that holds them is still in reach.
	if err := network.Inside(cfg.Network, cfg.NetworkFiles, root, n); err != nil {
		return err
	}
	//mini:end 05
	//mini:begin 07
	// Volumes and host directories (-v), while the host's paths are still in reach.
	if err := volume.Inside(root, cfg.Volumes, n); err != nil {
		return err
	}
	//mini:end 07
	//mini:begin 01
	mode, err := rootfs.Lookup(cfg.Isolation)
	if err != nil {
		return err
	}
	if err := mode.Enter(root, n); err != nil {
		return err
	}
	//mini:end 01
	//mini:begin 05
	// /etc/hostname names the container too. Written through the overlay it lands in this
	// container's upper layer; a bind mount, as for /etc/hosts, would make `rm /etc/hostname`
	// fail with EBUSY. Written after the root changed, so that a symbolic link in the root
	// filesystem (etc/hostname -> /etc/shadow) resolves inside the container, never on the host.
	// A read-only root keeps the root filesystem's own.
	if !cfg.ReadOnly {
		if err := writeHostname("/", cfg.Hostname, n); err != nil {
			return err
		}
	}
	//mini:end 05
	//mini:begin 02
	// Last, with every mount made (mounting needs CAP_SYS_ADMIN): take from the command the
	// capabilities a container must not have.
	if err := capability.Drop(n); err != nil {
		return err
	}
	//mini:end 02
	return nil
}

//mini:begin 05

// writeHostname writes the container's /etc/hostname, if the root filesystem has an /etc.
func writeHostname(root, hostname string, n *explain.Narrator) error {
	etc := filepath.Join(root, "etc")
	if st, err := os.Stat(etc); err != nil || !st.IsDir() {
		return nil
	}
	path := filepath.Join(etc, "hostname")
	n.Stepf(explain.Network, explain.Sh(fmt.Sprintf("echo %s > %s", hostname, path)), "write the container's name to %s", path)
	if err := os.WriteFile(path, []byte(hostname+"\n"), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

//mini:end 05

// execCommand finds the command in the container's PATH and replaces this process with it. It
// returns only on failure.
func execCommand(cfg initConfig, n *explain.Narrator) error {
	env := cfg.Env
	if len(env) == 0 {
		env = DefaultEnv
	}
	if cfg.TTY {
		env = append(env, "TERM=xterm")
	}
	//mini:begin 06
	// The image's user and working directory. Both after the root changed, so the user's name
	// is looked up in the image's /etc/passwd, and the directory is the image's.
	u, err := lookupUser(cfg.User)
	if err != nil {
		return err
	}
	if cfg.User != "" {
		env = withHome(env, u.home)
	}
	if cfg.WorkDir != "" {
		n.Step(explain.Process, explain.Sh("mkdir -p "+cfg.WorkDir+" && cd "+cfg.WorkDir), "the working directory "+cfg.WorkDir)
		if err := os.MkdirAll(cfg.WorkDir, 0o755); err != nil {
			return fmt.Errorf("make the working directory %s: %w", cfg.WorkDir, err)
		}
	}
	// The user last, as late as can be: it gives up the privileges that the steps above need.
	if err := u.switchTo(n); err != nil {
		return err
	}
	if cfg.WorkDir != "" {
		if err := os.Chdir(cfg.WorkDir); err != nil {
			return fmt.Errorf("chdir to the working directory %s as uid %d: %w", cfg.WorkDir, u.uid, err)
		}
	}
	//mini:end 06
	path, err := lookPath(cfg.Args[0], env)
	if err != nil {
		return err
	}
	n.Stepf(explain.Process, explain.Sh("exec "+shellQuote(cfg.Args)),
		"execve(2) %s: the command replaces the init process, keeping its PID, namespaces and cgroup", path)

	if err := dieWithParent(); err != nil {
		return err
	}
	if err := closeInheritedFds(); err != nil {
		return err
	}
	//mini:begin 07
	if cfg.Init {
		return reap(path, cfg.Args, env, n)
	}
	//mini:end 07
	err = unix.Exec(path, cfg.Args, env)
	return execError(cfg.Args[0], err)
}

// dieWithParent asks the kernel to SIGKILL this process when Mini dies, so that no container
// outlives a crashed or killed engine (and, as PID 1, it takes its whole PID namespace along).
//
// startInit already set this (SysProcAttr.Pdeathsig), but the setting belongs to one *thread*
// (prctl(2), PR_SET_PDEATHSIG), and a new thread starts without it. The Go runtime runs this
// code on whichever of its threads it likes, and execve(2) from any thread keeps only that
// thread's setting: without this call, about every other container would survive a kill -9
// of Mini. Set here, on the thread that is about to exec, it holds.
func dieWithParent() error {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_PDEATHSIG): %w", err)
	}
	return nil
}

// closeInheritedFds marks every file descriptor above 2 close-on-exec, so that only stdin,
// stdout and stderr reach the command. Go opens its own files close-on-exec, but not the ones
// Mini inherited: `exec 7</etc; mini run ...` would hand the command fd 7, an open directory of
// the host, and openat(7, "shadow") walks out of any root (CVE-2024-21626, runc's leaked fd).
// The error pipe is among them: a successful exec closing it is how the host side learns that
// the command runs.
func closeInheritedFds() error {
	err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	// Kernels before 5.11 have no CLOSE_RANGE_CLOEXEC: mark them one by one.
	entries, rerr := os.ReadDir("/proc/self/fd")
	if rerr != nil {
		return fmt.Errorf("close the inherited file descriptors: %w (and list /proc/self/fd: %v)", err, rerr)
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}

// lookPath finds name as a shell would: a name with a slash is a path, any other name is
// searched for in the directories of PATH, as the container sees them (Init runs after the root
// has changed, so these are the container's directories, not the host's).
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathVar := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	for _, dir := range filepath.SplitList(pathVar) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", &StatusError{Status: StatusNotFound,
		Err: fmt.Errorf("%q: executable file not found in the container's $PATH (%s)", name, pathVar)}
}

// execError turns a failed execve(2) into the status Docker would give: 127 for a file that is
// not there, 126 for one that cannot be run.
func execError(name string, err error) error {
	switch {
	case errors.Is(err, unix.ENOENT):
		return &StatusError{Status: StatusNotFound, Err: fmt.Errorf("%q: no such file or directory in the container", name)}
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.ENOEXEC), errors.Is(err, unix.EISDIR):
		return &StatusError{Status: StatusCannotExecute, Err: fmt.Errorf("%q cannot be executed: %v", name, err)}
	default:
		return &StatusError{Status: StatusEngineError, Err: fmt.Errorf("exec %q: %w", name, err)}
	}
}

// report sends err to the host side through the error pipe and returns the status to exit with.
func report(errPipe *os.File, err error) int {
	status := Status(err)
	msg := initError{Status: status, Message: err.Error()}
	if jerr := json.NewEncoder(errPipe).Encode(msg); jerr != nil {
		// The host side is gone; stderr is all that is left.
		fmt.Fprintf(os.Stderr, "mini init: %v\n", err)
	}
	errPipe.Close()
	return status
}

// shellQuote renders argv as a shell command line, for the narration.
func shellQuote(argv []string) string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\$`;&|<>(){}*?[]#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}
