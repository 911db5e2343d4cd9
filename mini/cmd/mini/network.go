//mini:chapter 07

package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/engine"
	"github.com/minikit/kit/mini/network"
)

// networkCommand is `mini network`: networks as objects, as Docker has them.
func networkCommand() *cli.Command {
	explainFlag := &cli.BoolFlag{Name: "explain", Usage: "narrate every kernel step on stderr, with the shell command that does it by hand"}
	return &cli.Command{
		Name:  "network",
		Usage: "create, list, inspect and remove networks",
		Subcommands: []*cli.Command{
			{
				Name:         "create",
				Usage:        "create a network: a bridge of its own, with its own subnet",
				ArgsUsage:    "NAME",
				Flags:        []cli.Flag{&cli.StringFlag{Name: "subnet", Usage: "the network's subnet, e.g. 10.123.0.0/16 (default: a free one from 10.89.0.0/16 on)"}, explainFlag},
				OnUsageError: usageError,
				Action:       networkCreate,
			},
			{
				Name:         "ls",
				Aliases:      []string{"list"},
				Usage:        "list the networks",
				Flags:        []cli.Flag{&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only the network IDs"}, &cli.BoolFlag{Name: "no-trunc", Usage: "show whole network IDs"}},
				OnUsageError: usageError,
				Action:       networkList,
			},
			{
				Name:         "rm",
				Aliases:      []string{"remove"},
				Usage:        "remove networks (refused while a container is on one)",
				ArgsUsage:    "NETWORK [NETWORK...]",
				Flags:        []cli.Flag{explainFlag},
				OnUsageError: usageError,
				Action:       networkRemove,
			},
			{
				Name:         "inspect",
				Usage:        "show networks as JSON",
				ArgsUsage:    "NETWORK [NETWORK...]",
				OnUsageError: usageError,
				Action:       networkInspect,
			},
		},
		OnUsageError: usageError,
	}
}

func networkCreate(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("network create takes one NAME: mini network create [--subnet CIDR] NAME")
	}
	nw, err := network.Create(c.String("root"), network.CreateOptions{Name: c.Args().First(), Subnet: c.String("subnet"), Explain: narrator(c)})
	if err != nil {
		return err
	}
	fmt.Println(nw.ID)
	return nil
}

func networkList(c *cli.Context) error {
	all, err := network.List(c.String("root"))
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
	if !c.Bool("quiet") {
		fmt.Fprintln(w, "NETWORK ID\tNAME\tDRIVER\tSCOPE")
	}
	for _, nw := range all {
		id := nw.ShortID()
		if c.Bool("no-trunc") {
			id = nw.ID
		}
		if c.Bool("quiet") {
			fmt.Fprintln(w, id)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\tlocal\n", id, nw.Name, nw.Driver)
	}
	return w.Flush()
}

func networkRemove(c *cli.Context) error {
	if c.NArg() == 0 {
		return errors.New("network rm takes at least one NETWORK: mini network rm NETWORK [NETWORK...]")
	}
	var errs []error
	for _, ref := range c.Args().Slice() {
		if _, err := network.Remove(c.String("root"), ref, narrator(c)); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Println(ref)
	}
	return errors.Join(errs...)
}

// networkView is what `network inspect` prints of a network, in Docker's shape.
type networkView struct {
	Name       string
	ID         string `json:"Id"`
	Created    time.Time
	Scope      string
	Driver     string
	IPAM       ipamView
	Options    map[string]string
	Containers map[string]endpointView
}

type ipamView struct {
	Driver string
	Config []ipamConfig
}

type ipamConfig struct {
	Subnet  string
	Gateway string
}

type endpointView struct {
	Name        string
	Hostname    string
	IPv4Address string
}

func networkInspect(c *cli.Context) error {
	if c.NArg() == 0 {
		return errors.New("network inspect takes at least one NETWORK: mini network inspect NETWORK [NETWORK...]")
	}
	root := c.String("root")
	views := []networkView{}
	for _, ref := range c.Args().Slice() {
		nw, err := network.Lookup(root, ref)
		if err != nil {
			return fmt.Errorf("network %s not found", ref)
		}
		eps, err := network.Endpoints(root, nw)
		if err != nil {
			return err
		}
		v := networkView{Name: nw.Name, ID: nw.ID, Created: nw.Created, Scope: "local", Driver: nw.Driver,
			IPAM:       ipamView{Driver: "default", Config: []ipamConfig{{Subnet: nw.Subnet.String(), Gateway: nw.Gateway.String()}}},
			Options:    map[string]string{"com.docker.network.bridge.name": nw.Bridge},
			Containers: map[string]endpointView{}}
		for _, ep := range eps {
			v.Containers[ep.ID] = endpointView{Name: ep.Name, Hostname: ep.Hostname,
				IPv4Address: fmt.Sprintf("%s/%d", ep.IP, nw.Subnet.Bits())}
		}
		views = append(views, v)
	}
	return printJSON(views)
}

// systemCommand is `mini system`. Its reset here is the network part: the lead's system reset
// removes the containers first, then calls network.Reset.
func systemCommand() *cli.Command {
	return &cli.Command{
		Name:  "system",
		Usage: "manage what Mini keeps on this host",
		Subcommands: []*cli.Command{{
			Name:         "reset",
			Usage:        "remove every container (running ones too), network, bridge, chain and rule Mini made, and put ip_forward back as Mini found it",
			Flags:        []cli.Flag{&cli.BoolFlag{Name: "explain", Usage: "narrate every kernel step on stderr, with the shell command that does it by hand"}},
			OnUsageError: usageError,
			Action: func(c *cli.Context) error {
				// Containers first: they hold addresses and endpoints on the networks.
				if err := removeContainers(c, true); err != nil {
					return err
				}
				removed, err := network.Reset(c.String("root"), narrator(c))
				for _, name := range removed {
					fmt.Println("Deleted network", name)
				}
				return err
			},
		}, {
			Name:  "prune",
			Usage: "remove stopped containers, and blobs and layers no image uses",
			Action: func(c *cli.Context) error {
				if err := removeContainers(c, false); err != nil {
					return err
				}
				return pruneImages(c)
			},
		}},
		OnUsageError: usageError,
	}
}

// removeContainers removes every container record with its anonymous volumes (system reset), or
// only the stopped ones, keeping their volumes (container prune, system prune), as Docker does.
func removeContainers(c *cli.Context, running bool) error {
	e, cs, err := allContainers(c)
	if err != nil {
		return err
	}
	var errs []error
	for _, ctr := range cs {
		if ctr.MonitorAlive() && !running {
			continue
		}
		if err := e.Remove(ctr, engine.RemoveOptions{Force: true, Volumes: running}); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Println("Deleted container", ctr.Name)
	}
	return errors.Join(errs...)
}
