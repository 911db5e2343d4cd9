//mini:chapter 06

package state

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// WriteFileAtomic replaces path with data so that a reader (or Mini after a crash) sees the old
// content or the new one, never a mix: the data goes to a temporary name in the same directory
// (rename(2) is atomic only within one filesystem), is fsync'ed (so the rename cannot reach the
// disk before the data does), and is then renamed over path; the directory is fsync'ed last so
// that the rename itself survives a power cut.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, true)
}

//mini:begin 07

// ReplaceFile is WriteFileAtomic without the two fsync(2)s: a reader still sees the old
// content or the new, never a mix (the rename is atomic), but after a power cut the file may be
// old, or empty. For files nobody needs after a crash: fsync waits for the disk, a millisecond
// or more each time.
func ReplaceFile(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, false)
}

//mini:end 07

func writeFile(path string, data []byte, perm os.FileMode, durable bool) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if durable {
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if !durable {
		return nil
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, which makes the names created, renamed or removed in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Lock kinds for LockFile.
const (
	Shared    = unix.LOCK_SH
	Exclusive = unix.LOCK_EX
)

// LockFile takes a flock(2) of the given kind on path (created if missing) and returns the
// open file that holds it: Close releases the lock. A flock belongs to the open file, so the
// kernel releases it when Mini dies, however it dies; a lock can never outlive its process,
// which a PID file can. It waits for the lock.
func LockFile(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the lock file %s: %w", path, err)
	}
	if err := Relock(f, how); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Relock changes the kind of lock held on f (shared to exclusive or back), waiting if needed.
// flock(2) converts a lock by dropping the old one first, so another process may take the lock
// in between: after Relock the caller re-reads whatever the lock protects.
func Relock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		return nil
	}
}

// TryRelock is Relock without waiting: ok is false when another process holds a conflicting lock.
// Then f may hold no lock at all (the conversion drops the old lock first): Relock it again.
func TryRelock(f *os.File, how int) (ok bool, err error) {
	err = unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
	if err == unix.EWOULDBLOCK {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return true, nil
}
