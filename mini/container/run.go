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
	"io"
	"os"
	//mini:begin 04
	"path/filepath"
	"strings"
	//mini:end 04
	//mini:begin 03
	"sync"
	//mini:end 03

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
//
// Run is the whole lifecycle in one call, the four steps runc has: create (everything up to
// the init process waiting for its go signal), start, wait, delete. Chapter 07's monitor calls
// them one by one; `mini run` in the foreground needs nothing more than this.
func Run(cfg Config) (status int, err error) {
	c, err := Create(cfg)
	if err != nil {
		return Status(err), err
	}
	// Teardown runs whether the command ran or the start failed half-way.
	defer func() {
		if derr := c.Delete(); derr != nil {
			err = errors.Join(err, derr)
			if status == 0 {
				status = StatusEngineError
			}
		}
	}()
	if err := c.Start(); err != nil {
		return Status(err), err
	}
	return c.Wait()
}

// Instance is one run of a container: created, started, waited for, deleted. Everything Create
// set up is on its undo stack, so Delete undoes exactly that, newest first.
type Instance struct {
	cfg     Config
	n       *explain.Narrator
	stderr  io.Writer // Mini's own words about the run
	dir     *state.RunDir
	undo    undoStack
	signals *forwarder
	p       *initProcess
	//mini:begin 03
	group   cgroup.Group
	inGroup func() error // the init process's move into the group, once it is done (Create)
	//mini:end 03
	//mini:begin 04
	overlay overlay.Dirs // made here, mounted by the init side
	//mini:end 04
	//mini:begin 05
	att   *network.Attachment
	files []network.File // the /etc files Attach wrote, for the init side
	//mini:end 05
}

// ID is the run's ID: its directory's name, its cgroup's, its default hostname.
func (c *Instance) ID() string { return c.dir.ID }

// PID is the init process's PID, as the host sees it (0 before Create has started it).
func (c *Instance) PID() int {
	if c.p == nil || c.p.cmd.Process == nil {
		return 0
	}
	return c.p.pid()
}

// Create does everything up to the init process waiting for its go signal: the run's
// directory, the mechanisms the host side sets up from outside, and the init process itself,
// blocked reading its config pipe. If any step fails, what the steps before it did is undone.
func Create(cfg Config) (c *Instance, err error) {
	n := cfg.Explain
	_, _, stderr := cfg.stdio()
	c = &Instance{cfg: cfg, n: n, stderr: stderr}
	//mini:begin 07
	if cfg.Messages != nil {
		c.stderr = cfg.Messages
	}
	//mini:end 07
	// Signals that the caller passes on (cfg.Signals) are forwarded from now until Delete:
	// one that comes before the command exists is held, and passed on when it does.
	c.signals = forward(cfg.Signals, c.stderr)
	defer func() {
		if err != nil {
			err = &StatusError{Status: Status(err), Err: errors.Join(err, c.Delete())}
			c = nil
		}
	}()

	if len(cfg.Args) == 0 {
		return c, errors.New("no command given")
	}
	root, err := state.Open(cfg.StateRoot)
	if err != nil {
		return c, err
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
	if c.dir, err = runDir(root, cfg); err != nil {
		return c, err
	}
	if !cfg.keep() {
		c.undo.push(c.dir.Remove)
	}
	n.Stepf(explain.Process, explain.Sh("mkdir -p "+c.dir.Dir), "new container %s, its state in %s", c.dir.ID, c.dir.Dir)

	//mini:begin 04
	// The lock says "this run is alive" for as long as Mini is (see state.RunDir.Lock).
	lock, err := c.dir.Lock()
	if err != nil {
		return c, err
	}
	c.undo.push(lock.Close)
	// The directory goes while the lock is still held (undo runs newest first): unlocked for a
	// moment, it would look stale to another Mini, which could sweep it away under us.
	if !cfg.keep() {
		c.undo.push(c.dir.Remove)
	}
	// The root is an overlay: the shared read-only layers below, an upper of this container's
	// own above. The host side only makes the directories. The init side mounts the overlay,
	// inside the container's mount namespace: the kernel unmounts it when the container's last
	// process exits, so not even a crash of Mini can leave it mounted on the host.
	lower := cfg.Lower
	if len(lower) == 0 {
		lower = []string{cfg.Rootfs}
	}
	c.overlay, err = makeOverlay(c.dir.Dir, lower, cfg, n)
	if err != nil {
		return c, err
	}
	if !cfg.keep() {
		c.undo.push(func() error { return c.overlay.Remove(n) })
	}
	//mini:end 04

	//mini:begin 02
	if c.cfg.Hostname == "" {
		c.cfg.Hostname = c.dir.ID
	}
	//mini:end 02

	//mini:begin 03
	// The group and its limits exist before the command does: the init process is moved into the
	// group before it is told to go on, so not one instruction of the command runs unlimited.
	group, err := cgroup.New(cgroup.Options{Parent: cfg.CgroupParent, Name: c.dir.ID, Explain: n})
	if err != nil {
		return c, err
	}
	c.group = group
	c.undo.push(group.Destroy)
	// Written down, so that whoever sweeps up after a killed Mini finds the group whatever
	// --cgroup-parent it runs with itself.
	if err := os.WriteFile(c.dir.Path(cgroupParentFile), []byte(cgroupParent(cfg.CgroupParent)+"\n"), 0o644); err != nil {
		return c, fmt.Errorf("record the run's cgroup parent: %w", err)
	}
	if err := group.Set(cfg.Resources); err != nil {
		return c, err
	}
	//mini:end 03

	p, err := startInit(c.cfg, c.signals)
	if err != nil {
		return c, err
	}
	c.p = p
	// If anything below fails, the init process must not outlive the run.
	c.undo.push(p.kill)

	//mini:begin 03
	// Into the group, before the command's first instruction (Start waits for it). Moving a
	// process can take milliseconds that are no CPU's: the kernel changes a process's groups
	// only once no fork or exit anywhere is under way, behind a lock whose readers take no
	// memory barrier, so the first writer after a quiet while waits for an RCU grace period
	// (7 ms on the course's machine). Nothing else needs the move: the network is set up
	// meanwhile, in this goroutine's shadow.
	moved := make(chan error, 1)
	go func(pid int) { moved <- group.Add(pid) }(p.pid())
	c.inGroup = sync.OnceValue(func() error { return <-moved })
	c.undo.push(func() error { c.inGroup(); return nil }) // the kill and the group's removal wait for it
	//mini:end 03

	//mini:begin 05
	// The network is set up from outside, now: the init process exists (its PID names the
	// network namespace that gets eth0) and has not been told to go yet, so the command starts
	// with its network ready.
	req := network.Request{Options: cfg.Network, StateRoot: root.Dir, ID: c.dir.ID,
		PID: p.pid(), Hostname: c.cfg.Hostname, Explain: n}
	//mini:begin 07
	req.Name = cfg.Name // other containers on its network find it by this name
	//mini:end 07
	att, err := network.Attach(req)
	if err != nil {
		return c, err
	}
	c.att = att
	// By the time the undo runs, the command has usually exited (ProcessState is set): the
	// kernel then frees the veth with the network namespace, and Detach need not delete it.
	c.undo.push(func() error { return att.Detach(p.cmd.ProcessState != nil) })
	c.files = att.Files
	//mini:end 05
	//mini:begin 07
	// Written down, as the cgroup parent is: if this process is killed, whoever removes the
	// container later (mini rm) can still undo the network from the record (network.Restore).
	if err := saveNetworkRecord(c.dir, att); err != nil {
		return c, err
	}
	c.undo.push(func() error { return removeNetworkRecord(c.dir) })
	if cfg.Reserved != nil {
		sockets, err := att.PortSockets()
		if err != nil {
			return c, err
		}
		cfg.Reserved(sockets)
	}
	//mini:end 07
	return c, nil
}

// Start sends the init process its config, with which it finishes the set-up from inside, and
// then "go": it execs the command. Start returns once the command runs, or with the init side's
// error.
func (c *Instance) Start() error {
	msg := initConfig{Config: c.cfg, ID: c.dir.ID, Explain: c.n.Enabled(), Color: c.n.Color()}
	//mini:begin 04
	msg.Overlay = c.overlay
	//mini:end 04
	//mini:begin 05
	msg.NetworkFiles = c.files
	//mini:end 05
	var ready func() error
	//mini:begin 03
	// The init side sets up with the config while the kernel finishes the move; it hears "go"
	// once the move is done, or never, if the move failed.
	ready = c.inGroup
	//mini:end 03
	return c.p.start(msg, ready)
}

// Wait waits for the command to end and returns the status mini should exit with.
func (c *Instance) Wait() (int, error) {
	status, err := c.p.wait()
	if err != nil {
		return StatusEngineError, err
	}

	//mini:begin 03
	if c.cfg.Resources.Memory == 0 {
		return status, nil // no limit of Mini's: an OOM kill would be the host's, not ours to report
	}
	//mini:solution 03.3 Read the OOM kill: ask the group whether the kernel's OOM killer killed one of its processes and, if it did, say so on stderr with the limit and who was killed (oomVictim). A status of 137 alone cannot tell a memory limit from a kill -9.
	if oom, err := c.group.OOMKilled(); err != nil {
		return StatusEngineError, err
	} else if oom {
		fmt.Fprintf(c.stderr, "mini: the container hit its memory limit (%s): the kernel's OOM killer killed %s\n",
			cgroup.FormatBytes(c.cfg.Resources.Memory), oomVictim(status))
	}
	//mini:stub if status == 137 { // a SIGKILL: perhaps the OOM killer, which this stub cannot tell
	//mini:stub 	return StatusEngineError, todo.Step("03.3")
	//mini:stub }
	//mini:end
	//mini:end 03
	return status, nil
}

// Delete undoes everything Create did, newest first, and stops forwarding signals. A failing
// teardown does not stop the others; their errors come back joined.
func (c *Instance) Delete() error {
	err := c.undo.run()
	c.signals.stop()
	if err != nil {
		return fmt.Errorf("clean up: %w", err)
	}
	return nil
}

// runDir makes the run's directory, named by a new ID.
func runDir(root *state.Root, cfg Config) (*state.RunDir, error) {
	//mini:begin 07
	// A container record's runs share one directory, named by the record's ID: its upper
	// layer is kept from one start to the next.
	if cfg.ID != "" {
		if d, err := root.OpenRun(cfg.ID); err == nil {
			return d, nil
		}
		return root.NewRunID(cfg.ID)
	}
	//mini:end 07
	return root.NewRun()
}

//mini:begin 04

// makeOverlay makes the run's overlay directories, or finds them again for a kept run.
func makeOverlay(dir string, lower []string, cfg Config, n *explain.Narrator) (overlay.Dirs, error) {
	//mini:begin 07
	if cfg.keep() {
		return overlay.Reopen(dir, lower, cfg.ReadOnly, n)
	}
	//mini:end 07
	return overlay.Create(dir, lower, cfg.ReadOnly, n)
}

// removeStale removes what runs whose Mini was killed left behind: their cgroups first (named
// after the run IDs), which kills whatever still runs in them, then their run directories.
func removeStale(root *state.Root, cgroupParent string, n *explain.Narrator) error {
	_, err := root.RemoveStale(n, func(run string) error {
		g, err := runGroup(run, cgroupParent, n)
		if err != nil {
			return err
		}
		return g.Destroy()
	})
	return err
}

// runGroup opens the cgroup of the run whose directory is run, under the parent the run
// recorded: whoever opens it (a sweeping run, a monitor after its shim) may use another
// --cgroup-parent, given as parent for a run that recorded none.
func runGroup(run, parent string, n *explain.Narrator) (cgroup.Group, error) {
	if data, err := os.ReadFile(filepath.Join(run, cgroupParentFile)); err == nil {
		parent = strings.TrimSpace(string(data))
	}
	return cgroup.Open(cgroup.Options{Parent: parent, Name: filepath.Base(run), Explain: n})
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
