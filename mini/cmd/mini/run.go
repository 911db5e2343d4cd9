package main

import (
	"errors"
	//mini:begin 07
	"fmt"
	//mini:end 07
	"os"
	"os/signal"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/container"
	//mini:begin 01
	"github.com/minikit/kit/mini/rootfs"
	//mini:end 01
	//mini:begin 02
	"github.com/minikit/kit/mini/namespace"
	//mini:end 02
	//mini:begin 03
	"github.com/minikit/kit/mini/cgroup"
	//mini:end 03
	//mini:begin 04
	"github.com/minikit/kit/mini/overlay"
	//mini:end 04
	//mini:begin 05
	"github.com/minikit/kit/mini/network"
	//mini:end 05
	//mini:begin 07
	"github.com/minikit/kit/mini/engine"
	//mini:end 07
)

//mini:begin 05

// networkUsage is the help of --network.
var networkUsage = "bridge (a veth on Mini's bridge), none (only lo) or host (the host's network)" +
	//mini:begin 07
	", or the name of a network (mini network create)" +
	//mini:end 07
	""

// bridgeUsage is the help of --bridge.
var bridgeUsage = "the bridge to attach to; created with the first container on it" +
	//mini:begin 07
	" and, as the default network's, kept" +
	//mini:end 07
	""

//mini:end 05

func runCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep stdin open and pass it to the command"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "give the command a pseudo-terminal"},
		&cli.BoolFlag{Name: "explain", Usage: "narrate every kernel step on stderr, with the shell command that does it by hand"},
		//mini:begin 01
		&cli.StringFlag{Name: "rootfs", Usage: "the directory to use as the container's root filesystem (default: the kit's busybox rootfs)"},
		&cli.StringFlag{Name: "isolation", Value: rootfs.DefaultMode(), Usage: "how the root is changed: chroot (the lab mode) or pivot_root"},
		//mini:end 01
		//mini:begin 02
		&cli.StringFlag{Name: "hostname", Usage: "the container's hostname (default: its ID)"},
		//mini:end 02
		//mini:begin 03
		&cli.StringFlag{Name: "memory", Aliases: []string{"m"}, Usage: "memory limit, e.g. 64m or 1g"},
		&cli.StringFlag{Name: "cpus", Usage: "CPU limit in CPUs, e.g. 0.5"},
		&cli.StringFlag{Name: "pids-limit", Usage: "how many processes the container may have at most"},
		&cli.StringFlag{Name: "cgroup-parent", Value: cgroup.DefaultParent, EnvVars: []string{"MINI_CGROUP_PARENT"}, Usage: "Mini's own parent cgroup, under which each container's group is made"},
		//mini:end 03
		//mini:begin 04
		&cli.BoolFlag{Name: "read-only", Usage: "mount the container's root filesystem read-only (no writable layer)"},
		//mini:end 04
		//mini:begin 05
		&cli.StringFlag{Name: "network", Value: network.Bridge, EnvVars: []string{"MINI_NETWORK"}, Usage: networkUsage},
		&cli.StringFlag{Name: "bridge", Value: network.DefaultBridge, EnvVars: []string{"MINI_BRIDGE"}, Usage: bridgeUsage},
		&cli.StringFlag{Name: "subnet", EnvVars: []string{"MINI_SUBNET"}, Usage: "the bridge's subnet when Mini creates it (default: " + network.DefaultSubnet + ", or the next one no host route covers)"},
		&cli.StringSliceFlag{Name: "publish", Aliases: []string{"p"}, Usage: "publish a port: [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]"},
		//mini:end 05
	}
	argsUsage := "[--] COMMAND [ARG...]"
	//mini:begin 06
	argsUsage = "IMAGE [COMMAND [ARG...]]  or  --rootfs DIR [--] COMMAND [ARG...]"
	//mini:end 06
	//mini:begin 07
	flags = append(append(flags, engineFlags()...), runFlags()...)
	//mini:end 07
	return &cli.Command{
		Name:                   "run",
		Usage:                  "run a command in a new container",
		ArgsUsage:              argsUsage,
		UseShortOptionHandling: true,
		Flags:                  flags,
		OnUsageError:           usageError,
		Action:                 run,
	}
}

// run is `mini run`: read the flags into a container.Config, run it, and exit with the
// command's status.
func run(c *cli.Context) error {
	//mini:begin 07
	// From this chapter on, `mini run` is Docker's: create a record, start it under a monitor,
	// and stay attached. The container outlives this command, whatever happens to it.
	// --monitor=false keeps chapter 00's run, where Mini is the parent, as an option.
	if c.Bool("monitor") {
		return runRecord(c)
	}
	for _, f := range []string{"detach", "name", "restart"} {
		if c.IsSet(f) {
			return &container.StatusError{Status: container.StatusEngineError,
				Err: fmt.Errorf("--%s needs a monitor: drop --monitor=false (MINI_MONITOR=false)", f)}
		}
	}
	//mini:end 07
	cfg, done, err := config(c)
	if err != nil {
		return &container.StatusError{Status: container.StatusEngineError, Err: err}
	}
	defer done()
	// Signals belong to the process, so the command catches them, from before the set-up
	// until the teardown is over, and the library passes them on to the container.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, container.Signals...)
	defer signal.Stop(sigs)
	cfg.Signals = sigs
	//mini:begin 07
	if err := applyEngineFlags(c, &cfg); err != nil {
		return &container.StatusError{Status: container.StatusEngineError, Err: err}
	}
	//mini:end 07
	status, err := container.Run(cfg)
	//mini:begin 07
	// No record keeps them: a foreground run's anonymous volumes go with it, as with --rm.
	if verr := engine.RemoveAnonymousVolumes(c.String("root"), cfg.Volumes); verr != nil {
		err = errors.Join(err, verr)
		if status == 0 {
			status = container.StatusEngineError
		}
	}
	//mini:end 07
	if err != nil {
		return &container.StatusError{Status: status, Err: err}
	}
	// The command's status becomes mini's. cli.Exit with an empty message prints nothing.
	if status != 0 {
		return cli.Exit("", status)
	}
	return nil
}

// config checks every flag before anything is set up, so that bad input leaves nothing behind.
// done releases what the run holds until it ends (from chapter 06, the image's lease); it is
// never nil.
func config(c *cli.Context) (cfg container.Config, done func(), err error) {
	done = func() {}
	defer func() {
		if err != nil {
			done()
			done = func() {}
		}
	}()
	cfg = container.Config{
		Args:        c.Args().Slice(),
		Interactive: c.Bool("interactive"),
		TTY:         c.Bool("tty"),
		StateRoot:   c.String("root"),
		Explain:     narrator(c),
		Stdin:       os.Stdin,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
	}
	//mini:begin 01
	dir := c.String("rootfs")
	//mini:end 01
	//mini:begin 06
	if imageMode(c) {
		if c.NArg() == 0 {
			return cfg, done, errors.New("no image given: mini run [flags] IMAGE [COMMAND [ARG...]], or --rootfs DIR [--] COMMAND [ARG...]")
		}
		img, lease, err := runImage(c, c.Args().First())
		if err != nil {
			return cfg, done, err
		}
		done = func() { lease.Release() }
		//mini:begin 07
		if c.IsSet("entrypoint") {
			// --entrypoint replaces the image's, and the image's Cmd with it (as Docker does).
			img.Config.Config.Entrypoint, img.Config.Config.Cmd = nil, nil
			if ep := c.String("entrypoint"); ep != "" {
				img.Config.Config.Entrypoint = []string{ep}
			}
		}
		//mini:end 07
		if err := applyImage(&cfg, img, c.Args().Tail()); err != nil {
			return cfg, done, err
		}
		dir = cfg.Lower[0] // the top layer: what chroot mode, and the checks below, look at
	}
	//mini:end 06
	//mini:begin 07
	if ep := c.String("entrypoint"); ep != "" && !imageMode(c) {
		cfg.Args = append([]string{ep}, cfg.Args...)
	}
	cfg.Init = c.Bool("init")
	//mini:end 07
	if len(cfg.Args) == 0 {
		return cfg, done, errors.New("no command given: mini run [flags] [--] COMMAND [ARG...]")
	}
	//mini:begin 01
	if dir == "" {
		d, err := rootfs.Default()
		if err != nil {
			return cfg, done, err
		}
		dir = d
	}
	abs, err := rootfs.Check(dir)
	if err != nil {
		return cfg, done, err
	}
	cfg.Rootfs = abs
	if _, err := rootfs.Lookup(c.String("isolation")); err != nil {
		return cfg, done, err
	}
	cfg.Isolation = c.String("isolation")
	//mini:end 01
	//mini:begin 02
	if h := c.String("hostname"); h != "" {
		if err := namespace.CheckHostname(h); err != nil {
			return cfg, done, err
		}
		cfg.Hostname = h
	}
	//mini:end 02
	//mini:begin 03
	res, err := resources(c)
	if err != nil {
		return cfg, done, err
	}
	cfg.Resources, cfg.CgroupParent = res, c.String("cgroup-parent")
	//mini:end 03
	//mini:begin 04
	cfg.ReadOnly = c.Bool("read-only")
	lowers := []string{cfg.Rootfs}
	//mini:begin 06
	if len(cfg.Lower) > 0 {
		lowers = cfg.Lower
	}
	//mini:end 06
	if err := overlay.CheckStateRoot(lowers, cfg.StateRoot); err != nil {
		return cfg, done, err
	}
	//mini:end 04
	//mini:begin 05
	if cfg.Network, err = network.Parse(c.String("network"), c.String("bridge"), c.String("subnet"), c.StringSlice("publish")); err != nil {
		return cfg, done, err
	}
	//mini:begin 07
	if err := network.Check(cfg.StateRoot, cfg.Network); err != nil {
		return cfg, done, err
	}
	//mini:end 07
	//mini:end 05
	return cfg, done, nil
}

//mini:begin 03

// resources reads -m, --cpus and --pids-limit.
func resources(c *cli.Context) (cgroup.Resources, error) {
	var r cgroup.Resources
	var err error
	if s := c.String("memory"); s != "" {
		if r.Memory, err = cgroup.ParseMemory(s); err != nil {
			return r, err
		}
	}
	if s := c.String("cpus"); s != "" {
		if r.CPUs, err = cgroup.ParseCPUs(s); err != nil {
			return r, err
		}
	}
	if s := c.String("pids-limit"); s != "" {
		if r.Pids, err = cgroup.ParsePids(s); err != nil {
			return r, err
		}
	}
	return r, nil
}

//mini:end 03
