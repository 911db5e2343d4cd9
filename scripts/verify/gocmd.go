package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/minikit/kit/scripts/testjson"
)

// goCmd runs the go command in a tree of the repository and returns its combined output.
func (v *verifier) goCmd(dir string, args ...string) (string, error) {
	cmd := v.command(dir, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// goTest runs go test -json in a tree and prints one progress line per package as it finishes.
// Tests that fail are not an error here; the returned run says which. -p 1 because the chapters'
// e2e tests compare the host's state before and after, so two packages must not change the host
// at the same time; -count=1 because a cached pass proves nothing about this machine.
func (v *verifier) goTest(dir string, args ...string) (*testjson.Run, error) {
	return v.goTestEnv(dir, nil, args...)
}

// goTestEnv is goTest with more environment variables.
func (v *verifier) goTestEnv(dir string, env []string, args ...string) (*testjson.Run, error) {
	args = append([]string{"test", "-json", "-count=1", "-p", "1", "-timeout", "30m"}, args...)
	cmd := v.command(dir, args...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = v.errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("go test: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("go test: %w", err)
	}
	run, readErr := testjson.Read(stdout,
		func(p *testjson.Package) { fmt.Fprintf(v.out, "    %s\n", p.Summary()) },
		func(line string) { fmt.Fprintf(v.out, "    %s\n", line) })
	waitErr := cmd.Wait()
	if readErr != nil {
		return run, readErr
	}
	var exit *exec.ExitError
	switch {
	case waitErr == nil:
	case !errors.As(waitErr, &exit):
		return run, fmt.Errorf("go test: %w", waitErr)
	case len(run.Packages()) == 0:
		// go test failed before any package ran (no module, a bad flag); its stderr says why.
		return run, fmt.Errorf("go test exited with status %d before running any package", exit.ExitCode())
	}
	return run, nil
}

// command prepares the go command in dir, relative to the repository unless absolute. GOWORK=off: each tree is a module of its own and must
// build without help from a workspace file somewhere above.
func (v *verifier) command(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join(v.repo, filepath.FromSlash(dir))
	if filepath.IsAbs(dir) {
		cmd.Dir = dir
	}
	cmd.Env = append(os.Environ(), "GOWORK=off")
	return cmd
}
