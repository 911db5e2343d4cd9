//mini:chapter 06

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/container"
	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
	"github.com/minikit/kit/mini/rootfs"
)

// imageMode reports whether `mini run`'s first argument names an image, as in Docker. It does
// unless a directory is named instead, by --rootfs or $MINI_ROOTFS (chapters 01-05's way, kept).
func imageMode(c *cli.Context) bool {
	return c.String("rootfs") == "" && os.Getenv("MINI_ROOTFS") == ""
}

// runImage finds the image name in the store, fetching it first when the store lacks it (as
// `docker run` does), and leases it for the run (image.Lease: rmi and prune leave it alone until
// the lease is released). The kit's own busybox needs no network: the root filesystem that
// rootfs/build.sh made is imported as busybox:latest, so the course runs offline.
func runImage(c *cli.Context, name string) (*image.Image, *image.Lease, error) {
	store, err := image.Open(c.String("root"))
	if err != nil {
		return nil, nil, err
	}
	// The store is shared-locked while open, and rmi/prune wait for that: the lease is taken
	// before it is closed, so that no deletion comes between the lookup and the lease.
	defer store.Close()
	img, err := findImage(c, store, name)
	if err != nil {
		return nil, nil, err
	}
	lease, err := store.Lease(img.ID)
	if err != nil {
		return nil, nil, err
	}
	return img, lease, nil
}

// findImage looks name up in the store, and imports or pulls it when the store lacks it.
func findImage(c *cli.Context, store *image.Store, name string) (*image.Image, error) {
	img, err := store.Resolve(name)
	if err == nil || !errors.Is(err, image.ErrNotFound) {
		return img, err
	}
	ref, perr := reference.Parse(name)
	if perr != nil {
		return nil, fmt.Errorf("no image %q here, and it is not a name to pull: %v (mini images lists the images; a directory goes with --rootfs DIR)", name, perr)
	}
	if ref.String() == "docker.io/library/busybox:latest" {
		dir, derr := rootfs.Default()
		if d := os.Getenv("MINI_BUSYBOX_DIR"); d != "" {
			dir, derr = d, nil // the directory to import instead (tests, a kit installed elsewhere)
		}
		if derr == nil {
			fmt.Fprintf(os.Stderr, "Unable to find image '%s' locally: importing the kit's busybox root filesystem %s\n", name, dir)
			return store.ImportDir(dir, image.ImportOptions{Ref: ref, Cmd: []string{"sh"},
				CreatedBy: "mini image import-rootfs " + filepath.Base(dir)})
		}
	}
	fmt.Fprintf(os.Stderr, "Unable to find image '%s' locally\n", ref.Familiar())
	return pull(c, store, ref, os.Stderr, false)
}

// applyImage takes the run defaults from the image's config, as Docker does: the command is
// the Entrypoint followed by the arguments given, or by the image's Cmd when none are; the
// environment, user and working directory are the image's.
func applyImage(cfg *container.Config, img *image.Image, args []string) error {
	ic := img.Config.Config
	if len(args) == 0 {
		args = ic.Cmd
	}
	cfg.Args = append(append([]string{}, ic.Entrypoint...), args...)
	if len(cfg.Args) == 0 {
		return fmt.Errorf("image %s has no Cmd and no Entrypoint: give the command, mini run %s COMMAND", shortID(img), shortID(img))
	}
	cfg.Env = ic.Env
	if !hasVar(cfg.Env, "PATH") {
		cfg.Env = append(cfg.Env, container.DefaultEnv[0]) // Docker adds its PATH too
	}
	cfg.User, cfg.WorkDir = ic.User, ic.WorkingDir
	cfg.Lower = img.Lowers()
	if len(cfg.Lower) == 0 {
		return fmt.Errorf("image %s has no layers: there is no file to run", shortID(img))
	}
	return nil
}

func hasVar(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

func shortID(img *image.Image) string {
	return img.ID.Encoded()[:12]
}
