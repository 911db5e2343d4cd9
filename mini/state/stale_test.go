//mini:chapter 04

package state

import (
	"os"
	"testing"
)

func TestCh04StaleRuns(t *testing.T) {
	root, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	live, _ := root.NewContainer()
	lock, err := live.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	dead, _ := root.NewContainer()
	deadLock, err := dead.Lock()
	if err != nil {
		t.Fatal(err)
	}
	deadLock.Close()                   // as when its Mini was killed
	starting, _ := root.NewContainer() // no lock yet: not judged

	stale, err := Stale(root.Dir)
	if err != nil || len(stale) != 1 || stale[0] != dead.Dir {
		t.Fatalf("Stale = %v, %v; want only %s", stale, err, dead.Dir)
	}
	removed, err := root.RemoveStale(nil)
	if err != nil || len(removed) != 1 || removed[0] != dead.Dir {
		t.Fatalf("RemoveStale = %v, %v; want only %s", removed, err, dead.Dir)
	}
	for _, c := range []*Container{live, starting} {
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
