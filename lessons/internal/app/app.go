// Package app is the `lessons` command: the student's loop of list, show, check, hint, solution,
// reset, watch and doctor. Each command lives in its own file; the work is done by the packages
// beside this one.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/lessons/internal/check"
	"github.com/minikit/kit/lessons/internal/course"
	"github.com/minikit/kit/lessons/internal/progress"
	"github.com/minikit/kit/lessons/internal/term"
)

// Options are everything the command takes from its environment, so tests can give their own.
type Options struct {
	Args           []string // os.Args: the program name, then the arguments
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Dir            string // where to look for the repository when --repo is not given
	// IsTerminal reports whether a writer is a terminal; nil means term.IsTerminal.
	IsTerminal func(io.Writer) bool
	// Machine is passed to check.Options.Machine: whether the chapter's tests can run here.
	Machine func() error
	Go      string // the go command; "go" when empty
	// Self is how the student runs this tool, used in the commands it suggests.
	Self string
	// Poll is how often `watch` looks for saved files; 500ms when zero.
	Poll time.Duration
}

// Exit codes.
const (
	exitOK       = 0
	exitFail     = 1 // a check failed, or the command could not do what was asked
	exitNotReady = 2 // the machine cannot run the tests (check, watch)
)

// exitError carries an exit code. A nil err means the command has already said everything.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// fail returns an error that exits with code after the message (if any) has been printed.
func fail(code int, err error) error { return &exitError{code: code, err: err} }

// Run runs the command described by opts and returns its exit code.
func Run(ctx context.Context, opts Options) int {
	opts = withDefaults(opts)
	err := newApp(opts).RunContext(ctx, hoistFlags(opts.Args))
	if err == nil {
		return exitOK
	}
	code := exitFail
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		err = ee.err
	}
	var notReady *check.NotReadyError
	if errors.As(err, &notReady) {
		code = exitNotReady
	}
	if err != nil {
		fmt.Fprintln(opts.Stderr, "lessons: "+err.Error())
	}
	return code
}

func withDefaults(opts Options) Options {
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.IsTerminal == nil {
		opts.IsTerminal = term.IsTerminal
	}
	if len(opts.Args) == 0 {
		opts.Args = []string{"lessons"}
	}
	if opts.Self == "" {
		opts.Self = selfName(opts.Args[0])
	}
	if opts.Poll == 0 {
		opts.Poll = 500 * time.Millisecond
	}
	return opts
}

// selfName is how to run this tool again: `go run` builds it into a temporary go-build directory,
// and an installed binary goes by its own name.
func selfName(arg0 string) string {
	if strings.Contains(arg0, "go-build") {
		return "go run ./lessons"
	}
	return filepath.Base(arg0)
}

// session is one invocation: the options, the global flags, and the course they point at.
type session struct {
	Options
	st     *term.Style
	course *course.Course
	owner  *progress.Owner // who the files this tool writes belong to (under sudo: the student)
}

// action wraps a command's function so it gets a session.
func action(opts Options, f func(s *session, c *cli.Context) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		s, err := newSession(opts, c)
		if err != nil {
			return err
		}
		return f(s, c)
	}
}

func newSession(opts Options, c *cli.Context) (*session, error) {
	s := &session{Options: opts, owner: progress.SudoOwner(opts.Getenv, os.Geteuid())}
	s.st = term.NewStyle(term.WantColor(c.Bool("no-color"), opts.Getenv, opts.IsTerminal(opts.Stdout)))
	var err error
	if repo := c.String("repo"); repo != "" {
		s.course, err = course.Open(repo)
	} else {
		s.course, err = course.Find(opts.Dir)
	}
	return s, err
}

// load reads the progress file.
func (s *session) load() (*progress.Progress, error) { return progress.Load(s.course.Root) }

// save writes the progress file, owned by the student also under sudo.
func (s *session) save(p *progress.Progress) error { return p.Save(s.course.Root, s.owner) }

// printf writes to standard output. Errors writing to the terminal are not worth reporting.
func (s *session) printf(format string, args ...any) {
	fmt.Fprintf(s.Stdout, format, args...)
}

// cmd formats a command the student can run, e.g. "go run ./lessons hint 02.1".
func (s *session) cmd(args string) string {
	return s.st.Bold.Sprint(s.Self + " " + args)
}

// oneArg returns the command's single argument, or what to do about its absence.
func oneArg(c *cli.Context, what string) (string, error) {
	if c.NArg() != 1 {
		return "", fmt.Errorf("%s needs %s: usage: lessons %s %s", c.Command.Name, what, c.Command.Name, c.Command.ArgsUsage)
	}
	return c.Args().First(), nil
}
