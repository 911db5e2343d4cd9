package container

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCh00Step2ExitStatusMapping(t *testing.T) {
	for _, c := range []struct {
		script string
		want   int
	}{{"exit 0", 0}, {"exit 3", 3}, {"kill -KILL $$", 137}, {"kill -TERM $$", 143}} {
		err := exec.Command("/bin/sh", "-c", c.script).Run()
		got, serr := exitStatus(err)
		if serr != nil || got != c.want {
			t.Errorf("%q: exitStatus = %d, %v; want %d", c.script, got, serr, c.want)
		}
	}
}

func TestCh00LookPath(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tool"), []byte("#!/bin/sh\n"), 0o755)
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
	env := []string{"HOME=/root", "PATH=/nonexistent:" + dir}

	if p, err := lookPath("tool", env); err != nil || p != filepath.Join(dir, "tool") {
		t.Errorf("lookPath(tool) = %q, %v", p, err)
	}
	if p, err := lookPath("/abs/path", env); err != nil || p != "/abs/path" {
		t.Errorf("a path with a slash is used as it is: got %q, %v", p, err)
	}
	for _, name := range []string{"missing", "adir"} {
		_, err := lookPath(name, env)
		if Status(err) != StatusNotFound {
			t.Errorf("lookPath(%s): want status 127, got %v", name, err)
		}
	}
}

func TestCh00ShellQuote(t *testing.T) {
	got := shellQuote([]string{"sh", "-c", "echo $HOME", "it's", ""})
	want := `sh -c 'echo $HOME' 'it'\''s' ''`
	if got != want {
		t.Errorf("shellQuote = %s, want %s", got, want)
	}
}

func TestCh00UndoRunsNewestFirstAndKeepsGoing(t *testing.T) {
	var order []int
	var u undoStack
	u.push(func() error { order = append(order, 1); return nil })
	u.push(func() error { order = append(order, 2); return errors.New("two failed") })
	u.push(func() error { order = append(order, 3); return nil })
	err := u.run()
	if diff := cmp.Diff([]int{3, 2, 1}, order); diff != "" {
		t.Errorf("undo order (-want +got):\n%s", diff)
	}
	if err == nil || err.Error() != "two failed" {
		t.Errorf("want the failing teardown's error, got %v", err)
	}
}
