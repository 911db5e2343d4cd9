// Package check builds a student's exercise tree, runs its chapter's tests and judges every step from
// the per-test results of `go test -json`.
package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/minikit/kit/lessons/internal/course"
	"github.com/minikit/kit/lessons/internal/gotest"
)

// Options say how to run a check.
type Options struct {
	Go string // the go command; "go" when empty
	// Machine reports whether this machine can run the chapter's tests (the engine's tests need
	// root). nil means every machine can; tests pass nil to run the fixture chapters unprivileged.
	Machine func() error
	// OnTest, if not nil, is called as each test ends.
	OnTest func(gotest.Result)
	// Step, if not empty, checks only that step of the chapter ("03.1"): its tests alone run,
	// and the report judges it alone.
	Step string
}

// NotReadyError means the tests cannot run on this machine; nothing was built or run.
type NotReadyError struct{ Err error }

func (e *NotReadyError) Error() string { return "the machine is not ready: " + e.Err.Error() }
func (e *NotReadyError) Unwrap() error { return e.Err }

// RequireRoot is the Machine check of the real engine: its tests create namespaces, mounts and
// cgroups, which only root may do.
func RequireRoot() error {
	if os.Geteuid() != 0 {
		return errors.New("run as root (sudo)")
	}
	return nil
}

// Run checks one chapter of the course. The error is about the check itself (a *NotReadyError, or
// go that could not be started); a failing exercise is reported in the Report.
func Run(ctx context.Context, c *course.Course, ch *course.Chapter, opts Options) (*Report, error) {
	if opts.Machine != nil {
		if err := opts.Machine(); err != nil {
			return nil, &NotReadyError{Err: err}
		}
	}
	goCmd := opts.Go
	if goCmd == "" {
		goCmd = "go"
	}
	dir := c.ExerciseDir(ch)
	rep := &Report{Chapter: ch, Dir: dir, Started: time.Now()}
	pattern := "^TestCh" + ch.Num
	if opts.Step != "" {
		one := *ch
		one.Steps = nil
		for _, s := range ch.Steps {
			if s.ID == opts.Step {
				one.Steps = append(one.Steps, s)
			}
		}
		if len(one.Steps) != 1 {
			return nil, fmt.Errorf("step %s is not a step of chapter %s", opts.Step, ch.Num)
		}
		_, n, _ := strings.Cut(opts.Step, ".")
		// The step number followed by a non-digit or nothing: step 1 is not step 10.
		pattern = fmt.Sprintf("^TestCh%sStep%s([^0-9]|$)", ch.Num, n)
		rep.Chapter, rep.Step = &one, opts.Step
	}

	build, buildErr := command(ctx, goCmd, dir, "build", "./...").CombinedOutput()
	if buildErr != nil {
		if !isExit(buildErr) {
			return nil, fmt.Errorf("build %s: %w", c.Rel(dir), buildErr)
		}
		rep.BuildFailed = true
		rep.BuildOutput = string(build)
		rep.Compile = relativeTo(dir, gotest.CompileErrors(rep.BuildOutput))
	}

	test := command(ctx, goCmd, dir, "test", "-json", "-count=1", "-run", pattern, "./...")
	var stderr bytes.Buffer
	test.Stderr = &stderr
	stdout, err := test.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("run the tests of chapter %s: %w", ch.Num, err)
	}
	if err := test.Start(); err != nil {
		return nil, fmt.Errorf("run the tests of chapter %s: %w", ch.Num, err)
	}
	run, readErr := gotest.Read(stdout, opts.OnTest)
	waitErr := test.Wait()
	if readErr != nil {
		return nil, readErr
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("run the tests of chapter %s: %w", ch.Num, ctx.Err())
	}
	if waitErr != nil && !isExit(waitErr) {
		return nil, fmt.Errorf("run the tests of chapter %s: %w", ch.Num, waitErr)
	}
	if s := stderr.String(); s != "" && waitErr != nil {
		run.FailedPackages[""] += s
	}
	rep.judge(run, waitErr == nil)
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
}

// command runs go in dir. Cancelling ctx interrupts it (as Ctrl-C would) so that the engine's tests
// get to clean up their mounts and cgroups, and kills it only if it does not stop.
func command(ctx context.Context, goCmd, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	return cmd
}

func isExit(err error) bool {
	var exit *exec.ExitError
	return errors.As(err, &exit)
}

// relativeTo makes compile errors' file names relative to the exercise directory, as steps.json
// names them.
func relativeTo(dir string, errs []gotest.CompileError) []gotest.CompileError {
	for i, e := range errs {
		path := e.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		if rel, err := filepath.Rel(dir, path); err == nil {
			errs[i].File = filepath.ToSlash(rel)
		}
	}
	return errs
}
