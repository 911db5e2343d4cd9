//mini:chapter 07

package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/container"
	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/state"
)

// Record is what the user asked for when the container was created. It is written once, by
// create (rename changes the name), and every run of the container reads it.
type Record struct {
	ID      string
	Name    string
	Image   string // the image as the user named it; "" for a --rootfs container
	ImageID string
	Created time.Time
	// Config is chapter 00–06's request, as `mini run` would pass it to container.Run.
	Config  container.Config
	Restart RestartPolicy
	// AutoRemove is --rm: the monitor removes the container when it ends for good.
	AutoRemove  bool
	StopSignal  string // SIGTERM when empty
	StopTimeout int    // seconds between the stop signal and SIGKILL; 10 when 0
	Ports       []string
}

// State is what the container's runs did. The monitor writes it; ps and inspect read it.
type State struct {
	Status     string // created, running, exited, dead
	PID        int    // the init process (the command), as the host sees it
	MonitorPID int
	StartedAt  time.Time
	FinishedAt time.Time
	ExitCode   int
	Error      string // why the last start failed, or why the monitor is gone
	Restarts   int
}

// The statuses of State.Status, as `docker inspect` spells them.
const (
	Created = "created"
	Running = "running"
	Exited  = "exited"
	// Dead: the record or state cannot be read (a host that lost power while a --rm
	// container's files were being written; see writeFile). Such a container can only be
	// removed, and `mini rm` can remove it: what it needs is in files of their own.
	Dead = "dead"
)

// Container is a record and its state, as read from disk.
type Container struct {
	Record
	State State
	dir   *state.RunDir
	// attachFirst, in the monitor: the command that started the container attaches to its
	// terminal as soon as it runs (see attachServer.keep).
	attachFirst bool
	// explain and narration, in the monitor: the starting command's --explain, for the first
	// run only (narration is the file under it, for the init side's fd 5).
	explain   *explain.Narrator
	narration *os.File
	// said, in the monitor of a -t container: what Mini said of the last run (the memory limit).
	said *lockedBuffer
}

// The files of a container's run directory (see the package comment).
const (
	stateFile   = "state.json"
	logFile     = "container.log"
	monitorLock = "monitor.lock"
	stopFile    = "stop-requested"
)

// namePattern is Docker's rule for container names.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Create writes a new container record: a new ID, a unique name, the run directory. Nothing
// runs yet and nothing is set up on the host: that is Start's work.
func (e *Engine) Create(r Record) (*Container, error) {
	if r.Name != "" && !namePattern.MatchString(r.Name) {
		return nil, fmt.Errorf("invalid container name %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", r.Name)
	}
	unlock, err := e.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if r.ID, err = newID(); err != nil {
		return nil, err
	}
	if r.Name != "" {
		err = e.claimName(r.Name, r.ID)
	} else {
		for i := 0; ; i++ {
			r.Name = randomName(i)
			if err = e.claimName(r.Name, r.ID); !errors.As(err, new(*nameTakenError)) {
				break
			}
		}
	}
	if err != nil {
		return nil, err
	}
	r.Config.Name = r.Name // the name other containers on its network know it by
	r.Created = time.Now().UTC()
	dir, err := e.root.NewRunID(r.ID)
	if err != nil {
		return nil, errors.Join(err, e.releaseName(r.Name, r.ID))
	}
	// The run's lock, held until the record is whole: a create killed half-way then leaves an
	// ordinary stale run directory (its lock free, no record), which the next run sweeps away,
	// instead of a directory that nothing would ever judge (no lock file) nor list (no record).
	lock, err := dir.Lock()
	if err != nil {
		return nil, errors.Join(err, dir.Remove(), e.releaseName(r.Name, r.ID))
	}
	defer lock.Close()
	c := &Container{Record: r, State: State{Status: Created}, dir: dir}
	// state.json first, config.json last: the record file is what makes the directory a
	// container (state.Kept), so it must not appear before the rest is there.
	if err := c.saveState(); err != nil {
		return nil, errors.Join(err, dir.Remove(), e.releaseName(r.Name, r.ID))
	}
	data, err := json.MarshalIndent(c.Record, "", "  ")
	if err == nil {
		err = c.writeFile(state.RecordFile, data)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("write the container record: %w", err), dir.Remove(), e.releaseName(r.Name, r.ID))
	}
	return c, nil
}

// load reads a container's record and state, and tells the truth about the state: a container
// whose monitor is gone (kill -9, a reboot) is not running, whatever state.json last said.
func (e *Engine) load(id string) (*Container, error) {
	dir, err := e.root.OpenRun(id)
	if err != nil {
		return nil, err
	}
	c := &Container{dir: dir}
	if err := c.read(state.RecordFile, &c.Record); err != nil {
		c.Record = Record{}
		return c.dead(err)
	}
	if err := c.read(stateFile, &c.State); err != nil {
		return c.dead(err) // the record is good: ps still shows the name and the image
	}
	if c.State.Status == Running && !c.MonitorAlive() {
		c.State.Status = Exited
		c.State.ExitCode = 128 + int(unix.SIGKILL) // the parent-death signal killed the command
		c.State.Error = "its monitor is gone (killed, or the host rebooted)"
		c.State.PID = 0
	}
	return c, nil
}

// read parses one of the container's JSON files into v.
func (c *Container) read(name string, v any) error {
	data, err := os.ReadFile(c.dir.Path(name))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s of container %s: %w", name, c.dir.ID, err)
	}
	return nil
}

// dead is load's answer when a file of the container cannot be read. A file that is missing
// means the container is being removed (or is not one): that error is returned. A file that
// does not parse, with no monitor running, is what a power cut leaves of a --rm container
// (writeFile): the container is listed as dead, so that one bad file does not stop `mini ps`
// for every container, and `mini rm` can remove it.
func (c *Container) dead(err error) (*Container, error) {
	if errors.Is(err, os.ErrNotExist) || c.MonitorAlive() {
		return nil, err
	}
	if c.ID == "" {
		c.Record = Record{ID: c.dir.ID}
		if fi, serr := os.Stat(c.dir.Dir); serr == nil {
			c.Created = fi.ModTime().UTC()
		}
	}
	c.State = State{Status: Dead, Error: err.Error()}
	return c, nil
}

// Usable refuses what only a container with a record can do (start, rename, commit...).
func (c *Container) Usable() error {
	if c.State.Status == Dead {
		return fmt.Errorf("container %s is dead (%s): remove it with mini rm %s", ShortID(c.ID), c.State.Error, ShortID(c.ID))
	}
	return nil
}

// Dir is the container's run directory.
func (c *Container) Dir() string { return c.dir.Dir }

// Path is a path in the container's run directory.
func (c *Container) Path(elem ...string) string { return c.dir.Path(elem...) }

// Running says whether the container's command runs.
func (c *Container) Running() bool { return c.State.Status == Running }

// MonitorAlive says whether the container has a monitor: its lock is held. A lock, not a PID:
// the kernel drops a flock with its process, however that dies, and a PID is reused.
func (c *Container) MonitorAlive() bool {
	f, err := os.Open(c.dir.Path(monitorLock))
	if err != nil {
		return false
	}
	defer f.Close()
	ok, err := state.TryRelock(f, state.Shared)
	return err == nil && !ok
}

// saveState writes state.json atomically: a reader sees the old state or the new, never half.
func (c *Container) saveState() error {
	data, err := json.MarshalIndent(c.State, "", "  ")
	if err != nil {
		return err
	}
	if err := c.writeFile(stateFile, data); err != nil {
		return fmt.Errorf("write the state of container %s: %w", ShortID(c.ID), err)
	}
	return nil
}

// writeFile writes one of the container's files atomically: a reader sees the old content or
// the new, never half. Durably too (fsync'ed), except for a --rm container: its files are
// removed when it ends, and after a power cut its monitor is gone with it, so there is nothing
// in them worth a wait for the disk (two fsyncs per file: several milliseconds of every `run
// --rm`). What a power cut can leave of them, a file that does not parse, is a dead container
// (load), which `mini rm` removes.
func (c *Container) writeFile(name string, data []byte) error {
	if c.AutoRemove {
		return state.ReplaceFile(c.dir.Path(name), data, 0o600)
	}
	return state.WriteFileAtomic(c.dir.Path(name), data, 0o600)
}

// Rename gives the container a new name.
func (e *Engine) Rename(c *Container, name string) error {
	if err := c.Usable(); err != nil {
		return err
	}
	if !namePattern.MatchString(name) {
		return fmt.Errorf("invalid container name %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	unlock, err := e.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if name == c.Name {
		return fmt.Errorf("container %s is named %q already", ShortID(c.ID), name)
	}
	if err := e.claimName(name, c.ID); err != nil {
		return err
	}
	old := c.Name
	c.Name, c.Config.Name = name, name
	data, err := json.MarshalIndent(c.Record, "", "  ")
	if err == nil {
		err = c.writeFile(state.RecordFile, data)
	}
	if err != nil {
		return errors.Join(err, e.releaseName(name, c.ID))
	}
	return e.releaseName(old, c.ID)
}
