// Package container runs a command in a container. It is split the way runc's libcontainer is:
//
//   - run.go is the host side: the parent process that prepares everything the kernel must set
//     up from outside (the cgroup, in later chapters the network), starts the init process, and
//     waits for it.
//   - init.go is the init side: the child, already inside its new namespaces, that finishes the
//     set-up from inside (hostname, mounts, the new root) and then execs the command.
//
// For every line of this package, the answer to "which process runs this?" is the file it is in.
package container

import (
	"errors"
	"fmt"
	"os"
	//mini:begin 04
	"path/filepath"
	"strings"
	//mini:end 04

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/state"
	//mini:begin 03
	"github.com/minikit/kit/mini/cgroup"
	//mini:end 03
	//mini:begin 04
	"github.com/minikit/kit/mini/overlay"
	//mini:end 04
	//mini:begin 05
	"github.com/minikit/kit/mini/network"
	//mini:end 05
)

// Run starts cfg.Args in a container, waits for it to end, and returns the status mini should
// exit with. An error means Mini itself (or the init side) failed; Status(err) gives its status.
func Run(cfg Config) (status int, err error) {
	n := cfg.Explain
	_, _, stderr := cfg.stdio()
	// Signals are caught from here until the teardown is over (this defer runs last).
	signals := catchSignals(stderr)
	defer signals.stop()
	var undo undoStack
	// Teardown runs whether the command ran or the start failed half-way.
	defer func() {
		if uerr := undo.run(); uerr != nil {
			err = errors.Join(err, fmt.Errorf("clean up: %w", uerr))
			if status == 0 {
				status = StatusEngineError
			}
		}
	}()

	if len(cfg.Args) == 0 {
		return StatusEngineError, errors.New("no command given")
	}
	root, err := state.Open(cfg.StateRoot)
	if err != nil {
		return StatusEngineError, err
	}
	//mini:begin 04
	// A Mini killed with SIGKILL ran no teardown: its run directory, with the container's upper
	// layer, is still here (nothing is mounted: the overlay died with the container's mount
	// namespace). The next run removes such leftovers; `mini doctor` reports them.
	// A sweep that fails must not stop this run (nor every run after it): it is reported, and
	// what it could not remove is tried again by the next run.
	if err := removeStale(root, cfg.CgroupParent, n); err != nil {
		fmt.Fprintf(stderr, "mini: warning: could not clean up after a killed run (the next run tries again): %s\n",
			strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	//mini:end 04
	c, err := root.NewContainer()
	if err != nil {
		return StatusEngineError, err
	}
	undo.push(c.Remove)
	n.Stepf(explain.Process, explain.Sh("mkdir -p "+c.Dir), "new container %s, its state in %s", c.ID, c.Dir)

	//mini:begin 04
	// The lock says "this run is alive" for as long as Mini is (see state.Container.Lock).
	lock, err := c.Lock()
	if err != nil {
		return StatusEngineError, err
	}
	undo.push(lock.Close)
	// The directory goes while the lock is still held (undo runs newest first): unlocked for a
	// moment, it would look stale to another Mini, which could sweep it away under us.
	undo.push(c.Remove)
	// The root is an overlay: the shared read-only layers below, an upper of this container's
	// own above. The host side only makes the directories. The init side mounts the overlay,
	// inside the container's mount namespace: the kernel unmounts it when the container's last
	// process exits, so not even a crash of Mini can leave it mounted on the host.
	lower := cfg.Lower
	if len(lower) == 0 {
		lower = []string{cfg.Rootfs}
	}
	cfg.Overlay, err = overlay.Create(c.Dir, lower, cfg.ReadOnly, n)
	if err != nil {
		return StatusEngineError, err
	}
	undo.push(func() error { return cfg.Overlay.Remove(n) })
	//mini:end 04

	//mini:begin 02
	if cfg.Hostname == "" {
		cfg.Hostname = c.ID
	}
	//mini:end 02

	//mini:begin 03
	// The group and its limits exist before the command does: the init process is moved into the
	// group before it is told to go on, so not one instruction of the command runs unlimited.
	group, err := cgroup.New(cgroup.Options{Parent: cfg.CgroupParent, Name: c.ID, Explain: n})
	if err != nil {
		return StatusEngineError, err
	}
	undo.push(group.Destroy)
	// Written down, so that whoever sweeps up after a killed Mini finds the group whatever
	// --cgroup-parent it runs with itself.
	if err := os.WriteFile(c.Path(cgroupParentFile), []byte(cgroupParent(cfg.CgroupParent)+"\n"), 0o644); err != nil {
		return StatusEngineError, fmt.Errorf("record the run's cgroup parent: %w", err)
	}
	if err := group.Set(cfg.Resources); err != nil {
		return StatusEngineError, err
	}
	//mini:end 03

	p, err := startInit(cfg, signals)
	if err != nil {
		return StatusEngineError, err
	}
	// If anything below fails, the init process must not outlive the run.
	undo.push(p.kill)

	//mini:begin 03
	if err := group.Add(p.pid()); err != nil {
		return StatusEngineError, err
	}
	//mini:end 03

	//mini:begin 05
	// The network is set up from outside, now: the init process exists (its PID names the
	// network namespace that gets eth0) and has not been told to go yet, so the command starts
	// with its network ready.
	att, err := network.Attach(network.Request{Options: cfg.Network, StateRoot: root.Dir, ID: c.ID,
		PID: p.pid(), Hostname: cfg.Hostname, Explain: n})
	if err != nil {
		return StatusEngineError, err
	}
	// By the time the undo runs, the command has usually exited (ProcessState is set): the
	// kernel then frees the veth with the network namespace, and Detach need not delete it.
	undo.push(func() error { return att.Detach(p.cmd.ProcessState != nil) })
	cfg.Network.Files = att.Files
	//mini:end 05

	if err := p.start(initConfig{Config: cfg, ID: c.ID, Explain: n.Enabled(), Color: n.Color()}); err != nil {
		return Status(err), err
	}
	status, err = p.wait()
	if err != nil {
		return StatusEngineError, err
	}

	//mini:begin 03
	if cfg.Resources.Memory == 0 {
		return status, nil // no limit of Mini's: an OOM kill would be the host's, not ours to report
	}
	//mini:solution 03.3 Read the OOM kill: ask the group whether the kernel's OOM killer killed one of its processes and, if it did, say so on stderr with the limit and who was killed (oomVictim). A status of 137 alone cannot tell a memory limit from a kill -9.
	if oom, err := group.OOMKilled(); err != nil {
		return StatusEngineError, err
	} else if oom {
		fmt.Fprintf(stderr, "mini: the container hit its memory limit (%s): the kernel's OOM killer killed %s\n",
			cgroup.FormatBytes(cfg.Resources.Memory), oomVictim(status))
	}
	//mini:stub if status == 137 { // a SIGKILL: perhaps the OOM killer, which this stub cannot tell
	//mini:stub 	return StatusEngineError, todo.Step("03.3")
	//mini:stub }
	//mini:end
	//mini:end 03
	return status, nil
}

//mini:begin 04

// removeStale removes what runs whose Mini was killed left behind: their cgroups first (named
// after the run IDs), which kills whatever still runs in them, then their run directories.
func removeStale(root *state.Root, cgroupParent string, n *explain.Narrator) error {
	_, err := root.RemoveStale(n, func(run string) error {
		// The run recorded its cgroup parent: the sweeping run may use another --cgroup-parent.
		parent := cgroupParent
		if data, err := os.ReadFile(filepath.Join(run, cgroupParentFile)); err == nil {
			parent = strings.TrimSpace(string(data))
		}
		g, err := cgroup.Open(cgroup.Options{Parent: parent, Name: filepath.Base(run), Explain: n})
		if err != nil {
			return err
		}
		return g.Destroy()
	})
	return err
}

//mini:end 04

//mini:begin 03

// cgroupParentFile, in a run directory, names the cgroup parent its group was made under.
const cgroupParentFile = "cgroup-parent"

// cgroupParent is the parent group's name, as cgroup.Options fills it in.
func cgroupParent(name string) string {
	if name == "" {
		return cgroup.DefaultParent
	}
	return name
}

// oomVictim says who the OOM killer killed: if the command itself died of SIGKILL it was the
// command, otherwise one of its children (and the command carried on).
func oomVictim(status int) string {
	if status == 128+9 {
		return "the command (exit status 137)"
	}
	return "a process in the container"
}

//mini:end 03

// stdio returns the three files the command's stdin, stdout and stderr are taken from.
func (cfg Config) stdio() (in, out, errOut *os.File) {
	in, out, errOut = cfg.Stdin, cfg.Stdout, cfg.Stderr
	if in == nil {
		in = os.Stdin
	}
	if out == nil {
		out = os.Stdout
	}
	if errOut == nil {
		errOut = os.Stderr
	}
	return in, out, errOut
}
