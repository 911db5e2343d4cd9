// Command mini is the Mini container engine's command line.
//
//	mini run [flags] [--] COMMAND [ARG...]   run a command in a container
//	mini doctor                              is this host ready to run containers?
//
// mini writes nothing to stdout of its own: stdout belongs to the container's command. Its own
// messages, and the --explain narration, go to stderr.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/container"
	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/state"
	"github.com/minikit/kit/mini/tty"
)

func main() {
	// The init side: Mini re-executed itself as the container's init process. It must not parse
	// flags or print anything; it reads its orders from fd 3.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		// The init side stays on one thread from start to exec: the parent-death signal it sets
		// belongs to a thread, and exec keeps only the exec'ing thread's (see dieWithParent).
		runtime.LockOSThread()
		os.Exit(container.Init())
	}
	//mini:begin 07
	// The exec helper (container.Exec): the same binary, joining a running container.
	if len(os.Args) > 1 && os.Args[1] == "exec-init" {
		runtime.LockOSThread()
		os.Exit(container.ExecInit())
	}
	//mini:end 07
	// Mini's stderr may be a pipe that its reader closes early (`mini run --explain ... 2>&1 |
	// head`). A Go program that writes to a closed stdout or stderr dies of SIGPIPE by default:
	// in the middle of a set-up or a teardown, leaving the bridge, the rules and the run
	// directory behind. Asked for, the signal only turns the write into an EPIPE error, which the
	// narration ignores. (The command still gets the default: handlers do not survive an exec.)
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	app := newApp()
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintf(os.Stderr, "mini: %s\n", oneLine(err))
		os.Exit(container.Status(err))
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:                   "mini",
		Usage:                  "a container engine you build one mechanism at a time",
		HideVersion:            true,
		UseShortOptionHandling: true,
		// A repeated flag is a list (-p 80:80 -p 53:53/udp); a comma inside one value is part of
		// it (--change 'CMD ["sh", "-c", "x"]'), as in Docker.
		DisableSliceFlagSeparator: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Value: state.DefaultRoot, Usage: "the state root: where runs, layers and images are kept", EnvVars: []string{"MINI_ROOT"}},
			&cli.BoolFlag{Name: "no-color", Usage: "plain text, no colour (NO_COLOR in the environment does the same)"},
			//mini:begin 06
			&cli.StringFlag{Name: "config", Usage: "Mini's config file (default: <root>/config.json, else /etc/mini/config.json)"},
			//mini:end 06
		},
		Commands: []*cli.Command{
			runCommand(),
			doctorCommand(),
			//mini:begin 06
			pullCommand(), loginCommand(), logoutCommand(), searchCommand(),
			imageCommand(), imagesCommand("images"), tagCommand("tag"), rmiCommand("rmi"), historyCommand("history"),
			saveCommand(), loadCommand(), importCommand(), pushCommand(),
			//mini:end 06
			//mini:begin 07
			createCommand(), startCommand(), psCommand(), logsCommand(), stopCommand(), killCommand(),
			restartCommand(), rmCommand(), inspectCommand(), waitCommand(), renameCommand(),
			containerCommand(), monitorCommand(), execCommand(), volumeCommand(), topCommand(), statsCommand(), attachCommand(),
			diffCommand(), exportCommand(), commitCommand(), cpCommand(),
			networkCommand(), systemCommand(),
			uiCommand(),
			//mini:end 07
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("unknown command %q: see mini --help", c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
		// A bad flag is Mini's own error: one line, exit 125, no page of usage.
		OnUsageError: usageError,
	}
}

func usageError(c *cli.Context, err error, _ bool) error {
	return fmt.Errorf("%v (see: mini %s --help)", err, c.Command.Name)
}

// useColor decides whether output to f may be coloured: never with --no-color or NO_COLOR,
// never when f is not a terminal (a pipe, a file, a CI log).
func useColor(c *cli.Context, f *os.File) bool {
	if c.Bool("no-color") || os.Getenv("NO_COLOR") != "" {
		return false
	}
	return tty.IsTerminal(f.Fd())
}

// oneLine keeps an error message on one line, however many errors were joined into it.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// narrator returns the --explain narrator, or nil.
func narrator(c *cli.Context) *explain.Narrator {
	if !c.Bool("explain") {
		return nil
	}
	return explain.New(os.Stderr, useColor(c, os.Stderr))
}
