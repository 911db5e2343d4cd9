//mini:chapter 04

package state

import (
	"errors"
	"os"
	"testing"
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
