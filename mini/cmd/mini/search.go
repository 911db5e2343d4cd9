//mini:chapter 06

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

func searchCommand() *cli.Command {
	return &cli.Command{
		Name:      "search",
		Usage:     "list a registry's repositories whose name contains TERM (from its /v2/_catalog)",
		ArgsUsage: "TERM",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "registry", Usage: "the registry to search, e.g. localhost:5000 (Docker Hub has no catalog)"},
			&cli.BoolFlag{Name: "explain", Usage: "narrate every HTTP exchange as the curl command that does it (logins redacted)"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			args, err := flagsAfterArgs(c)
			if err != nil {
				return err
			}
			host := c.String("registry")
			if len(args) > 1 || host == "" {
				return errors.New("search takes one term and a registry: mini search TERM --registry HOST")
			}
			client, err := registryClient(c)
			if err != nil {
				return err
			}
			term := ""
			if len(args) == 1 {
				term = args[0]
			}
			repos, err := client.Catalog(context.Background(), host, term)
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

// flagsAfterArgs reads the command's flags that come after its arguments, as Docker allows
// (`mini search TERM --registry HOST`): urfave/cli stops reading flags at the first argument. It
// returns the arguments that are not flags.
func flagsAfterArgs(c *cli.Context) ([]string, error) {
	var rest []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(rest, args[i+1:]...), nil
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := commandFlag(c, name)
		if !strings.HasPrefix(a, "-") || f == nil {
			rest = append(rest, a)
			continue
		}
		if _, isBool := f.(*cli.BoolFlag); isBool && !hasValue {
			value, hasValue = "true", true
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, fmt.Errorf("flag %s needs a value (see: mini %s --help)", a, c.Command.Name)
			}
			i++
			value = args[i]
		}
		if err := c.Set(name, value); err != nil {
			return nil, fmt.Errorf("flag %s: %w", a, err)
		}
	}
	return rest, nil
}

// commandFlag finds the command's flag called name (or one of its aliases).
func commandFlag(c *cli.Context, name string) cli.Flag {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}
