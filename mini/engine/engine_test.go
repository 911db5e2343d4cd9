//mini:chapter 07

package engine

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/logfile"
	"github.com/minikit/kit/mini/state"
)

func TestCh07ParseRestart(t *testing.T) {
	good := map[string]RestartPolicy{
		"": {Name: "no"}, "no": {Name: "no"}, "always": {Name: "always"},
		"unless-stopped": {Name: "unless-stopped"}, "on-failure": {Name: "on-failure"},
		"on-failure:3": {Name: "on-failure", MaxRetries: 3},
	}
	for in, want := range good {
		got, err := ParseRestart(in)
		if err != nil || got != want {
			t.Errorf("ParseRestart(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"sometimes", "on-failure:x", "on-failure:-1", "always:3"} {
		if _, err := ParseRestart(bad); err == nil || !strings.Contains(err.Error(), "--restart") {
			t.Errorf("ParseRestart(%q): want an error naming --restart, got %v", bad, err)
		}
	}
}

func TestCh07RestartDecision(t *testing.T) {
	cases := []struct {
		policy            RestartPolicy
		status, restarts  int
		stopped, restartt bool
	}{
		{RestartPolicy{Name: "no"}, 1, 0, false, false},
		{RestartPolicy{Name: "always"}, 0, 5, false, true},
		{RestartPolicy{Name: "always"}, 0, 5, true, false}, // mini stop means stop
		{RestartPolicy{Name: "on-failure"}, 0, 0, false, false},
		{RestartPolicy{Name: "on-failure"}, 2, 100, false, true},
		{RestartPolicy{Name: "on-failure", MaxRetries: 2}, 2, 1, false, true},
		{RestartPolicy{Name: "on-failure", MaxRetries: 2}, 2, 2, false, false},
	}
	for _, c := range cases {
		if got := c.policy.again(c.status, c.restarts, c.stopped); got != c.restartt {
			t.Errorf("%+v.again(%d, %d, %v) = %v", c.policy, c.status, c.restarts, c.stopped, got)
		}
	}
}

func TestCh07ParseSignal(t *testing.T) {
	for in, want := range map[string]unix.Signal{"KILL": unix.SIGKILL, "SIGTERM": unix.SIGTERM, "hup": unix.SIGHUP, "9": unix.SIGKILL} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "NOPE", "0", "99"} {
		if _, err := ParseSignal(bad); err == nil {
			t.Errorf("ParseSignal(%q): want an error", bad)
		}
	}
}

// Records are found by name, by full ID and by a unique prefix; names are unique.
func TestCh07Records(t *testing.T) {
	e, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Create(Record{Name: "web", Image: "busybox"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.ID) != 64 || a.State.Status != Created {
		t.Fatalf("new record: ID %q, status %q", a.ID, a.State.Status)
	}
	if _, err := e.Create(Record{Name: "web"}); err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Errorf("a second web: want already in use, got %v", err)
	}
	if _, err := e.Create(Record{Name: "-bad"}); err == nil || !strings.Contains(err.Error(), "invalid container name") {
		t.Errorf("name -bad: want invalid container name, got %v", err)
	}
	b, err := e.Create(Record{}) // a random name
	if err != nil || !strings.Contains(b.Name, "_") {
		t.Fatalf("random name: %q, %v", b.Name, err)
	}
	for _, ref := range []string{"web", a.ID, a.ID[:12], "/web"} {
		if got, err := e.Lookup(ref); err != nil || got.ID != a.ID {
			t.Errorf("Lookup(%q) = %v, %v; want %s", ref, got, err, a.ID)
		}
	}
	var nf *NotFoundError
	if _, err := e.Lookup("nosuch"); !errors.As(err, &nf) {
		t.Errorf("Lookup(nosuch): want a NotFoundError, got %v", err)
	}
	if err := e.Rename(b, "web"); err == nil {
		t.Error("rename to a taken name: want an error")
	}
	if err := e.Rename(b, "db"); err != nil {
		t.Fatal(err)
	}
	list, err := e.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range list {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"db", "web"}, names); diff != "" {
		t.Errorf("List, newest first (-want +got):\n%s", diff)
	}
	// A record whose monitor is gone is not running, whatever its state file says.
	b.State.Status, b.State.PID = Running, 42
	if err := b.saveState(); err != nil {
		t.Fatal(err)
	}
	again, err := e.Lookup("db")
	if err != nil || again.State.Status != Exited || again.State.ExitCode != 137 {
		t.Errorf("a running record without a monitor: %+v, %v; want exited 137", again.State, err)
	}
	if err := e.Remove(again, RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(again.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Remove, %s: %v", again.Dir(), err)
	}
}

// The names index: a name is taken by one atomic symlink; rename and remove give names back; a
// link left by a create or rm killed half-way is taken over; a state root without an index gets
// one made from its records.
func TestCh07NamesIndex(t *testing.T) {
	e, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Create(Record{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	// A create killed after it took the name, before its record: the link points at nothing.
	if err := os.Symlink(strings.Repeat("f", 64), filepath.Join(e.namesDir(), "stale")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Create(Record{Name: "stale"}); err != nil {
		t.Errorf("a name whose container has no record: %v; want it taken over", err)
	}
	if err := e.Rename(a, "a"); err == nil {
		t.Error("rename to its own name: want an error")
	}
	if err := e.Rename(a, "b"); err != nil {
		t.Fatal(err)
	}
	c, err := e.Create(Record{Name: "a"}) // given back by the rename
	if err != nil {
		t.Fatalf("the name a after a renamed it: %v", err)
	}
	if err := e.Remove(c, RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(e.namesDir(), "a")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after rm, the name a is still in the index: %v", err)
	}
	// A state root from before the index: it is made again from the records.
	if err := os.RemoveAll(e.namesDir()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Create(Record{Name: "b"}); err == nil || !strings.Contains(err.Error(), "already in use by container \""+a.ID) {
		t.Errorf("b again without an index: %v; want refused, in use by %s", err, a.ID)
	}
	if target, err := os.Readlink(filepath.Join(e.namesDir(), "stale")); err != nil || len(target) != 64 {
		t.Errorf("the rebuilt index: stale -> %q, %v; want its container's ID", target, err)
	}
}

// Logs are Docker's json-file lines; --tail and -t work on them.
func TestCh07Logs(t *testing.T) {
	e, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Create(Record{Name: "log"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(c.Path(logFile))
	if err != nil {
		t.Fatal(err)
	}
	w := logfile.New(f)
	if err := w.CopyLines(strings.NewReader("one\ntwo\nthree, no newline"), "stdout"); err != nil {
		t.Fatal(err)
	}
	if err := w.CopyLines(strings.NewReader("oops\n"), "stderr"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out, errOut bytes.Buffer
	if err := c.Logs(&out, &errOut, LogOptions{Tail: -1}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "one\ntwo\nthree, no newline" || errOut.String() != "oops\n" {
		t.Errorf("logs: stdout %q, stderr %q", out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if err := c.Logs(&out, &errOut, LogOptions{Tail: 2, Timestamps: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), " three, no newline") || !strings.HasSuffix(errOut.String(), " oops\n") || strings.Contains(out.String(), "two") {
		t.Errorf("logs --tail 2 -t: stdout %q, stderr %q", out.String(), errOut.String())
	}
}

// A create killed before its record is whole (kill -9 of `mini run -d` between state.json and
// config.json) leaves an ordinary stale run directory: Create holds the run's lock while it
// writes, so what it leaves has a lock file nobody holds, and the next run's sweep
// (state.Stale) finds it; a whole record is never stale.
func TestCh07KilledCreateIsSwept(t *testing.T) {
	e, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	whole, err := e.Create(Record{Name: "whole"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(whole.Dir(), "lock")); err != nil {
		t.Errorf("Create left no lock file: a killed create's directory would never be judged: %v", err)
	}
	// What a create killed half-way leaves: its lock released by the kernel, state.json
	// written, config.json only as a temporary file.
	id, err := newID()
	if err != nil {
		t.Fatal(err)
	}
	half, err := e.root.NewRunID(id)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := half.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(half.Path(stateFile), []byte(`{"Status":"created"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(half.Path(".tmp-config.json-1"), []byte(`{"ID":`), 0o600); err != nil {
		t.Fatal(err)
	}
	lock.Close()
	stale, err := state.Stale(e.root.Dir)
	if err != nil || len(stale) != 1 || stale[0] != half.Dir {
		t.Errorf("Stale = %v, %v; want only the half-created %s", stale, err, half.Dir)
	}
	if cs, err := e.List(); err != nil || len(cs) != 1 || cs[0].Name != "whole" {
		t.Errorf("List = %v, %v; want only the whole container", cs, err)
	}
}
