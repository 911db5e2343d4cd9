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

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/state"
	//mini:begin 03
	"github.com/minikit/kit/mini/cgroup"
	//mini:end 03
)

// Run starts cfg.Args in a container, waits for it to end, and returns the status mini should
// exit with. An error means Mini itself (or the init side) failed; Status(err) gives its status.
func Run(cfg Config) (status int, err error) {
	n := cfg.Explain
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

	root, err := state.Open(cfg.StateRoot)
	if err != nil {
		return StatusEngineError, err
	}
	c, err := root.NewContainer()
	if err != nil {
		return StatusEngineError, err
	}
	undo.push(c.Remove)
	n.Stepf(explain.Process, "mkdir -p "+c.Dir, "new container %s, its state in %s", c.ID, c.Dir)

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
	if err := group.Set(cfg.Resources); err != nil {
		return StatusEngineError, err
	}
	//mini:end 03

	p, err := startInit(cfg)
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

	if err := p.start(initConfig{Config: cfg, ID: c.ID, Explain: n.Enabled(), Color: n.Color()}); err != nil {
		return Status(err), err
	}
	status, err = p.wait()
	if err != nil {
		return StatusEngineError, err
	}

	//mini:begin 03
	if oom, err := group.OOMKilled(); err != nil {
		return StatusEngineError, err
	} else if oom {
		fmt.Fprintf(cfg.Stderr, "mini: the container hit its memory limit (%s): the kernel's OOM killer killed %s\n",
			cgroup.FormatBytes(cfg.Resources.Memory), oomVictim(status))
	}
	//mini:end 03
	return status, nil
}

//mini:begin 03

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
