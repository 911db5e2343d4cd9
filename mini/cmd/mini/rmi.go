//mini:chapter 06

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/image"
)

// rmiCommand is `mini rmi` (and `mini image rm`): untag, and delete what no name is left on.
func rmiCommand(name string, aliases ...string) *cli.Command {
	return &cli.Command{
		Name:      name,
		Aliases:   aliases,
		Usage:     "remove images: untag a name; delete an image when no name is left on it",
		ArgsUsage: "IMAGE [IMAGE...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "remove an image by ID even when names in several repositories point at it"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("rmi needs at least one image: a name (busybox:latest) or an ID prefix")
			}
			s, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer s.Close()
			// Like Docker, go on with the other names when one fails, and fail at the end.
			var errs []error
			for _, name := range c.Args().Slice() {
				r, err := s.Remove(name, image.RemoveOptions{Force: c.Bool("force")})
				if err != nil {
					errs = append(errs, err)
					continue
				}
				for _, u := range r.Untagged {
					fmt.Fprintf(os.Stdout, "Untagged: %s\n", u)
				}
				for _, d := range r.Deleted {
					fmt.Fprintf(os.Stdout, "Deleted: %s\n", d)
				}
			}
			return errors.Join(errs...)
		},
	}
}

// tagCommand is `mini tag` (and `mini image tag`): one more name for an image.
func tagCommand(name string, aliases ...string) *cli.Command {
	return &cli.Command{
		Name:         name,
		Aliases:      aliases,
		Usage:        "give an image another name",
		ArgsUsage:    "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("tag needs two arguments, SOURCE and TARGET, got %d", c.NArg())
			}
			s, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer s.Close()
			_, err = s.Tag(c.Args().Get(0), c.Args().Get(1))
			return err
		},
	}
}
