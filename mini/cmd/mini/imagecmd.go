//mini:chapter 06

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
)

// imageCommand is `mini image ...`: the image commands grouped, as in Docker. The most used
// have top-level aliases too (mini images, mini rmi, mini tag, mini history).
func imageCommand() *cli.Command {
	return &cli.Command{
		Name:  "image",
		Usage: "manage images: ls, inspect, history, tag, rm, prune, verify, import-rootfs",
		Subcommands: []*cli.Command{
			imagesCommand("ls", "list"),
			imageInspectCommand(),
			historyCommand("history"),
			tagCommand("tag"),
			rmiCommand("rm", "rmi"),
			imagePruneCommand(),
			imageVerifyCommand(),
			importRootfsCommand(),
		},
	}
}

// importRootfsCommand makes an image from a root filesystem directory, so that the course runs
// with no registry: `mini image import-rootfs rootfs/build/busybox busybox:latest`.
func importRootfsCommand() *cli.Command {
	return &cli.Command{
		Name:      "import-rootfs",
		Usage:     "make an image of one layer from a root filesystem directory (the kit's busybox: no network needed)",
		ArgsUsage: "DIR NAME[:TAG]",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "cmd", Value: cli.NewStringSlice("sh"), Usage: "the image's default command"},
			&cli.BoolFlag{Name: "explain", Usage: "narrate each step on stderr, with the shell command that does it by hand"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("import-rootfs needs a directory and a name, e.g. mini image import-rootfs rootfs/build/busybox busybox:latest")
			}
			ref, err := reference.Parse(c.Args().Get(1))
			if err != nil {
				return err
			}
			if ref.Digest != "" {
				return fmt.Errorf("import-rootfs %s: name the image with a tag, not a digest (the digest is computed)", ref)
			}
			s, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer s.Close()
			s.Explain = narrator(c)
			img, err := s.ImportDir(c.Args().Get(0), image.ImportOptions{
				Ref:       ref,
				Cmd:       c.StringSlice("cmd"),
				CreatedBy: "mini image import-rootfs " + filepath.Base(c.Args().Get(0)),
			})
			if err != nil {
				return err
			}
			fmt.Println(img.ID)
			return nil
		},
	}
}

// inspected is one image in `mini image inspect`'s JSON, with Docker's field names.
type inspected struct {
	ID           string         `json:"Id"`
	RepoTags     []string       `json:"RepoTags"`
	RepoDigests  []string       `json:"RepoDigests"`
	Manifest     digest.Digest  `json:"Manifest"`
	Created      *time.Time     `json:"Created,omitempty"`
	Author       string         `json:"Author,omitempty"`
	Config       v1.ImageConfig `json:"Config"`
	Architecture string         `json:"Architecture"`
	Os           string         `json:"Os"`
	Size         int64          `json:"Size"`
	GraphDriver  graphDriver    `json:"GraphDriver"`
	RootFS       rootFS         `json:"RootFS"`
}

type graphDriver struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

type rootFS struct {
	Type   string          `json:"Type"`
	Layers []digest.Digest `json:"Layers"`
}

func imageInspectCommand() *cli.Command {
	return &cli.Command{
		Name:         "inspect",
		Usage:        "show images in detail, as JSON",
		ArgsUsage:    "IMAGE [IMAGE...]",
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("inspect needs at least one image")
			}
			s, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer s.Close()
			out := []inspected{}
			var errs []error
			for _, name := range c.Args().Slice() {
				img, err := s.Resolve(name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				out = append(out, inspectImage(img))
			}
			return errors.Join(printJSON(out), errors.Join(errs...))
		},
	}
}

// pruneImages removes the blobs and unpacked layers no image uses, and says how much it freed.
func pruneImages(c *cli.Context) error {
	s, err := image.Open(c.String("root"))
	if err != nil {
		return err
	}
	defer s.Close()
	//mini:begin 07
	s.Used = func() ([]digest.Digest, error) { return containerImages(c) }
	//mini:end 07
	p, err := s.Prune()
	if err != nil {
		return err
	}
	fmt.Printf("Deleted %d blobs and %d unpacked layers\nTotal reclaimed space: %s\n", p.Blobs, p.Layers, humanSize(p.Bytes))
	return nil
}

// printJSON prints v as `docker inspect` does: indented JSON, four spaces.
func printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}

func inspectImage(img *image.Image) inspected {
	i := inspected{
		ID: img.ID.String(), RepoTags: []string{}, RepoDigests: img.RepoDigests, Manifest: img.Manifest,
		Created: img.Config.Created, Author: img.Config.Author, Config: img.Config.Config,
		Architecture: img.Config.Architecture, Os: img.Config.OS, Size: img.Size,
		// The layers as overlayfs stacks them: Lowers() is top first, as lowerdir= wants.
		GraphDriver: graphDriver{Name: "overlay", Data: map[string]string{"LowerDir": strings.Join(img.Lowers(), ":")}},
		RootFS:      rootFS{Type: img.Config.RootFS.Type, Layers: img.Config.RootFS.DiffIDs},
	}
	if i.RepoDigests == nil {
		i.RepoDigests = []string{}
	}
	for _, r := range img.Refs {
		if ref, err := reference.Parse(r); err == nil && ref.Tag != "" {
			i.RepoTags = append(i.RepoTags, ref.Familiar())
		}
	}
	return i
}

// historyCommand is `mini history`: how the image was made, newest step first.
func historyCommand(name string) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     "show how an image was made, one build step a line, newest first",
		ArgsUsage: "IMAGE",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-trunc", Usage: "do not shorten the output"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only the image ID"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("history needs one image")
			}
			s, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer s.Close()
			img, err := s.Resolve(c.Args().First())
			if err != nil {
				return err
			}
			return printHistory(img, c.Bool("no-trunc"), c.Bool("quiet"))
		},
	}
}

// historyRow is one line of `mini history`.
type historyRow struct{ ID, CreatedSince, CreatedBy, Size, Comment string }

func printHistory(img *image.Image, noTrunc, quiet bool) error {
	// Each history entry that is not an empty_layer made the next layer, in order.
	var rows []historyRow
	li := 0
	for _, h := range img.Config.History {
		r := historyRow{ID: "<missing>", CreatedSince: "N/A", CreatedBy: h.CreatedBy, Size: "0B", Comment: h.Comment}
		if h.Created != nil {
			r.CreatedSince = humanDuration(time.Since(*h.Created)) + " ago"
		}
		if !h.EmptyLayer && li < len(img.Layers) {
			r.Size = humanSize(img.Layers[li].Size.Bytes)
			li++
		}
		if !noTrunc && len(r.CreatedBy) > 45 {
			r.CreatedBy = r.CreatedBy[:44] + "…"
		}
		rows = append([]historyRow{r}, rows...)
	}
	if len(rows) == 0 {
		rows = []historyRow{{CreatedSince: "N/A", Size: humanSize(img.Size)}}
	}
	rows[0].ID = img.ID.Encoded()[:12]
	if noTrunc {
		rows[0].ID = img.ID.String()
	}
	if quiet {
		fmt.Println(rows[0].ID)
		return nil
	}
	header := historyRow{"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}
	return printRows(os.Stdout, "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}", header, rows)
}

func imagePruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "remove the blobs and unpacked layers no image uses (left by interrupted pulls and imports)",
		Flags: []cli.Flag{
			// Docker asks before pruning; Mini's prune removes nothing any image uses, so there is
			// nothing to confirm. -f is accepted for scripts written for Docker.
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not prompt (Mini never does)"},
		},
		OnUsageError: usageError,
		Action:       pruneImages,
	}
}

func imageVerifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check the image store: re-hash every blob, check every unpacked layer and image",
		Action: func(c *cli.Context) error {
			s, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer s.Close()
			r, err := s.Verify()
			if err != nil {
				return err
			}
			for _, p := range r.Problems {
				fmt.Printf("%s\n    to fix: %s\n", p.What, p.Fix)
			}
			fmt.Printf("checked %d blobs, %d unpacked layers, %d images: ", r.Blobs, r.Layers, r.Images)
			if len(r.Problems) > 0 {
				fmt.Printf("%d problems\n", len(r.Problems))
				return cli.Exit("", 1)
			}
			fmt.Print("no problems")
			if r.Unused > 0 {
				fmt.Printf(" (%d unused blobs or layers: mini image prune removes them)", r.Unused)
			}
			fmt.Println()
			return nil
		},
	}
}
