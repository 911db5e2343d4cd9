//mini:chapter 06

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
	"github.com/minikit/kit/mini/registry"
	"github.com/minikit/kit/mini/tty"
)

func pullCommand() *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "download an image from a registry",
		ArgsUsage: "NAME[:TAG|@DIGEST]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the image's name when done"},
			&cli.StringFlag{Name: "platform", Usage: "the platform of a multi-platform image, e.g. linux/arm64 (default: this machine's)"},
			&cli.BoolFlag{Name: "explain", Usage: "narrate every HTTP exchange as the curl command that does it (logins redacted)"},
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			args, err := flagsAfterArgs(c)
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return errors.New("pull takes one image name: mini pull NAME[:TAG|@DIGEST], e.g. mini pull busybox")
			}
			ref, err := reference.Parse(args[0])
			if err != nil {
				return err
			}
			store, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer store.Close()
			// Docker says so when it filled in the tag itself.
			if ref.Digest == "" && !c.Bool("quiet") && !strings.HasSuffix(args[0], ":"+ref.Tag) {
				fmt.Printf("Using default tag: %s\n", ref.Tag)
			}
			_, err = pull(c, store, ref, os.Stdout, c.Bool("quiet"))
			return err
		},
	}
}

// pull downloads ref into the store and records it under its name, printing Docker's lines
// (to stdout: a pull has no container whose stdout this is). `mini run` calls it for an image
// it does not have.
//
// stdout is where Docker's lines go: os.Stdout for `mini pull`, os.Stderr for `mini run`, whose
// stdout is the container's.
func pull(c *cli.Context, store *image.Store, ref reference.Reference, stdout *os.File, quiet bool) (*image.Image, error) {
	client, err := registryClient(c)
	if err != nil {
		return nil, err
	}
	// Ctrl-C cancels the downloads; the store's temporary files are removed, nothing half is
	// left under a digest.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	out := io.Writer(stdout)
	if quiet {
		out = io.Discard
	}
	fmt.Fprintf(out, "%s: Pulling from %s\n", ref.Object(), ref.FamiliarName())
	progress := newPullProgress(out, !quiet && !c.Bool("explain") && hasWidth(stdout))
	res, err := client.Pull(ctx, ref, store, progress)
	progress.wait()
	if err != nil {
		return nil, err
	}
	img, err := store.Add(image.NewImage{Ref: ref, Manifest: res.Manifest.Bytes, RepoDigest: res.Digest})
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", ref.Familiar(), err)
	}
	fmt.Fprintf(out, "Digest: %s\n", res.Digest)
	if res.Fetched == 0 {
		fmt.Fprintf(out, "Status: Image is up to date for %s\n", ref.Familiar())
	} else {
		fmt.Fprintf(out, "Status: Downloaded newer image for %s\n", ref.Familiar())
	}
	fmt.Fprintln(stdout, ref.String())
	return img, nil
}

// hasWidth reports whether f is a terminal that bars fit in: on a terminal of zero columns or
// rows (a pseudo-terminal nobody sized) the bars would show nothing at all.
func hasWidth(f *os.File) bool {
	if !tty.IsTerminal(f.Fd()) {
		return false
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	return err == nil && ws.Col > 0 && ws.Row > 0
}

// registryClient makes a registry client from the config file, the saved logins and the flags.
func registryClient(c *cli.Context) (*registry.Client, error) {
	path, err := registry.FindConfig(c.String("config"), c.String("root"))
	if err != nil {
		return nil, err
	}
	cfg, err := registry.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	creds, err := registry.AuthFileIn(c.String("root")).Load()
	if err != nil {
		return nil, err
	}
	opts := registry.Options{
		Insecure:    cfg.Insecure,
		Mirrors:     cfg.Mirrors,
		Credentials: creds,
		Explain:     narrator(c),
	}
	if p := c.String("platform"); p != "" {
		if opts.Platform, err = parsePlatform(p); err != nil {
			return nil, err
		}
	}
	return registry.New(opts), nil
}

// parsePlatform reads os/arch[/variant].
func parsePlatform(s string) (v1.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return v1.Platform{}, fmt.Errorf("bad --platform %q: want os/arch or os/arch/variant, e.g. linux/arm64", s)
	}
	p := v1.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}
