//mini:chapter 06

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/archive"
	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
	"github.com/minikit/kit/mini/tty"
)

// saveCommand is `mini save [-o FILE] IMAGE...`: the images, whole, in one tar that docker,
// podman and skopeo load.
func saveCommand() *cli.Command {
	return &cli.Command{
		Name:      "save",
		Usage:     "write images to a tar archive (docker-archive and OCI layout in one)",
		ArgsUsage: "IMAGE [IMAGE...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to this file instead of stdout"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("save: name the images to save, e.g. mini save -o busybox.tar busybox")
			}
			out := os.Stdout
			if name := c.String("output"); name != "" {
				// Written to a temporary name and renamed when complete: no half archive under
				// the name asked for.
				tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-")
				if err != nil {
					return fmt.Errorf("save: %w", err)
				}
				defer os.Remove(tmp.Name())
				defer tmp.Close()
				if err := saveTo(c, tmp); err != nil {
					return err
				}
				if err := tmp.Close(); err != nil {
					return fmt.Errorf("save: %w", err)
				}
				return os.Rename(tmp.Name(), name)
			}
			if tty.IsTerminal(out.Fd()) {
				return fmt.Errorf("save: refusing to write a tar archive to a terminal: use -o FILE or a pipe")
			}
			return saveTo(c, out)
		},
	}
}

func saveTo(c *cli.Context, w io.Writer) error {
	store, err := image.Open(c.String("root"))
	if err != nil {
		return err
	}
	defer store.Close()
	return archive.Save(store, c.Args().Slice(), w)
}

// loadCommand is `mini load [-i FILE]`.
func loadCommand() *cli.Command {
	return &cli.Command{
		Name:  "load",
		Usage: "load images from a tar archive (mini/docker/podman save, skopeo's docker-archive and OCI layout)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Usage: "read this file instead of stdin"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			in := os.Stdin
			if name := c.String("input"); name != "" {
				f, err := os.Open(name)
				if err != nil {
					return fmt.Errorf("load: %w", err)
				}
				defer f.Close()
				in = f
			} else if tty.IsTerminal(in.Fd()) {
				return fmt.Errorf("load: give the archive with -i FILE or on stdin (mini load < FILE)")
			}
			store, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer store.Close()
			names, err := archive.Load(store, in)
			if err != nil {
				return err
			}
			if !c.Bool("quiet") {
				for _, n := range names {
					fmt.Printf("Loaded image: %s\n", n)
				}
			}
			return nil
		},
	}
}

// importCommand is `mini import FILE|- NAME[:TAG]`.
func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "make an image of one layer from a root filesystem tarball",
		ArgsUsage: "FILE|- NAME[:TAG]",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "change", Aliases: []string{"c"}, Usage: "a Dockerfile instruction for the config: CMD, ENTRYPOINT, ENV, WORKDIR, USER"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("import: give the tarball (or - for stdin) and a name: mini import rootfs.tar myimage:1")
			}
			ref, err := reference.Parse(c.Args().Get(1))
			if err != nil {
				return err
			}
			if ref.Digest != "" {
				return fmt.Errorf("import %s: name the image with a tag, not a digest (the digest is computed)", ref.Familiar())
			}
			in := os.Stdin
			if name := c.Args().First(); name != "-" {
				f, err := os.Open(name)
				if err != nil {
					return fmt.Errorf("import: %w", err)
				}
				defer f.Close()
				in = f
			}
			store, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer store.Close()
			img, err := archive.Import(store, in, ref, c.StringSlice("change"))
			if err != nil {
				return err
			}
			fmt.Println(img.ID)
			return nil
		},
	}
}
