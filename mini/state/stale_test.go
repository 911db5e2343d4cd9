//mini:chapter 04

package state

import (
	"errors"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCh04StaleRuns(t *testing.T) {
	root, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	live, _ := root.NewRun()
	lock, err := live.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	dead, _ := root.NewRun()
	deadLock, err := dead.Lock()
	if err != nil {
		t.Fatal(err)
	}
	deadLock.Close()             // as when its Mini was killed
	starting, _ := root.NewRun() // no lock yet: not judged

	stale, err := Stale(root.Dir)
	if err != nil || len(stale) != 1 || stale[0] != dead.Dir {
		t.Fatalf("Stale = %v, %v; want only %s", stale, err, dead.Dir)
	}
	// A run whose first step fails (its cgroup could not be killed) stays for a later sweep.
	removed, err := root.RemoveStale(nil, func(string) error { return errors.New("busy") })
	if err == nil || len(removed) != 0 {
		t.Fatalf("RemoveStale with a failing first step = %v, %v; want an error and nothing removed", removed, err)
	}
	if _, err := os.Stat(dead.Dir); err != nil {
		t.Fatalf("%s was removed although its first step failed: %v", dead.Dir, err)
	}
	var first []string
	removed, err = root.RemoveStale(nil, func(run string) error {
		if _, err := os.Stat(run); err != nil {
			t.Errorf("first ran after %s was removed", run)
		}
		first = append(first, run)
		return nil
	})
	if err != nil || len(removed) != 1 || removed[0] != dead.Dir || len(first) != 1 {
		t.Fatalf("RemoveStale = %v, %v (first ran for %v); want only %s", removed, err, first, dead.Dir)
	}
	for _, c := range []*RunDir{live, starting} {
		if _, err := os.Stat(c.Dir); err != nil {
			t.Errorf("%s was removed: %v", c.Dir, err)
		}
	}
	if _, err := os.Stat(dead.Dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there", dead.Dir)
	}
	if stale, _ := Stale(t.TempDir() + "/none"); len(stale) != 0 {
		t.Errorf("a state root that does not exist has stale runs %v", stale)
	}
}

// A removal that stops half-way (here: a mount point it cannot remove; in life: Mini killed)
// must leave the lock file, so that the rest is judged stale and swept, not taken for a run that
// is just starting and kept for ever.
func TestCh04RemoveKeepsTheLockForLast(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes a mount point the removal cannot remove; run the tests with sudo")
	}
	root, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run, _ := root.NewRun()
	lock, err := run.Lock()
	if err != nil {
		t.Fatal(err)
	}
	lock.Close()
	busy := run.Path("upper", "busy")
	if err := os.MkdirAll(busy, 0o700); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		// A private mount namespace on a thread of its own, never unlocked: the Go runtime
		// ends the thread and the namespace with it, so the host never sees the mount.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			errc <- err
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			errc <- err
			return
		}
		if err := unix.Mount(t.TempDir(), busy, "", unix.MS_BIND, ""); err != nil {
			errc <- err
			return
		}
		if err := run.Remove(); err == nil {
			errc <- errors.New("Remove succeeded under a mount point")
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	stale, err := Stale(root.Dir)
	if err != nil || len(stale) != 1 || stale[0] != run.Dir {
		t.Fatalf("after a removal that stopped half-way, Stale = %v, %v; want %s", stale, err, run.Dir)
	}
}

// A Mini killed inside Lock, between creating the new lock file and renaming it into place,
// leaves lock.new behind: the next Lock takes it over (nobody holds its flock any more).
func TestCh04LockAfterAKilledLock(t *testing.T) {
	root, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run, _ := root.NewRun()
	if err := os.WriteFile(run.Path(lockFile+".new"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	lock, err := run.Lock()
	if err != nil {
		t.Fatalf("Lock with a lock.new left behind: %v", err)
	}
	defer lock.Close()
	if _, err := os.Stat(run.Path(lockFile)); err != nil {
		t.Errorf("the lock file is not in place: %v", err)
	}
}
