//mini:chapter 07

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/container"
	"github.com/minikit/kit/mini/volume"
)

// volumeCommand is `mini volume create/ls/rm/inspect`.
func volumeCommand() *cli.Command {
	open := func(c *cli.Context) (*volume.Store, error) { return volume.Open(c.String("root")) }
	return &cli.Command{
		Name: "volume", Usage: "manage volumes: directories Mini keeps for containers, outside their layers",
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "create a volume", ArgsUsage: "NAME",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return errors.New("mini volume create needs a name: mini volume create NAME")
					}
					s, err := open(c)
					if err != nil {
						return err
					}
					v, err := s.Create(c.Args().First())
					if err != nil {
						return err
					}
					fmt.Println(v.Name)
					return nil
				},
			},
			{
				Name: "ls", Aliases: []string{"list"}, Usage: "list the volumes",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only the names"}},
				Action: func(c *cli.Context) error {
					s, err := open(c)
					if err != nil {
						return err
					}
					vs, err := s.List()
					if err != nil {
						return err
					}
					type row struct{ Driver, Name string }
					var rows []row
					for _, v := range vs {
						rows = append(rows, row{"local", v.Name})
					}
					format := "table {{.Driver}}\t{{.Name}}"
					if c.Bool("quiet") {
						format = "{{.Name}}"
					}
					return printRows(os.Stdout, format, row{"DRIVER", "VOLUME NAME"}, rows)
				},
			},
			{
				Name: "inspect", Usage: "print volumes as JSON", ArgsUsage: "NAME...",
				Action: func(c *cli.Context) error {
					s, err := open(c)
					if err != nil {
						return err
					}
					var out []map[string]string
					for _, name := range c.Args().Slice() {
						v, err := s.Get(name)
						if err != nil {
							return &container.StatusError{Status: 1, Err: err}
						}
						out = append(out, map[string]string{"Name": v.Name, "Driver": "local", "Mountpoint": v.Mountpoint})
					}
					return printJSON(out)
				},
			},
			{
				Name: "rm", Aliases: []string{"remove"}, Usage: "remove volumes no container uses", ArgsUsage: "NAME...",
				Action: func(c *cli.Context) error {
					s, err := open(c)
					if err != nil {
						return err
					}
					_, cs, err := allContainers(c)
					if err != nil {
						return err
					}
					var errs []error
				names:
					for _, name := range c.Args().Slice() {
						for _, ctr := range cs {
							for _, m := range ctr.Config.Volumes {
								if m.Volume == name {
									errs = append(errs, fmt.Errorf("volume %s is in use by container %s: remove the container first (mini rm %s)", name, ctr.Name, ctr.Name))
									continue names
								}
							}
						}
						if err := s.Remove(name); err != nil {
							errs = append(errs, err)
							continue
						}
						fmt.Println(name)
					}
					if len(errs) > 0 {
						return &container.StatusError{Status: 1, Err: errors.Join(errs...)}
					}
					return nil
				},
			},
		},
	}
}
