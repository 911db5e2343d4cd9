//mini:chapter 07

package engine

import (
	"errors"
	"fmt"
	"os"

	"github.com/minikit/kit/mini/container"
	"github.com/minikit/kit/mini/state"
	"github.com/minikit/kit/mini/volume"
)

// RemoveOptions are `mini rm`'s flags.
type RemoveOptions struct {
	Force   bool // -f: stop a running container with SIGKILL first
	Volumes bool // -v: remove its anonymous volumes too
}

// Remove deletes a container that does not run: its record, its upper layer, and whatever a
// monitor that was killed could not tear down (its cgroup; processes that outlived it).
func (e *Engine) Remove(c *Container, o RemoveOptions) error {
	if c.MonitorAlive() {
		if !o.Force {
			return fmt.Errorf("cannot remove container %q: it is running: stop it first (mini stop %s), or remove it with -f", c.Name, c.Name)
		}
		os.WriteFile(c.Path(stopFile), nil, 0o600)
		if err := c.killAndWait(); err != nil {
			return err
		}
	}
	unlock, err := e.lock()
	if err != nil {
		return err
	}
	defer unlock()
	// The monitor's lock is taken for good: a `mini start` racing with this rm waits, then
	// finds no record.
	lock, err := state.LockFile(c.Path(monitorLock), state.Exclusive)
	if err != nil {
		return err
	}
	defer lock.Close()
	var errs []error
	// After a kill -9 of the monitor, its teardown never ran. The cgroup is where a process
	// that lost its parent-death signal would still run: it goes first, killing what is left.
	if g, err := c.group(); err == nil {
		if _, serr := os.Stat(g.Path()); serr == nil {
			errs = append(errs, g.Destroy())
		}
	}
	errs = append(errs, c.forgetNetwork(e))
	// The run's lock is taken before the record goes (a container that never started has no
	// lock file yet). From then on the directory is an ordinary run directory: if this rm is
	// killed in the middle, its lock dies with it and the stale sweep of the next run finishes
	// the removal, instead of a half-removed container staying for ever.
	runLock, err := c.dir.Lock()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	defer runLock.Close()
	if err := os.Remove(c.Path(state.RecordFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	errs = append(errs, e.releaseName(c.Name, c.ID)) // after the record: the name is its

	if err := c.dir.Remove(); err != nil {
		errs = append(errs, err)
	}
	if o.Volumes || c.AutoRemove {
		errs = append(errs, RemoveAnonymousVolumes(e.root.Dir, c.Config.Volumes))
	}
	return errors.Join(errs...)
}

// forgetNetwork undoes what a monitor killed in the middle of a run left of the container's
// network: its rules, its address, its entry in the others' /etc/hosts.
func (c *Container) forgetNetwork(e *Engine) error {
	return container.ForgetNetwork(c.dir, e.root.Dir, nil)
}

// RemoveAnonymousVolumes removes the volumes made for a container's -v CONTAINER-PATH: no other
// container can name them. Named volumes and host paths stay.
func RemoveAnonymousVolumes(stateRoot string, mounts []volume.Mount) error {
	store, err := volume.Open(stateRoot)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range mounts {
		if m.Anonymous && m.Volume != "" {
			errs = append(errs, store.Remove(m.Volume))
		}
	}
	return errors.Join(errs...)
}
