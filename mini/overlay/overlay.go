//mini:chapter 04

// Package overlay gives each container a root filesystem of its own that costs almost nothing:
// the read-only layers that many containers share, with one small writable layer per container
// on top, merged by the kernel's overlay filesystem. See
// https://docs.kernel.org/filesystems/overlayfs.html.
//
//	merged/   what the container sees as "/": the union of the layers below
//	upper/    this container's changes, and only those (starts empty)
//	lower     read-only layers, top first: the busybox rootfs today, an image's layers in
//	          chapter 06; never written, by anything
//	work/     overlayfs' scratch space, on the same filesystem as upper/
//
// A read opens the file in the topmost layer that has it. The first write to a lower file
// copies it up into upper/ first ("copy-up"), so the lower keeps its bytes. Deleting a lower
// file leaves a whiteout in upper/ (a character device 0/0) that hides it; a directory that is
// deleted and made again is marked opaque (xattr trusted.overlay.opaque=y) so that the lower's
// entries stay hidden below it.
//
// The host side (Create, in the run directory) only makes the directories; the init side
// (Mount) mounts the overlay inside the container's own mount namespace. That split is on
// purpose: a mount lives in the namespace it was made in, and the kernel unmounts everything in
// a mount namespace when its last process exits. So however a run ends (the command exits, the
// start fails half-way, Mini is killed with SIGKILL), no overlay is left mounted on the host.
package overlay

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// Layers are the directories one overlay mount is made of. The same struct serves the busybox
// rootfs (one lower) and an image (chapter 06: one lower per image layer).
type Layers struct {
	Lower []string // read-only layers, the top one first (it wins where two layers have a path)
	Upper string   // the writable layer; "" for a read-only root
	Work  string   // overlayfs' scratch directory: empty, same filesystem as Upper; "" when Upper is
}

// maxOptions is how much mount(2) passes on: the kernel copies the data argument into one page
// (copy_mount_options in fs/namespace.c) and cuts the rest off.
const maxOptions = 4096 - 1

// Options returns the mount options for the layers:
//
//	lowerdir=TOP:...:BOTTOM,upperdir=UPPER,workdir=WORK
//
// or just lowerdir=... for a read-only overlay. The order of lowerdir matters: the first
// directory is the top layer, whose files hide those of the layers after it.
func (l Layers) Options() (string, error) {
	if len(l.Lower) == 0 {
		return "", fmt.Errorf("overlay: no lower layer")
	}
	if (l.Upper == "") != (l.Work == "") {
		return "", fmt.Errorf("overlay: upperdir %q and workdir %q go together: give both or neither", l.Upper, l.Work)
	}
	for _, dir := range append(append([]string{}, l.Lower...), l.Upper, l.Work) {
		// ":" separates the lower layers and "," the options; a path holding either would be
		// cut in two by the kernel's option parser.
		if i := strings.IndexAny(dir, ":,\\"); i >= 0 {
			return "", fmt.Errorf("overlay layer %q: overlayfs mount options cannot hold the %q in it: use a path without it", dir, string(dir[i]))
		}
	}
	//mini:solution 04.1 Build the options: lowerdir= with the lower layers joined by ":" (top first), then upperdir= and workdir= when there is an upper.
	opts := "lowerdir=" + strings.Join(l.Lower, ":")
	if l.Upper != "" {
		opts += ",upperdir=" + l.Upper + ",workdir=" + l.Work
	}
	if len(opts) > maxOptions {
		return "", fmt.Errorf("overlay mount options are %d bytes, more than the %d mount(2) takes: use fewer or shorter layer paths", len(opts), maxOptions)
	}
	return opts, nil
	//mini:stub return "", todo.Step("04.1")
	//mini:end
}

// Mount mounts the layers on target. It runs on the init side, in the container's mount
// namespace, after every mount in it was made private (chapter 02): a mount made under a shared
// mount would propagate back to the host and outlive the container.
//
// Without an upper layer the root is read-only, and every write fails with EROFS. overlayfs
// refuses a mount with no upperdir and a single lowerdir ("at least 2 lowerdir are needed while
// upperdir nonexistent"), and naming the same lower twice only makes it look up every path
// twice, so a single read-only layer is bind-mounted read-only instead: same view, no overlay.
func Mount(l Layers, target string, n *explain.Narrator) error {
	if l.Upper == "" && len(l.Lower) == 1 {
		return bindReadOnly(l.Lower[0], target, n)
	}
	opts, err := l.Options()
	if err != nil {
		return err
	}
	var flags uintptr
	what := fmt.Sprintf("mount the root: an overlay of %s, with %s as its writable upper layer", layerCount(len(l.Lower)), l.Upper)
	if l.Upper == "" {
		flags = unix.MS_RDONLY
		what = fmt.Sprintf("mount the root: a read-only overlay of %s, no upper layer", layerCount(len(l.Lower)))
	}
	n.Step(explain.Overlay, explain.Sh(Command(opts, target, flags)), what)
	//mini:solution 04.2 Mount an overlay filesystem with these options on target (mount(2), source and type "overlay").
	if err := unix.Mount("overlay", target, "overlay", flags, opts); err != nil {
		// The kernel says why only in its log: EINVAL covers a dozen reasons.
		return fmt.Errorf("mount overlay on %s: %w (the kernel logs why: dmesg | grep -i overlay)", target, err)
	}
	return nil
	//mini:stub return todo.Step("04.2")
	//mini:end
}

// Command is the mount(8) command line that mounts an overlay with opts on target.
func Command(opts, target string, flags uintptr) string {
	if flags&unix.MS_RDONLY != 0 {
		opts = "ro," + opts
	}
	return fmt.Sprintf("mount -t overlay overlay -o %s %s", opts, target)
}

// bindReadOnly makes target show lower, read-only. A bind mount's read-only flag can only be
// set by remounting it (mount(2), "Creating a bind mount"), hence two calls.
func bindReadOnly(lower, target string, n *explain.Narrator) error {
	n.Stepf(explain.Overlay, explain.Sh(fmt.Sprintf("mount --bind %s %s\nmount -o remount,bind,ro %s", lower, target, target)),
		"mount the root read-only: a read-only bind mount of %s (one layer needs no overlay)", lower)

	if err := unix.Mount(lower, target, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind-mount %s on %s: %w", lower, target, err)
	}
	if err := unix.Mount("", target, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("make %s read-only: %w", target, err)
	}
	return nil
}

func layerCount(k int) string {
	if k == 1 {
		return "1 read-only layer"
	}
	return fmt.Sprintf("%d read-only layers", k)
}
