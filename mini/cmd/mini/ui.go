//mini:chapter 07

package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/ui"
)

func uiCommand() *cli.Command {
	return &cli.Command{
		Name:  "ui",
		Usage: "serve a live, read-only picture of what the kernel holds for the containers (for a projector)",
		Description: "Serves a web page that shows, refreshed every second, each container's namespaces, cgroup\n" +
			"limits and usage, overlay layers and network, read from /proc and /sys. It changes nothing.\n" +
			"It listens on 127.0.0.1 only, unless --remote is given: the page has no login.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: ui.DefaultListen, Usage: "HOST:PORT to serve on (a loopback address unless --remote)"},
			&cli.BoolFlag{Name: "remote", Usage: "allow a --listen address that is not loopback: anyone who reaches it sees the host's containers"},
		},
		Action: uiAction,
	}
}

func uiAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return fmt.Errorf("mini ui takes no arguments (see: mini ui --help)")
	}
	o := ui.ServerOptions{Listen: c.String("listen"), Remote: c.Bool("remote"),
		Collector: ui.NewCollector(ui.Options{Root: c.String("root")})}
	l, err := ui.Listen(o)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "mini ui: not root: other users' /proc/PID/ns and mount tables cannot be read, so parts of the picture stay empty (run it with sudo)")
	}
	fmt.Fprintf(os.Stderr, "mini ui: serving a read-only picture on http://%s/ (Ctrl-C to stop)\n", l.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return ui.Serve(ctx, l, o)
}
