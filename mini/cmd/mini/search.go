//mini:chapter 06

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"
)

func searchCommand() *cli.Command {
	return &cli.Command{
		Name:      "search",
		Usage:     "list a registry's repositories whose name contains TERM (from its /v2/_catalog)",
		ArgsUsage: "TERM",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "registry", Usage: "the registry to search, e.g. localhost:5000 (Docker Hub has no catalog)", Required: true},
			&cli.BoolFlag{Name: "explain", Usage: "narrate every HTTP exchange as the curl command that does it (logins redacted)"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return errors.New("search takes one term: mini search TERM --registry HOST")
			}
			client, err := registryClient(c)
			if err != nil {
				return err
			}
			host := c.String("registry")
			repos, err := client.Catalog(context.Background(), host, c.Args().First())
			if err != nil {
				return err
			}
			fmt.Println("NAME")
			for _, r := range repos {
				fmt.Printf("%s/%s\n", host, r)
			}
			return nil
		},
	}
}
