package app

import (
	"errors"
	"fmt"
	"os/exec"

	"github.com/urfave/cli/v2"
)

// doctor runs the engine's own `mini doctor` from the repository root and passes on its output and
// its exit code.
func doctor(s *session, c *cli.Context) error {
	goCmd := s.Go
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(c.Context, goCmd, "run", "./mini/cmd/mini", "doctor")
	cmd.Dir = s.course.Root
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.Stdin, s.Stdout, s.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fail(exit.ExitCode(), nil)
	}
	if err != nil {
		return fmt.Errorf("run `go run ./mini/cmd/mini doctor`: %w", err)
	}
	return nil
}
