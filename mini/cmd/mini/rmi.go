//mini:chapter 06

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/image"
	//mini:begin 07
	"github.com/opencontainers/go-digest"

	"github.com/minikit/kit/mini/engine"
	//mini:end 07
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
			//mini:begin 07
			s.Used = func() ([]digest.Digest, error) { return containerImages(c) }
			//mini:end 07
			// Like Docker, go on with the other names when one fails, and fail at the end.
			var errs []error
			for _, name := range c.Args().Slice() {
				o := image.RemoveOptions{Force: c.Bool("force")}
				//mini:begin 07
				o.InUse = func(id digest.Digest) error { return imageInUse(c, name, id) }
				//mini:end 07
				r, err := s.Remove(name, o)
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

//mini:begin 07

// containerImages lists the images containers were made from: rmi and prune keep their files
// even when they have no name left (a pull moved the tag to a newer image).
func containerImages(c *cli.Context) ([]digest.Digest, error) {
	_, cs, err := allContainers(c)
	if err != nil {
		return nil, err
	}
	var ids []digest.Digest
	for _, ctr := range cs {
		if ctr.ImageID != "" {
			ids = append(ids, digest.Digest(ctr.ImageID))
		}
	}
	return ids, nil
}

// imageInUse refuses to delete an image a container was made from, running or not: the
// container's root is an overlay whose lower layers are the image's unpacked layers, and
// deleting them would pull the floor from under it. Untagging one of several names is fine:
// Remove asks only when the image itself would go, under the store's exclusive lock.
func imageInUse(c *cli.Context, name string, id digest.Digest) error {
	_, cs, err := allContainers(c)
	if err != nil {
		return err
	}
	for _, ctr := range cs {
		if ctr.ImageID == id.String() {
			return fmt.Errorf("cannot remove image %s: container %s (%s) uses it: remove the container first (mini rm %s)",
				name, ctr.Name, engine.ShortID(ctr.ID), ctr.Name)
		}
	}
	return nil
}

//mini:end 07

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
