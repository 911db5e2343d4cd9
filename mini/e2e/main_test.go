// Package e2e tests Mini from the outside, the way a student uses it: it builds the mini binary,
// runs it as root against the kit's busybox root filesystem, and looks at what it did through
// the exit status, the output, /proc and the cgroup filesystem.
//
// TestMain also compares the host before and after the whole run (mounts, Mini's cgroups,
// network links and namespaces, iptables rules, leftover processes) and fails on any difference:
// a container engine that leaks is broken even when every test passed.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	//mini:begin 07
	"regexp"
	//mini:end 07
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// harness is what TestMain prepares once for every test.
type harness struct {
	repo   string // the Mini repository (where rootfs/build.sh is)
	bin    string // the freshly built mini binary
	rootfs string // the kit's busybox root filesystem
	err    error  // why the harness could not be prepared
}

// h is set once by TestMain before any test runs, and only read afterwards.
var h harness

// parents counts cgroup parent names, so that each test gets its own.
var parents atomic.Int64

func TestMain(m *testing.M) {
	os.Exit(runAll(m))
}

func runAll(m *testing.M) int {
	if os.Geteuid() != 0 {
		return m.Run() // every test skips, saying why
	}
	tmp, err := os.MkdirTemp("", "mini-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	h = prepare(tmp)
	before := snapshotHost()
	code := m.Run()
	after := snapshotHost()
	if diff := cmp.Diff(before, after); diff != "" {
		fmt.Fprintf(os.Stderr, "FAIL: the tests left the host changed (-before +after):\n%s", diff)
		code = 1
	}
	return code
}

// prepare builds the rootfs (if needed) and the mini binary. MINI_E2E_BIN and MINI_E2E_ROOTFS
// name a prebuilt binary and root filesystem instead: scripts/vm/test runs this test binary in a
// VM that has neither Go nor the repository.
func prepare(tmp string) harness {
	var hs harness
	if bin, rootfs := os.Getenv("MINI_E2E_BIN"), os.Getenv("MINI_E2E_ROOTFS"); bin != "" || rootfs != "" {
		if bin == "" || rootfs == "" {
			hs.err = fmt.Errorf("set both MINI_E2E_BIN and MINI_E2E_ROOTFS, or neither (got %q and %q)", bin, rootfs)
		}
		hs.bin, hs.rootfs = bin, rootfs
		return hs
	}
	wd, err := os.Getwd()
	if err != nil {
		hs.err = err
		return hs
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "rootfs", "build.sh")); err == nil {
			hs.repo = dir
			break
		}
		if dir == filepath.Dir(dir) {
			hs.err = fmt.Errorf("cannot find the Mini repository (rootfs/build.sh) above %s", wd)
			return hs
		}
	}
	build := exec.Command("bash", filepath.Join(hs.repo, "rootfs", "build.sh"))
	if out, err := build.CombinedOutput(); err != nil {
		hs.err = fmt.Errorf("build the busybox rootfs: %v\n%s", err, out)
		return hs
	}
	hs.rootfs = filepath.Join(hs.repo, "rootfs", "build", "busybox")
	hs.bin = filepath.Join(tmp, "mini")
	// Build the engine of *this* module: in chapters/NN-slug the same import path is that
	// chapter's engine.
	gobuild := exec.Command("go", "build", "-o", hs.bin, "github.com/minikit/kit/mini/cmd/mini")
	// Static, as the Makefile and scripts/demo build it (docs/performance.md: no dynamic loader
	// to run in each of the three processes of a run).
	gobuild.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := gobuild.CombinedOutput(); err != nil {
		hs.err = fmt.Errorf("build mini: %v\n%s", err, out)
	}
	//mini:begin 07
	// The monitor's shim, beside mini, where the monitor looks for it (engine/shim.go).
	gobuild = exec.Command("go", "build", "-o", filepath.Join(tmp, "mini-shim"), "github.com/minikit/kit/mini/cmd/mini-shim")
	gobuild.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := gobuild.CombinedOutput(); err != nil && hs.err == nil {
		hs.err = fmt.Errorf("build mini-shim: %v\n%s", err, out)
	}
	//mini:end 07
	return hs
}

// needRoot skips the test when not root, and fails it when the harness is broken.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the engine creates namespaces, mounts and cgroups; run the tests with sudo")
	}
	if h.err != nil {
		t.Fatalf("test set-up failed: %v", h.err)
	}
}

// env is one test's private world: its own state root and cgroup parent.
type env struct {
	t      *testing.T
	root   string // --root
	parent string // Mini's cgroup parent for this test
	extra  []string
}

// newEnv gives the test its own state root and cgroup parent name, and checks when the test
// ends that Mini left no run directory behind.
func newEnv(t *testing.T) *env {
	t.Helper()
	needRoot(t)
	e := &env{t: t, root: t.TempDir(), parent: fmt.Sprintf("mini-test-%d-%d", os.Getpid(), parents.Add(1))}
	t.Cleanup(func() {
		entries, _ := os.ReadDir(filepath.Join(e.root, "containers"))
		for _, d := range entries {
			// What it holds says which step made it and which teardown did not run.
			var held []string
			filepath.WalkDir(filepath.Join(e.root, "containers", d.Name()), func(p string, _ os.DirEntry, _ error) error {
				held = append(held, strings.TrimPrefix(p, filepath.Join(e.root, "containers", d.Name())))
				return nil
			})
			t.Errorf("run directory left behind: %s, holding %q", filepath.Join(e.root, "containers", d.Name()), held)
		}
	})
	//mini:begin 07
	// From chapter 07 on, networks outlive their containers: the test's go when it ends (after
	// its containers, whose cleanups run first).
	t.Cleanup(e.resetNetworks)
	//mini:end 07
	return e
}

// result is what one mini command did.
type result struct {
	Stdout, Stderr string
	Status         int
}

func (r result) String() string {
	return fmt.Sprintf("status %d\nstdout: %q\nstderr: %q", r.Status, r.Stdout, r.Stderr)
}

// mini runs the mini binary with args and waits for it (at most two minutes: a hung container
// must not hang the suite; this is a safety net, not a timing assertion).
func (e *env) mini(args ...string) result {
	e.t.Helper()
	return e.miniIn(nil, args...)
}

// miniIn is mini with stdin.
func (e *env) miniIn(stdin io.Reader, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := e.command(ctx, args...)
	cmd.Stdin = stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{Stdout: out.String(), Stderr: errOut.String(), Status: cmd.ProcessState.ExitCode()}
	if err != nil && cmd.ProcessState == nil {
		e.t.Fatalf("run mini %v: %v", args, err)
	}
	if ctx.Err() != nil {
		e.t.Fatalf("mini %v did not finish within two minutes:\n%s", args, r)
	}
	return r
}

// command is the exec.Cmd of one mini invocation, with this test's root, rootfs and cgroup
// parent passed through the environment (so that chapter 00's binary, which has none of those
// flags yet, runs the same tests).
func (e *env) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, h.bin, args...)
	// When the test ends early (t.Fatal, a timeout), kill the container, not mini: mini then sees
	// its command die and tears down what it set up, as it would for any run. Killing mini
	// itself would leave its cgroup, network and rules behind. Mini is killed only if it does not
	// end by itself in time.
	cmd.Cancel = func() error {
		killChildren(cmd.Process.Pid)
		return nil
	}
	cmd.WaitDelay = 30 * time.Second
	cmd.Env = append(os.Environ(),
		"MINI_ROOT="+e.root,
		"MINI_ROOTFS="+h.rootfs,
		"MINI_CGROUP_PARENT="+e.parent,
		"NO_COLOR=1",
		// Network safety: no test may send traffic off this machine. Should a command reach for
		// a registry that is not the test's own (a bug, or an image name that is not one), the
		// request goes to a proxy on a closed loopback port and fails at once, with no DNS
		// look-up. Loopback addresses, where the tests' registries listen, are never proxied.
		"HTTPS_PROXY=http://127.0.0.1:9",
		"HTTP_PROXY=http://127.0.0.1:9",
	)
	//mini:begin 07
	// Chapters 00-06 test `mini run` as chapter 00 made it: mini is the container's parent, and
	// nothing is kept. From chapter 07 on, run goes through a monitor and leaves a record; their
	// tests ask for the earlier run, which stays as --monitor=false.
	if e.t != nil && earlierChapter.MatchString(e.t.Name()) {
		cmd.Env = append(cmd.Env, "MINI_MONITOR=false")
	}
	//mini:end 07
	cmd.Env = append(cmd.Env, e.extra...)
	return cmd
}

//mini:begin 07

// earlierChapter matches the names of chapters 00-06's tests.
var earlierChapter = regexp.MustCompile(`^TestCh0[0-6]`)

//mini:end 07

// killChildren sends SIGKILL to every child of process pid.
func killChildren(pid int) {
	for _, child := range children(pid) {
		syscall.Kill(child, syscall.SIGKILL)
	}
}

// children lists the child processes of pid, from /proc/<pid>/task/*/children (proc(5)).
func children(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "children"))
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		for _, c := range strings.Fields(string(data)) {
			if child, err := strconv.Atoi(c); err == nil {
				out = append(out, child)
			}
		}
	}
	return out
}

// copyRootfs gives the test a private copy of the kit's busybox rootfs, named name in a
// temporary directory: for tests that change the root filesystem or check it is never written.
func copyRootfs(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("cp", "-a", h.rootfs, dir).CombinedOutput(); err != nil {
		t.Fatalf("copy the rootfs: %v\n%s", err, out)
	}
	return dir
}

// expect fails the test unless r has the status and its stdout is want.
func expect(t *testing.T, r result, status int, stdout string) {
	t.Helper()
	if r.Status != status || r.Stdout != stdout {
		t.Fatalf("want status %d and stdout %q, got:\n%s", status, stdout, r)
	}
}

// expectError fails the test unless r failed with status and a one-line message on stderr that
// contains every one of parts.
func expectError(t *testing.T, r result, status int, parts ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want status %d, got:\n%s", status, r)
	}
	msg := strings.TrimSpace(r.Stderr)
	if strings.Count(msg, "\n") > 0 || !strings.HasPrefix(msg, "mini: ") {
		t.Errorf("want one line starting with \"mini: \" on stderr, got %q", r.Stderr)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("stderr %q does not say %q", msg, p)
		}
	}
}
