//mini:chapter 06

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
)

// pushCommand is `mini push NAME[:TAG]`, printing what `docker push` prints.
func pushCommand() *cli.Command {
	return &cli.Command{
		Name:      "push",
		Usage:     "send an image to a registry",
		ArgsUsage: "NAME[:TAG]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "explain", Usage: "narrate every HTTP exchange as the curl command that does it (credentials hidden)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the pushed manifest's digest"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("push: name one image, e.g. mini push localhost:5000/app:1 (mini tag gives it that name first)")
			}
			ref, err := reference.Parse(c.Args().First())
			if err != nil {
				return err
			}
			if ref.Tag == "" {
				return fmt.Errorf("push %s: name the tag to push (NAME:TAG)", ref.Familiar())
			}
			store, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer store.Close()
			img, err := store.Resolve(ref.String())
			if err != nil {
				return err
			}
			mb, err := store.ReadBlob(img.Manifest)
			if err != nil {
				return err
			}
			var m v1.Manifest
			if err := json.Unmarshal(mb, &m); err != nil {
				return fmt.Errorf("push: the manifest of %s: %w", ref.Familiar(), err)
			}
			mediaType := m.MediaType
			if mediaType == "" {
				mediaType = v1.MediaTypeImageManifest
			}
			client, err := registryClient(c)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			quiet := c.Bool("quiet")
			if !quiet {
				fmt.Printf("The push refers to repository [%s]\n", ref.FamiliarName())
			}
			d, err := client.Push(ctx, ref, mb, mediaType, append([]v1.Descriptor{m.Config}, m.Layers...), store,
				mountSource(img, ref), pushLines{quiet})
			if err != nil {
				return err
			}
			if quiet {
				fmt.Println(d)
			} else {
				fmt.Printf("%s: digest: %s size: %d\n", ref.Tag, d, len(mb))
			}
			return nil
		},
	}
}

// mountSource is another repository of the same registry that has the image (it was pulled
// from there): the registry can copy the blobs from it without a byte sent.
func mountSource(img *image.Image, to reference.Reference) string {
	for _, r := range img.Refs {
		if from, err := reference.Parse(r); err == nil && from.Domain == to.Domain && from.Path != to.Path {
			return from.Path
		}
	}
	return ""
}

// pushLines prints a line per blob, as docker push does.
type pushLines struct{ quiet bool }

func (p pushLines) line(d v1.Descriptor, what string) {
	if !p.quiet {
		fmt.Printf("%s: %s\n", shortDigest(d.Digest), what)
	}
}
func (p pushLines) Exists(d v1.Descriptor)  { p.line(d, "Layer already exists") }
func (p pushLines) Mounted(d v1.Descriptor) { p.line(d, "Mounted") }
func (p pushLines) Pushed(d v1.Descriptor)  { p.line(d, "Pushed") }

func shortDigest(d digest.Digest) string { return d.Encoded()[:12] }
