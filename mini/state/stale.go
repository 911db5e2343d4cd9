//mini:chapter 04

package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// lockFile is the file in a run directory that its Mini holds an exclusive flock(2) on.
const lockFile = "lock"

// Lock marks the run directory as in use for as long as the returned file stays open. Close it
// (or let Mini exit, however it exits: the kernel drops the lock with the last open file
// descriptor) and the directory counts as stale.
//
// From chapter 04 on a run directory holds the container's upper layer, which can be large. A
// Mini killed with SIGKILL runs no teardown: its container dies with it (Pdeathsig) and the
// overlay with the container's mount namespace, but the directory stays. The lock is how the
// next Mini (RemoveStale) and `mini doctor` (Stale) tell such a directory from a live run's.
// A lock rather than a PID file: a PID is reused, a lock cannot outlive its process.
func (c *RunDir) Lock() (*os.File, error) {
	// The lock is taken on a new name and then renamed into place, so that "lock" is locked
	// from the moment it exists: no other Mini ever sees it unlocked and calls the run stale.
	tmp := c.Path(lockFile + ".new")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// A Mini killed between this open and the rename below left its new name behind. It
		// holds nothing any more: whoever gets the flock on the file now owns it.
		f, err = os.OpenFile(tmp, os.O_RDWR, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("create the run's lock file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, c.Path(lockFile)); err != nil {
		f.Close()
		return nil, fmt.Errorf("put the run's lock file in place: %w", err)
	}
	return f, nil
}

// Stale lists the run directories under the state root dir whose Mini is gone: their lock file
// is there and nobody holds it. It changes nothing (a shared lock is taken and dropped at once),
// so `mini doctor` can call it. A directory without a lock file is not judged: it belongs to a
// run that is just starting, or to a Mini older than chapter 04.
func Stale(dir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, "containers"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the runs in %s: %w", dir, err)
	}
	var stale []string
	for _, e := range entries {
		run := filepath.Join(dir, "containers", e.Name())
		//mini:begin 07
		if Kept(run) {
			continue
		}
		//mini:end 07
		f, ok := tryLock(run, unix.LOCK_SH)
		if ok {
			f.Close()
			stale = append(stale, run)
		}
	}
	return stale, nil
}

// RemoveStale removes the run directories whose Mini is gone, and returns them. Each one is
// removed while holding its lock, so a second Mini sweeping at the same time skips it.
// Nothing is mounted there: the overlay lived in the dead container's mount namespace.
//
// first runs for each stale run before its directory goes, with the lock held: it stops what
// may still run there (the run's cgroup: a command that changed its uid lost the parent-death
// signal and outlives its Mini, still writing to its upper layer). When first fails, the
// directory stays for a later sweep: removing it under a live process is what must not happen.
func (r *Root) RemoveStale(n *explain.Narrator, first func(run string) error) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(r.Dir, "containers"))
	if err != nil {
		return nil, fmt.Errorf("list the runs in %s: %w", r.Dir, err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		run := filepath.Join(r.Dir, "containers", e.Name())
		//mini:begin 07
		if Kept(run) {
			continue
		}
		//mini:end 07
		f, ok := tryLock(run, unix.LOCK_EX)
		if !ok {
			continue
		}
		if err := first(run); err != nil {
			errs = append(errs, fmt.Errorf("stale run %s: %w", run, err))
			f.Close()
			continue
		}
		n.Stepf(explain.Overlay, explain.Sh("rm -rf "+run), "remove %s: its Mini is gone (killed?) and left it behind", run)
		if err := os.RemoveAll(run); err != nil {
			errs = append(errs, fmt.Errorf("remove the stale run directory %s: %w", run, err))
		} else {
			removed = append(removed, run)
		}
		f.Close()
	}
	return removed, errors.Join(errs...)
}

// tryLock takes a lock of the given kind on the run's lock file without waiting. ok is false
// when the run has no lock file or its Mini still holds the lock.
func tryLock(run string, how int) (f *os.File, ok bool) {
	f, err := os.Open(filepath.Join(run, lockFile))
	if err != nil {
		return nil, false
	}
	if err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return f, true
}

//mini:begin 07

// RecordFile, in a run directory, is the container record of chapter 07's engine: a container
// that outlives its runs (created, started, stopped, started again, removed by `mini rm`).
const RecordFile = "config.json"

// Kept says whether a run directory belongs to a container record. Such a directory is never
// stale, whether its monitor runs or not: an exited container keeps its upper layer until
// `mini rm`, and its record says what rm must undo.
func Kept(run string) bool {
	_, err := os.Stat(filepath.Join(run, RecordFile))
	return err == nil
}

//mini:end 07
