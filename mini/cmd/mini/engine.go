//mini:chapter 07

package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/container"
	"github.com/minikit/kit/mini/engine"
	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/tty"
	"github.com/minikit/kit/mini/volume"
)

// engineFlags are the flags of `run` and `create` that only a container record has.
func engineFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "name", Usage: "the container's name (default: a random one)"},
		&cli.StringFlag{Name: "restart", Value: "no", Usage: "restart policy: no, on-failure[:N], always, unless-stopped"},
		&cli.StringFlag{Name: "stop-signal", Value: "SIGTERM", Usage: "the signal `mini stop` sends first"},
		&cli.IntFlag{Name: "stop-timeout", Value: 10, Usage: "seconds `mini stop` waits before SIGKILL"},
		&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set an environment variable: NAME=VALUE (or NAME: take it from Mini's environment)"},
		&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "the command's working directory in the container"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as user[:group] (name or number)"},
		&cli.StringSliceFlag{Name: "env-file", Usage: "read environment variables from a file: NAME=VALUE lines, # comments"},
		&cli.StringFlag{Name: "entrypoint", Usage: "the program to run instead of the image's entrypoint"},
		&cli.BoolFlag{Name: "init", Usage: "run a small reaper as PID 1 that forks the command and collects orphaned processes"},
		&cli.StringSliceFlag{Name: "volume", Aliases: []string{"v"}, Usage: "mount a host path or a volume: HOST-PATH:CTR-PATH[:ro], VOLUME:CTR-PATH[:ro], or CTR-PATH for an anonymous volume"},
	}
}

// runFlags are `run`'s own: what to do after create.
func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "run in the background and print the container's ID"},
		&cli.BoolFlag{Name: "rm", Usage: "remove the container when it ends"},
		&cli.BoolFlag{Name: "monitor", Value: true, EnvVars: []string{"MINI_MONITOR"},
			Usage: "run through a monitor, with a record (false: chapter 00's run, where mini is the container's parent, its death stops the container and nothing is kept)"},
	}
}

// applyEngineFlags adds -e, -w and -u to the request.
func applyEngineFlags(c *cli.Context, cfg *container.Config) error {
	envs, err := envFiles(c.StringSlice("env-file"))
	if err != nil {
		return err
	}
	for _, kv := range append(envs, c.StringSlice("env")...) {
		if kv == "" || kv[0] == '=' {
			return fmt.Errorf("invalid -e %q: give NAME=VALUE", kv)
		}
		if !containsByte(kv, '=') {
			v, ok := os.LookupEnv(kv)
			if !ok {
				continue // Docker drops a NAME that Mini's environment does not have
			}
			kv += "=" + v
		}
		if len(cfg.Env) == 0 {
			cfg.Env = append([]string{}, container.DefaultEnv...)
		}
		cfg.Env = append(cfg.Env, kv)
	}
	if w := c.String("workdir"); w != "" {
		if w[0] != '/' {
			return fmt.Errorf("invalid -w %q: the working directory must be an absolute path in the container", w)
		}
		cfg.WorkDir = w
	}
	if u := c.String("user"); u != "" {
		cfg.User = u
	}
	if specs := c.StringSlice("volume"); len(specs) > 0 {
		var mounts []volume.Mount
		for _, spec := range specs {
			m, err := volume.Parse(spec)
			if err != nil {
				return err
			}
			mounts = append(mounts, m)
		}
		store, err := volume.Open(c.String("root"))
		if err != nil {
			return err
		}
		for _, m := range mounts {
			m, err := store.Resolve(m)
			if err != nil {
				return err
			}
			cfg.Volumes = append(cfg.Volumes, m)
		}
	}
	return nil
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// newRecord turns `run`'s and `create`'s flags into a container record.
func newRecord(c *cli.Context, cfg container.Config) (engine.Record, error) {
	r := engine.Record{Name: c.String("name"), AutoRemove: c.Bool("rm"),
		StopSignal: c.String("stop-signal"), StopTimeout: c.Int("stop-timeout"), Ports: c.StringSlice("publish")}
	var err error
	if r.Restart, err = engine.ParseRestart(c.String("restart")); err != nil {
		return r, err
	}
	if r.AutoRemove && r.Restart.Name != "no" {
		return r, errors.New("--rm and --restart cannot go together: a container removed when it ends cannot be restarted")
	}
	if _, err := engine.ParseSignal(r.StopSignal); err != nil {
		return r, fmt.Errorf("--stop-signal: %w", err)
	}
	if r.StopTimeout < 0 {
		return r, errors.New("--stop-timeout must be 0 or more seconds")
	}
	if imageMode(c) {
		store, err := image.Open(c.String("root"))
		if err != nil {
			return r, err
		}
		defer store.Close()
		img, err := store.Resolve(c.Args().First())
		if err != nil {
			return r, err
		}
		r.Image, r.ImageID = c.Args().First(), img.ID.String()
	} else {
		r.Image = cfg.Rootfs
	}
	cfg.Stdin, cfg.Stdout, cfg.Stderr, cfg.Explain = nil, nil, nil, nil
	r.Config = cfg
	return r, nil
}

// createRecord is `mini create` and the first half of `mini run`.
func createRecord(c *cli.Context) (*engine.Engine, *engine.Container, error) {
	cfg, done, err := config(c)
	if err != nil {
		return nil, nil, err
	}
	// The image's lease (image.Lease) is held until the record is written: rmi refuses a leased
	// image, and from then on it finds the record. So no rmi comes between the two.
	defer done()
	if err := applyEngineFlags(c, &cfg); err != nil {
		return nil, nil, err
	}
	r, err := newRecord(c, cfg)
	if err != nil {
		return nil, nil, err
	}
	e, err := engine.Open(c.String("root"))
	if err != nil {
		return nil, nil, err
	}
	ctr, err := e.Create(r)
	return e, ctr, err
}

func createCommand() *cli.Command {
	cmd := runCommand()
	cmd.Name, cmd.Usage = "create", "create a container (start it with mini start)"
	// run's flags, but -d and --monitor: a created container does not run yet.
	cmd.Flags = nil
	for _, f := range runCommand().Flags {
		if n := f.Names()[0]; n != "detach" && n != "monitor" {
			cmd.Flags = append(cmd.Flags, f)
		}
	}
	cmd.Action = func(c *cli.Context) error {
		_, ctr, err := createRecord(c)
		if err != nil {
			return err
		}
		fmt.Println(ctr.ID)
		return nil
	}
	return cmd
}

// runRecord is `mini run` from chapter 07 on: create, start, and, without -d, stay attached
// (the log followed, or the terminal) until the container ends.
func runRecord(c *cli.Context) error {
	foregroundTTY := c.Bool("tty") && !c.Bool("detach")
	if foregroundTTY && c.Bool("interactive") && !tty.IsTerminal(os.Stdin.Fd()) {
		return errNotATerminal
	}
	e, ctr, err := createRecord(c)
	if err != nil {
		return err
	}
	offset := ctr.LogSize()
	var wait func() (int, error)
	if c.Bool("detach") {
		err = e.Start(ctr, explainOptions(c, startOptions()))
	} else {
		wait, err = e.StartAttached(ctr, explainOptions(c, startOptions()))
	}
	if err != nil {
		if ctr.AutoRemove {
			if again, lerr := e.Lookup(ctr.ID); lerr == nil {
				err = errors.Join(err, e.Remove(again, engine.RemoveOptions{Force: true}))
			}
		}
		return err
	}
	if c.Bool("detach") {
		fmt.Println(ctr.ID)
		return nil
	}
	return attach(e, ctr, offset, wait)
}

// attach follows the container's output from offset until it ends, with stdin sent to it for a
// container created with -i, and returns its exit status as the command's. wait is
// StartAttached's, or nil for a container this command did not start (`mini attach`).
func attach(e *engine.Engine, ctr *engine.Container, offset int64, wait func() (int, error)) error {
	since := time.Now()
	// The monitor's exit report comes once all output is written: the log need not be
	// followed past it.
	ended := make(chan struct{})
	if wait != nil {
		fromMonitor, status, werr := wait, 0, error(nil)
		go func() {
			status, werr = fromMonitor()
			close(ended)
		}()
		wait = func() (int, error) {
			<-ended
			return status, werr
		}
	}
	if ctr.Config.TTY {
		return attachTerminal(e, ctr, since, wait)
	}
	// The signals this command gets go to the container's command, as chapter 00's run passes
	// them on (^C included): the container is not this command's child, so the kernel would
	// not. Without -t only; with -t, ^C is a key the container's terminal turns into SIGINT.
	proxy := make(chan os.Signal, 8)
	signal.Notify(proxy, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(proxy)
	go func() {
		interrupts := 0
		for sig := range proxy {
			again, err := e.Lookup(ctr.ID) // its PID now
			if err != nil {
				continue
			}
			if sig == syscall.SIGINT {
				interrupts++
			}
			if interrupts == 3 {
				// PID 1 of a namespace gets only the signals it has a handler for.
				fmt.Fprintln(os.Stderr, "mini: 3 interrupts: killing the container (PID 1 ignores signals it has no handler for)")
				e.Kill(again, syscall.SIGKILL)
				continue
			}
			again.Signal(sig.(syscall.Signal))
		}
	}()
	if ctr.Config.Interactive {
		go func() {
			if err := ctr.AttachStdin(os.Stdin); err != nil {
				// A command that ended before it was given its input needs none: say nothing.
				if again, lerr := e.Lookup(ctr.ID); lerr == nil && again.MonitorAlive() {
					fmt.Fprintf(os.Stderr, "mini: %s\n", oneLine(err))
				}
			}
		}()
	}
	if err := ctr.Logs(os.Stdout, os.Stderr, engine.LogOptions{Follow: true, Tail: -1, Offset: offset, Until: ended}); err != nil {
		return err
	}
	return exitStatus(e, ctr, since, wait)
}

// exitStatus returns the ended container's exit status as this command's: from the monitor
// that this command started (wait: the only source once a --rm container's record is gone), or
// from the record, once the monitor has written it down there (a run that a restart policy
// follows with another ends this command, as Docker's does).
func exitStatus(e *engine.Engine, ctr *engine.Container, since time.Time, wait func() (int, error)) error {
	exit := func(status int, why error) error {
		if why != nil {
			return why // the status, with what the monitor knows of why (the memory limit)
		}
		if status != 0 {
			return cli.Exit("", status)
		}
		return nil
	}
	type report struct {
		status int
		why    error
	}
	fromMonitor := make(chan report, 1) // closed with no value when the monitor has none for us
	go func() {
		if wait != nil {
			status, err := wait()
			var serr *container.StatusError
			if errors.As(err, &serr) {
				fromMonitor <- report{status, serr}
			} else if err == nil {
				fromMonitor <- report{status, nil}
			}
		}
		close(fromMonitor)
	}()
	for {
		select {
		case r, ok := <-fromMonitor:
			if ok {
				return exit(r.status, r.why)
			}
			fromMonitor = nil // none: the record will say
		default:
		}
		// Whether the monitor is gone, then the state: a monitor that is gone has written its
		// last state (the other order could read the state just before it did).
		alive := ctr.MonitorAlive()
		again, err := e.Lookup(ctr.ID)
		if err != nil {
			// --rm: the record is gone, and a monitor of ours wrote the status before that.
			if fromMonitor != nil {
				if r, ok := <-fromMonitor; ok {
					return exit(r.status, r.why)
				}
			}
			return nil
		}
		if again.State.FinishedAt.After(since) || !alive {
			return exit(again.State.ExitCode, nil)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// errNotATerminal: -it attaches the user's terminal, raw, to the container's; a pipe is not one.
var errNotATerminal = errors.New("the input device is not a TTY: drop -t to pipe stdin into the command, or run from a terminal")

// attachTerminal connects this terminal to the container's (-t) until the command ends, or
// until Ctrl-P Ctrl-Q detaches, and returns the command's exit status as the command's.
func attachTerminal(e *engine.Engine, ctr *engine.Container, since time.Time, wait func() (int, error)) error {
	if ctr.Config.Interactive && !tty.IsTerminal(os.Stdin.Fd()) {
		return errNotATerminal
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	detached, err := ctr.AttachTerminal(os.Stdin, os.Stdout, winch)
	if err != nil {
		return err
	}
	if detached {
		fmt.Fprintf(os.Stderr, "\r\nmini: detached from %s, which runs on: mini attach %s\n", ctr.Name, ctr.Name)
		return nil
	}
	// The output ended with the command; its monitor has the exit status right after.
	return exitStatus(e, ctr, since, wait)
}

// startOptions: the monitor is this very binary.
func startOptions() engine.StartOptions {
	exe, err := os.Executable()
	if err != nil {
		exe = "/proc/self/exe"
	}
	return engine.StartOptions{Exe: exe, Env: []string{"PATH=" + os.Getenv("PATH")}}
}

// explainOptions adds --explain to o: the monitor narrates on this command's stderr.
func explainOptions(c *cli.Context, o engine.StartOptions) engine.StartOptions {
	if c.Bool("explain") {
		o.Explain, o.Color = os.Stderr, useColor(c, os.Stderr)
	}
	return o
}

// monitorCommand is the hidden `mini monitor ID`: the container's monitor (engine.Monitor).
func monitorCommand() *cli.Command {
	return &cli.Command{
		Name:   "monitor",
		Hidden: true,
		Action: func(c *cli.Context) error {
			e, err := engine.Open(c.String("root"))
			if err != nil {
				return err
			}
			if c.IsSet("exited") {
				// Exec'ed by the shim (cmd/mini-shim): the command has ended.
				return e.MonitorExited(c.Args().First(), c.Int("lock-fd"), c.Int("exited"))
			}
			ready, exit, narration := engine.MonitorFiles(c.Bool("attach"), c.Bool("explain"))
			return e.Monitor(c.Args().First(), ready, exit, engine.MonitorOptions{Explain: narration, Color: c.Bool("color")})
		},
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "attach", Usage: "the starting command stays attached: keep a terminal's first output for it, and write the exit status on fd 4"},
			&cli.BoolFlag{Name: "explain", Usage: "narrate the first run on fd 5 (the starting command's stderr)"},
			&cli.BoolFlag{Name: "color", Usage: "narrate in colour"},
			&cli.IntFlag{Name: "exited", Usage: "the command has ended with this status: tear down, then the restart policy (from mini-shim)"},
			&cli.IntFlag{Name: "lock-fd", Usage: "with --exited: the monitor's lock, inherited open"},
		},
	}
}

// lookup finds the containers named by the arguments.
func lookup(c *cli.Context, min int) (*engine.Engine, []*engine.Container, error) {
	if c.NArg() < min {
		return nil, nil, fmt.Errorf("mini %s needs a container: mini %s CONTAINER", c.Command.Name, c.Command.Name)
	}
	e, err := engine.Open(c.String("root"))
	if err != nil {
		return nil, nil, err
	}
	var cs []*engine.Container
	for _, ref := range c.Args().Slice() {
		ctr, err := e.Lookup(ref)
		if err != nil {
			return nil, nil, notFound(err)
		}
		cs = append(cs, ctr)
	}
	return e, cs, nil
}

// allContainers opens the engine and lists every container record, newest first.
func allContainers(c *cli.Context) (*engine.Engine, []*engine.Container, error) {
	e, err := engine.Open(c.String("root"))
	if err != nil {
		return nil, nil, err
	}
	cs, err := e.List()
	if err != nil {
		return nil, nil, err
	}
	return e, cs, nil
}

// findContainer opens the engine and finds one container by name or ID prefix.
func findContainer(c *cli.Context, ref string) (*engine.Engine, *engine.Container, error) {
	e, err := engine.Open(c.String("root"))
	if err != nil {
		return nil, nil, err
	}
	ctr, err := e.Lookup(ref)
	if err != nil {
		return nil, nil, notFound(err)
	}
	return e, ctr, nil
}

// notFound gives "no such container" Docker's exit status, 1.
func notFound(err error) error {
	var nf *engine.NotFoundError
	if errors.As(err, &nf) {
		return &container.StatusError{Status: 1, Err: err}
	}
	return err
}

// each runs do for every named container, reporting each failure on its own line, as Docker
// does for `stop a b c`; the status is 1 if any failed.
func each(c *cli.Context, do func(e *engine.Engine, ctr *engine.Container) error) error {
	if c.NArg() == 0 {
		return fmt.Errorf("mini %s needs a container: mini %s CONTAINER...", c.Command.Name, c.Command.Name)
	}
	e, err := engine.Open(c.String("root"))
	if err != nil {
		return err
	}
	failed := false
	for _, ref := range c.Args().Slice() {
		ctr, err := e.Lookup(ref)
		if err == nil {
			err = do(e, ctr)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "mini: %s\n", oneLine(err))
			failed = true
			continue
		}
		fmt.Println(ref)
	}
	if failed {
		return cli.Exit("", 1)
	}
	return nil
}

func startCommand() *cli.Command {
	return &cli.Command{
		Name: "start", Usage: "start stopped containers", ArgsUsage: "CONTAINER...",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "attach", Aliases: []string{"a"}, Usage: "follow the container's output until it ends, and exit with its status"},
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "with -a: send stdin to the container (created with -i)"},
			&cli.BoolFlag{Name: "explain", Usage: "narrate every kernel step of the start on stderr, with the shell command that does it by hand"},
		},
		Action: func(c *cli.Context) error {
			if !c.Bool("attach") {
				return each(c, func(e *engine.Engine, ctr *engine.Container) error {
					return e.Start(ctr, explainOptions(c, startOptions()))
				})
			}
			if c.NArg() != 1 {
				return errors.New("mini start -a takes one container")
			}
			e, cs, err := lookup(c, 1)
			if err != nil {
				return err
			}
			ctr := cs[0]
			if c.Bool("interactive") && !ctr.Config.Interactive {
				return fmt.Errorf("container %s was not created with -i: its stdin is closed", ctr.Name)
			}
			if !c.Bool("interactive") {
				ctr.Config.Interactive = false // do not send this terminal's input
			}
			// Only what this run writes: the log so far is the earlier runs'.
			if ctr.Config.TTY && ctr.Config.Interactive && !tty.IsTerminal(os.Stdin.Fd()) {
				return errNotATerminal
			}
			offset := ctr.LogSize()
			wait, err := e.StartAttached(ctr, explainOptions(c, startOptions()))
			if err != nil {
				return err
			}
			return attach(e, ctr, offset, wait)
		},
	}
}

func stopCommand() *cli.Command {
	return &cli.Command{
		Name: "stop", Usage: "stop running containers: the stop signal, then SIGKILL after the timeout", ArgsUsage: "CONTAINER...",
		Flags: []cli.Flag{&cli.IntFlag{Name: "time", Aliases: []string{"t"}, Value: -1, Usage: "seconds to wait before SIGKILL (default: the container's --stop-timeout)"}},
		Action: func(c *cli.Context) error {
			return each(c, func(e *engine.Engine, ctr *engine.Container) error {
				return e.Stop(ctr, stopTimeout(c, ctr))
			})
		},
	}
}

// stopTimeout is -t, or the container's --stop-timeout.
func stopTimeout(c *cli.Context, ctr *engine.Container) time.Duration {
	t := ctr.StopTimeout
	if c.Int("time") >= 0 {
		t = c.Int("time")
	}
	return time.Duration(t) * time.Second
}

func restartCommand() *cli.Command {
	return &cli.Command{
		Name: "restart", Usage: "stop and start containers again", ArgsUsage: "CONTAINER...",
		Flags: []cli.Flag{&cli.IntFlag{Name: "time", Aliases: []string{"t"}, Value: -1, Usage: "seconds to wait before SIGKILL"}},
		Action: func(c *cli.Context) error {
			return each(c, func(e *engine.Engine, ctr *engine.Container) error {
				if err := e.Stop(ctr, stopTimeout(c, ctr)); err != nil {
					return err
				}
				return e.Start(ctr, startOptions())
			})
		},
	}
}

func killCommand() *cli.Command {
	return &cli.Command{
		Name: "kill", Usage: "send a signal to running containers (SIGKILL by default)", ArgsUsage: "CONTAINER...",
		Flags: []cli.Flag{&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "KILL", Usage: "the signal: a name (TERM, SIGHUP) or a number"}},
		Action: func(c *cli.Context) error {
			sig, err := engine.ParseSignal(c.String("signal"))
			if err != nil {
				return err
			}
			return each(c, func(e *engine.Engine, ctr *engine.Container) error { return e.Kill(ctr, sig) })
		},
	}
}

func rmCommand() *cli.Command {
	return &cli.Command{
		Name: "rm", Usage: "remove containers", ArgsUsage: "CONTAINER...",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill a running container first"},
			&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "remove its anonymous volumes too (named volumes stay)"},
		},
		Action: func(c *cli.Context) error {
			return each(c, func(e *engine.Engine, ctr *engine.Container) error {
				return e.Remove(ctr, engine.RemoveOptions{Force: c.Bool("force"), Volumes: c.Bool("volumes")})
			})
		},
	}
}

func renameCommand() *cli.Command {
	return &cli.Command{
		Name: "rename", Usage: "rename a container", ArgsUsage: "CONTAINER NEW_NAME",
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return errors.New("mini rename needs two arguments: mini rename CONTAINER NEW_NAME")
			}
			e, ctr, err := findContainer(c, c.Args().First())
			if err != nil {
				return err
			}
			return e.Rename(ctr, c.Args().Get(1))
		},
	}
}

func waitCommand() *cli.Command {
	return &cli.Command{
		Name: "wait", Usage: "wait until containers stop, and print their exit codes", ArgsUsage: "CONTAINER...",
		Action: func(c *cli.Context) error {
			e, cs, err := lookup(c, 1)
			if err != nil {
				return err
			}
			for _, ctr := range cs {
				for ctr.MonitorAlive() {
					time.Sleep(50 * time.Millisecond)
				}
				again, err := e.Lookup(ctr.ID)
				if err != nil {
					return notFound(err)
				}
				fmt.Println(again.State.ExitCode)
			}
			return nil
		},
	}
}

func logsCommand() *cli.Command {
	return &cli.Command{
		Name: "logs", Usage: "print a container's output", ArgsUsage: "CONTAINER",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "go on printing until the container stops"},
			&cli.StringFlag{Name: "tail", Aliases: []string{"n"}, Value: "all", Usage: "only the last N lines"},
			&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "prefix every line with its time"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("mini logs needs one container: mini logs CONTAINER")
			}
			_, cs, err := lookup(c, 1)
			if err != nil {
				return err
			}
			tail := -1
			if t := c.String("tail"); t != "all" {
				if _, err := fmt.Sscanf(t, "%d", &tail); err != nil || tail < 0 {
					return fmt.Errorf("invalid --tail %q: give a number of lines, or all", t)
				}
			}
			return cs[0].Logs(os.Stdout, os.Stderr, engine.LogOptions{Follow: c.Bool("follow"), Tail: tail, Timestamps: c.Bool("timestamps")})
		},
	}
}

func execCommand() *cli.Command {
	return &cli.Command{
		Name: "exec", Usage: "run a command in a running container", ArgsUsage: "CONTAINER COMMAND [ARG...]",
		UseShortOptionHandling: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep stdin open and pass it to the command"},
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "give the command a pseudo-terminal"},
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set an environment variable: NAME=VALUE"},
			&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "the command's working directory in the container"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as user[:group] (name or number)"},
			&cli.BoolFlag{Name: "explain", Usage: "narrate every kernel step on stderr"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return errors.New("mini exec needs a container and a command: mini exec CONTAINER COMMAND [ARG...]")
			}
			_, ctr, err := findContainer(c, c.Args().First())
			if err != nil {
				return err
			}
			pid, running := ctr.InitPID()
			if !running {
				return &container.StatusError{Status: 1, Err: fmt.Errorf("container %s is not running: start it first (mini start %s)", ctr.Name, ctr.Name)}
			}
			// The container's environment, then -e on top of it, as Docker does.
			cfg := container.Config{Env: ctr.Config.Env}
			if err := applyEngineFlags(c, &cfg); err != nil {
				return err
			}
			user := ctr.Config.User
			if c.String("user") != "" {
				user = c.String("user")
			}
			workdir := ctr.Config.WorkDir
			if c.String("workdir") != "" {
				workdir = cfg.WorkDir
			}
			sigs := make(chan os.Signal, 8)
			signal.Notify(sigs, container.Signals...)
			defer signal.Stop(sigs)
			status, err := container.Exec(container.ExecConfig{PID: pid, Args: c.Args().Tail(), Env: cfg.Env,
				User: user, WorkDir: workdir, Interactive: c.Bool("interactive"), TTY: c.Bool("tty"),
				Explain: narrator(c), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Signals: sigs})
			if err != nil {
				return &container.StatusError{Status: status, Err: err}
			}
			if status != 0 {
				return cli.Exit("", status)
			}
			return nil
		},
	}
}

// envFiles reads --env-file files: one NAME=VALUE (or NAME, taken from Mini's environment) per
// line; blank lines and lines starting with # are skipped, as in Docker.
func envFiles(paths []string) ([]string, error) {
	var env []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("--env-file: %w", err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if strings.HasPrefix(line, "=") {
				return nil, fmt.Errorf("--env-file %s, line %d: %q has no variable name", p, i+1, line)
			}
			env = append(env, line)
		}
	}
	return env, nil
}

func attachCommand() *cli.Command {
	return &cli.Command{
		Name: "attach", Usage: "attach to a running container: its terminal (-t; Ctrl-P Ctrl-Q detaches), or its output with stdin sent to it (-i)", ArgsUsage: "CONTAINER",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("mini attach takes one container")
			}
			e, cs, err := lookup(c, 1)
			if err != nil {
				return err
			}
			if !cs[0].Running() {
				return &container.StatusError{Status: 1, Err: fmt.Errorf("container %s is not running: start it with mini start -a %s", cs[0].Name, cs[0].Name)}
			}
			return attach(e, cs[0], cs[0].LogSize(), nil)
		},
	}
}
