//mini:chapter 07

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/changes"
	"github.com/minikit/kit/mini/engine"
	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/tty"
)

// containerFS is what the change commands need of a container: its layers, its image, and
// whether it runs (then cp goes through the kernel's merged view, /proc/PID/root).
type containerFS struct {
	Lower   []string // read-only layers, top first
	Upper   string   // the writable layer ("" for --read-only); made by the first start
	Image   string   // the image as given to run
	ImageID string   // the image's ID, "" for a container of a --rootfs directory
	Running bool
	PID     int // the init process, when Running
}

// changed returns the upper layer when there is one to read: "" for a --read-only container,
// and for one created but never started (the engine makes the upper at the first start).
func (ctr containerFS) changed() string {
	if ctr.Upper == "" {
		return ""
	}
	if _, err := os.Stat(ctr.Upper); err != nil {
		return ""
	}
	return ctr.Upper
}

// lookupContainer finds a container by name or unambiguous ID prefix (a variable: the tests
// put a container of their own in its place).
var lookupContainer = engineContainer

// engineContainer finds a container among the engine's records.
func engineContainer(c *cli.Context, name string) (containerFS, error) {
	e, err := engine.Open(c.String("root"))
	if err != nil {
		return containerFS{}, err
	}
	ctr, err := e.Lookup(name)
	if err != nil {
		return containerFS{}, err
	}
	if err := ctr.Usable(); err != nil {
		return containerFS{}, err
	}
	fs := containerFS{Lower: ctr.Config.Lower, Image: ctr.Image, ImageID: ctr.ImageID, Running: ctr.Running(), PID: ctr.State.PID}
	if len(fs.Lower) == 0 {
		fs.Lower = []string{ctr.Config.Rootfs} // a --rootfs container: the directory is its one lower
	}
	if !ctr.Config.ReadOnly {
		fs.Upper = ctr.Path("upper")
	}
	return fs, nil
}

// diffCommand is `mini diff CONTAINER`.
func diffCommand() *cli.Command {
	return &cli.Command{
		Name:         "diff",
		Usage:        "list the files a container added (A), changed (C) and deleted (D)",
		ArgsUsage:    "CONTAINER",
		Flags:        []cli.Flag{explainFlag()},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("diff: name one container: mini diff CONTAINER")
			}
			ctr, err := lookupContainer(c, c.Args().First())
			if err != nil {
				return err
			}
			if ctr.changed() == "" {
				return nil // read-only, or never started: no changes
			}
			narrator(c).Stepf(explain.Overlay, explain.Sh(fmt.Sprintf("cd %s && find . -mindepth 1    # everything here is a change\nfind %s -type c    # the whiteouts: each is a D", ctr.Upper, ctr.Upper)),
				"read the container's upper layer: what it added, changed and deleted is all there")
			list, err := changes.Diff(ctr.Lower, ctr.Upper)
			if err != nil {
				return err
			}
			for _, ch := range list {
				fmt.Println(ch)
			}
			return nil
		},
	}
}

// exportCommand is `mini export [-o FILE] CONTAINER`.
func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write a container's filesystem as a flat tar archive (no layers, no history: mini import reads it)",
		ArgsUsage: "CONTAINER",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to this file instead of stdout"},
			explainFlag(),
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("export: name one container: mini export -o fs.tar CONTAINER")
			}
			ctr, err := lookupContainer(c, c.Args().First())
			if err != nil {
				return err
			}
			layers := ctr.Lower
			if up := ctr.changed(); up != "" {
				layers = append([]string{up}, layers...)
			}
			narrator(c).Stepf(explain.Overlay, explain.Sh("mount -t overlay overlay -o ro,lowerdir="+strings.Join(layers, ":")+" /mnt && tar -C /mnt -c . && umount /mnt"),
				"archive the merged view of the container's layers, whiteouts applied (Mini walks the layers itself: nothing is mounted)")
			return writeOut(c.String("output"), "export", func(w io.Writer) error {
				return changes.Export(w, ctr.Lower, ctr.changed())
			})
		},
	}
}

// writeOut writes an archive to the file name (through a temporary name, renamed when complete:
// no half archive under the name asked for) or, with no name, to stdout unless it is a terminal.
func writeOut(name, what string, write func(io.Writer) error) error {
	if name == "" {
		if tty.IsTerminal(os.Stdout.Fd()) {
			return fmt.Errorf("%s: refusing to write a tar archive to a terminal: use -o FILE or a pipe", what)
		}
		return write(os.Stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-")
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return os.Rename(tmp.Name(), name)
}

// commitCommand is `mini commit [-a AUTHOR] [-m MESSAGE] [-c CHANGE]... CONTAINER NAME[:TAG]`.
func commitCommand() *cli.Command {
	return &cli.Command{
		Name:      "commit",
		Usage:     "make an image of a container's changes: its upper layer on top of its image's layers",
		ArgsUsage: "CONTAINER NAME[:TAG]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "author", Aliases: []string{"a"}, Usage: "the author (\"Ada <ada@example.com>\")"},
			&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "a commit message, shown by mini history"},
			&cli.StringSliceFlag{Name: "change", Aliases: []string{"c"}, Usage: "a Dockerfile instruction for the config: CMD, ENTRYPOINT, ENV, WORKDIR, USER"},
			explainFlag(),
		},
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("commit: give a container and a name for the image: mini commit CONTAINER myimage:1")
			}
			ctr, err := lookupContainer(c, c.Args().First())
			if err != nil {
				return err
			}
			upper := ctr.changed()
			if upper == "" {
				// Read-only, or never started: no changes, and the image is the container's
				// image with an empty layer on top, as Docker makes it.
				if upper, err = os.MkdirTemp("", "mini-commit-empty-"); err != nil {
					return fmt.Errorf("commit: %w", err)
				}
				defer os.Remove(upper)
			}
			store, err := image.Open(c.String("root"))
			if err != nil {
				return err
			}
			defer store.Close()
			store.Explain = narrator(c)
			var base *image.Image
			if ctr.ImageID != "" {
				if base, err = store.Resolve(ctr.ImageID); err != nil {
					return fmt.Errorf("commit: the container's image %s (%s) is not in the store any more: %w", ctr.Image, ctr.ImageID, err)
				}
			}
			img, err := changes.Commit(store, base, upper, changes.CommitOptions{
				Ref:     c.Args().Get(1),
				Author:  c.String("author"),
				Message: c.String("message"),
				Changes: c.StringSlice("change"),
				Explain: narrator(c),
			})
			if err != nil {
				return err
			}
			fmt.Println(img.ID)
			return nil
		},
	}
}

// cpCommand is `mini cp CONTAINER:SRC DST` and `mini cp SRC CONTAINER:DST`.
func cpCommand() *cli.Command {
	return &cli.Command{
		Name:      "cp",
		Usage:     "copy files between a container and the host",
		ArgsUsage: "CONTAINER:SRC DST|- | SRC|- CONTAINER:DST",
		Flags:     []cli.Flag{explainFlag()},
		Description: "A path in the container is resolved inside the container's root, symlinks included, as the\n" +
			"container itself would resolve it. A host path with a colon in it starts with ./ or /.",
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return fmt.Errorf("cp: give a source and a destination, one of them CONTAINER:PATH: mini cp web:/etc/hosts .")
			}
			src, dst := c.Args().Get(0), c.Args().Get(1)
			sctr, spath, sIn := splitContainerPath(src)
			dctr, dpath, dIn := splitContainerPath(dst)
			switch {
			case sIn && dIn:
				return fmt.Errorf("cp: copying between two containers is not supported: copy to the host first")
			case !sIn && !dIn:
				return fmt.Errorf("cp: one of %s and %s must be CONTAINER:PATH", src, dst)
			}
			name, host := sctr, dst
			if dIn {
				name, host = dctr, src
			}
			ctr, err := lookupContainer(c, name)
			if err != nil {
				return err
			}
			if dIn && !ctr.Running && ctr.changed() == "" {
				if ctr.Upper == "" {
					return fmt.Errorf("cp: the container %s runs --read-only: nothing can be copied into it", name)
				}
				// The first start makes the upper layer; one made here would be in its way.
				return fmt.Errorf("cp: the container %s has not run yet, so it has no writable layer: start it once, then copy", name)
			}
			root, done, err := cpRoot(c, ctr)
			if err != nil {
				return err
			}
			defer done()
			if sIn && host == "-" {
				if tty.IsTerminal(os.Stdout.Fd()) {
					return fmt.Errorf("cp: refusing to write a tar archive to a terminal: use a pipe, or a path on the host")
				}
				return changes.CopyOutTar(root, spath, os.Stdout)
			}
			if sIn {
				return changes.CopyOut(root, spath, host)
			}
			if host == "-" {
				if tty.IsTerminal(os.Stdin.Fd()) {
					return fmt.Errorf("cp: - reads a tar archive from stdin: give one on a pipe (tar -c . | mini cp - CTR:/dir)")
				}
				return changes.CopyInTar(root, os.Stdin, dpath)
			}
			return changes.CopyIn(root, host, dpath)
		},
	}
}

// cpRoot is where cp finds a container's files: a running container's root as the kernel
// shows it to the host, or a stopped one's layers. The caller calls done when the copy is over.
func cpRoot(c *cli.Context, ctr containerFS) (root changes.Root, done func(), err error) {
	n := narrator(c)
	if !ctr.Running {
		n.Stepf(explain.Overlay, explain.Sh("ls "+ctr.Upper+" "+strings.Join(ctr.Lower, " ")),
			"the container is stopped: read its layers merged by hand and write into its upper layer (nothing is mounted)")
		return changes.Root{Lower: ctr.Lower, Upper: ctr.changed(), Explain: n}, func() {}, nil
	}
	dir := fmt.Sprintf("/proc/%d/root", ctr.PID)
	// /proc/PID/root is the process's root directory, in its own mount namespace: the overlay
	// the container sees, reached from the host (proc(5)). Writes go through the container's own
	// mount, so the container sees them at once.
	n.Stepf(explain.Mount, explain.Sh(fmt.Sprintf("readlink /proc/%d/ns/mnt /proc/self/ns/mnt    # must differ\nls %s", ctr.PID, dir)),
		"the container runs: reach its merged root through %s", dir)
	f, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return changes.Root{}, nil, fmt.Errorf("cp: the container's process %d is gone: try again, or stop the container first", ctr.PID)
	}
	// A PID is only a number: should the container's process be gone and its number reused by
	// a host process, /proc/PID/root would be the host's /, and cp would write there. A
	// container's process always has a mount namespace of its own (chapter 02). The root is
	// opened first and checked after: if the PID still names a process of its own namespace,
	// the directory open is that process's root. cp then goes through the open directory
	// (/proc/self/fd/N names exactly it), not through the PID again.
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", ctr.PID))
	self, serr := os.Readlink("/proc/self/ns/mnt")
	if err != nil || serr != nil || ns == self {
		f.Close()
		return changes.Root{}, nil, fmt.Errorf("cp: the container's process %d is gone (or is not in a mount namespace of its own): try again, or stop the container first", ctr.PID)
	}
	return changes.Root{Dir: fmt.Sprintf("/proc/self/fd/%d", f.Fd())}, func() { f.Close() }, nil
}

// splitContainerPath splits "CONTAINER:PATH" as Docker does: a colon before any slash. A host
// path with a colon in it is written ./a:b or /a:b.
func splitContainerPath(arg string) (ctr, p string, ok bool) {
	if strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") {
		return "", arg, false
	}
	i := strings.Index(arg, ":")
	if i <= 0 || strings.Contains(arg[:i], "/") {
		return "", arg, false
	}
	return arg[:i], arg[i+1:], true
}

func explainFlag() cli.Flag {
	return &cli.BoolFlag{Name: "explain", Usage: "narrate each step on stderr, with the shell command that does it by hand"}
}
