//mini:chapter 04

package overlay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// Dirs is one container's overlay as the host side prepares it: its layers, and the empty
// directory they are merged at.
type Dirs struct {
	Layers
	Merged string
}

// Create makes one container's overlay directories in dir, its run directory, and returns
// them. It runs on the host side, before the init process is told to go on; the init side then
// mounts them (Mount). With readOnly there is no upper and no work directory.
//
// The upper starts empty: a container that writes nothing costs three empty directories.
// Create checks first, so that a bad layer is refused before anything is made.
func Create(dir string, lower []string, readOnly bool, n *explain.Narrator) (Dirs, error) {
	if err := checkLower(dir, lower); err != nil {
		return Dirs{}, err
	}
	d := Dirs{Layers: Layers{Lower: lower}, Merged: filepath.Join(dir, "merged")}
	if !readOnly {
		if err := checkUpperFS(dir); err != nil {
			return Dirs{}, err
		}
		// The work directory must be on the same filesystem as the upper: overlayfs prepares a
		// copy-up or a whiteout in work/ and then rename(2)s it into upper/, which is atomic
		// only within one filesystem (rename fails with EXDEV across filesystems).
		d.Upper, d.Work = filepath.Join(dir, "upper"), filepath.Join(dir, "work")
	}
	if d.Upper != "" || len(lower) > 1 {
		// Build the mount options now, on the host side, so that a layer path they cannot
		// hold is refused before anything is set up, not half-way through the start.
		if _, err := d.Options(); err != nil {
			return Dirs{}, err
		}
	}
	made := []string{}
	for _, p := range []string{d.Upper, d.Work, d.Merged} {
		if p == "" {
			continue
		}
		if err := os.Mkdir(p, 0o755); err != nil {
			return Dirs{}, fmt.Errorf("create the overlay directory %s: %w", p, err)
		}
		made = append(made, p)
	}
	n.Stepf(explain.Overlay, explain.Sh("mkdir "+strings.Join(made, " ")),
		"make the container's overlay directories: %s", describe(d))

	return d, nil
}

// Remove deletes the upper, work and merged directories: every change the container made is
// gone. It is the host side's undo of Create, run when the container has ended; by then the
// overlay is unmounted, since it lived in the container's mount namespace.
func (d Dirs) Remove(n *explain.Narrator) error {
	var paths []string
	for _, p := range []string{d.Upper, d.Work} {
		if p != "" {
			paths = append(paths, p)
		}
	}
	shell := "rmdir " + d.Merged
	if len(paths) > 0 {
		shell = "rm -rf " + strings.Join(paths, " ") + "; " + shell
	}
	n.Step(explain.Overlay, explain.Sh(shell), "remove the container's overlay directories (and with upper/ every change it made)")
	var errs []error
	for _, p := range paths {
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", p, err))
		}
	}
	// rmdir, never rm -r: if merged were still a mount point, a recursive remove would reach
	// through it; rmdir just fails with EBUSY.
	if err := os.Remove(d.Merged); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("remove %s: %w", d.Merged, err))
	}
	return errors.Join(errs...)
}

// CheckStateRoot refuses a state root inside a lower layer before anything is made: Mini would
// write the container's upper layer (and the state root itself) into a layer that must never be
// written. It runs with the other flag checks, before the state root is opened.
func CheckStateRoot(lower []string, stateRoot string) error {
	abs, err := filepath.Abs(stateRoot)
	if err != nil {
		return fmt.Errorf("state root %q: %w", stateRoot, err)
	}
	for _, l := range lower {
		if within(abs, l) {
			return fmt.Errorf("the state root %s is inside the lower layer %s, which must never be written: put --root outside it", abs, l)
		}
	}
	return nil
}

// checkLower refuses a lower layer that is not a directory, and one that overlaps the run
// directory: the upper would sit inside a layer that must never be written (and overlayfs
// refuses overlapping layers anyway, with ELOOP).
func checkLower(dir string, lower []string) error {
	if len(lower) == 0 {
		return errors.New("overlay: no lower layer: give the container a root filesystem (--rootfs)")
	}
	for _, l := range lower {
		st, err := os.Stat(l)
		if err != nil {
			return fmt.Errorf("lower layer %s: no such directory: point --rootfs at a root filesystem", l)
		}
		if !st.IsDir() {
			return fmt.Errorf("lower layer %s is not a directory: point --rootfs at a root filesystem", l)
		}
		if within(dir, l) || within(l, dir) {
			return fmt.Errorf("lower layer %s and the run directory %s overlap: a lower layer is never written, so put the state root (--root) outside it", l, dir)
		}
	}
	return nil
}

// checkUpperFS refuses an upper directory on an overlay filesystem before mount(2) does with a
// bare EINVAL (the kernel logs "filesystem on ... not supported as upperdir"). That is the
// usual case when Mini itself runs in a Docker container, whose root is an overlay.
func checkUpperFS(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", dir, err)
	}
	if int64(st.Type) == unix.OVERLAYFS_SUPER_MAGIC {
		root := filepath.Dir(filepath.Dir(dir))
		return fmt.Errorf("the state root %s is on an overlay filesystem, which overlayfs refuses as an upper layer: "+
			"put --root on a tmpfs (mount -t tmpfs tmpfs %s) or a real filesystem, or use --read-only", root, root)
	}
	return nil
}

// within reports whether path is dir or inside it, after following symbolic links.
func within(path, dir string) bool {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

func describe(d Dirs) string {
	if d.Upper == "" {
		return "merged/ only (read-only: no upper layer)"
	}
	return "upper/ (its writable layer), work/ (overlayfs' scratch space), merged/ (where the root is mounted)"
}
