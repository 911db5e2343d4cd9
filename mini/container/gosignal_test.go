package container

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The init side's half of the config pipe, run in a child process (it reads fd 3, as mini init
// does): with the config read, it sets up, and it may only go on to the command once the host
// side says "go". Instead of a command it creates the file named in its config.
func init() {
	if os.Getenv("MINI_TEST_GO_HELPER") != "1" {
		return
	}
	errPipe := os.NewFile(errorFd, "error pipe")
	cfg, awaitGo, err := readConfig()
	if err == nil && strings.HasPrefix(cfg.ID, "fail:") {
		err = errors.New(cfg.ID) // a set-up step that fails before "go"
	}
	if err == nil {
		err = awaitGo()
	}
	if err != nil {
		os.Exit(report(errPipe, &StatusError{Status: StatusEngineError, Err: err}))
	}
	if err := os.WriteFile(cfg.ID, nil, 0o600); err != nil {
		os.Exit(report(errPipe, err))
	}
	os.Exit(0)
}

// goHelper starts the child above with its pipes, as startInit starts mini init.
func goHelper(t *testing.T) *initProcess {
	t.Helper()
	p := &initProcess{}
	configR, configW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.config, p.errs, p.childEnds = configW, errR, []*os.File{configR, errW}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), "MINI_TEST_GO_HELPER=1")
	p.cmd.ExtraFiles = []*os.File{configR, errW, os.Stderr}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, f := range p.childEnds {
		f.Close()
	}
	t.Cleanup(func() { p.kill() })
	return p
}

// TestCh00CommandRunsOnlyAfterGo: the config alone does not let the init side run the command;
// "go" does. If the host side's last step fails, the pipe closes without "go", and the init side
// gives up instead of running the command: it reports why on the error pipe.
func TestCh00CommandRunsOnlyAfterGo(t *testing.T) {
	dir := t.TempDir()

	ran := filepath.Join(dir, "ran")
	p := goHelper(t)
	if err := p.start(initConfig{ID: ran}, func() error { return nil }); err != nil {
		t.Fatalf("start: %v", err)
	}
	p.wait()
	if _, err := os.Stat(ran); err != nil {
		t.Errorf("after go, the command did not run: %v", err)
	}

	never := filepath.Join(dir, "never")
	p = goHelper(t)
	moveFailed := errors.New("the move into the cgroup failed")
	if err := p.start(initConfig{ID: never}, func() error { return moveFailed }); !errors.Is(err, moveFailed) {
		t.Fatalf("start = %v, want the failed step's error", err)
	}
	// The child reports on the error pipe that it gave up; start did not wait for that.
	data := make([]byte, 4096)
	n, _ := p.errs.Read(data)
	if !strings.Contains(string(data[:n]), "ended before it said go") {
		t.Errorf("want the init side to report that it got no go, got %q", data[:n])
	}
	p.wait()
	if _, err := os.Stat(never); err == nil {
		t.Error("the command ran although the host side never said go")
	}

	// A set-up step of the init side fails while the host side finishes: the init side reports
	// and exits, and start gives its reason, not the broken pipe that "go" then meets.
	p = goHelper(t)
	slow := func() error { time.Sleep(100 * time.Millisecond); return nil }
	if err := p.start(initConfig{ID: "fail: a set-up step"}, slow); err == nil || !strings.Contains(err.Error(), "a set-up step") {
		t.Errorf("start = %v, want the init side's reason", err)
	}
}
