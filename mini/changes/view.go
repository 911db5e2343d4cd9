//mini:chapter 07

package changes

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// A view is a directory tree as a container sees it, computed from its layers without mounting
// them: the directories are stacked top first, as overlayfs stacks lowerdir= (the upper, when
// there is one, on top of them all). It follows overlayfs's own rules
// (Documentation/filesystems/overlayfs.rst, "Directories", "whiteouts and opaque directories"):
//
//   - a name is looked up layer by layer, top first, and the first layer that has it wins;
//   - a character device 0/0 (a whiteout) hides the name in every layer below it;
//   - a directory is merged with the directories of the same name below it, down to the first
//     layer where the name is not a directory, or to a directory marked opaque
//     (trusted.overlay.opaque=y), whose layers below are hidden.
//
// One directory alone is a view too: a running container's root, /proc/PID/root, where the
// kernel has merged the layers already.
//
// Every file is reached through an open descriptor of its layer's root with openat2(2)'s
// RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS. The paths a view walks never go through a symlink (the
// symlinks of the container are resolved by the view itself, inside the container's root, see
// resolve), so a symlink met on the way is something that changed under Mini's feet (a running
// container can swap a directory for a link to / while cp works): the kernel then refuses the
// lookup instead of following it out to the host.
type view struct {
	layers []*os.File // the layers' root directories, top first
	dirs   []string   // their paths, for --explain
	n      *explain.Narrator
}

// openView opens dirs (top first) as one view.
func openView(dirs []string) (*view, error) {
	v := &view{}
	for _, d := range dirs {
		f, err := os.OpenFile(d, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			v.Close()
			return nil, fmt.Errorf("open the layer %s: %w", d, err)
		}
		v.layers = append(v.layers, f)
		v.dirs = append(v.dirs, d)
	}
	if len(v.layers) == 0 {
		return nil, errors.New("no layer to look at: give the container's layers or its root directory")
	}
	return v, nil
}

// Close closes the layers.
func (v *view) Close() {
	for _, f := range v.layers {
		f.Close()
	}
	v.layers = nil
}

// node is one name in a view.
type node struct {
	rel  string      // its path from the root: "." or "etc/passwd"
	top  int         // the layer it comes from (the topmost that has it)
	st   unix.Stat_t // its lstat in that layer
	dirs []int       // for a directory: the layers whose directory of that name is merged, top first
}

func (n *node) isDir() bool     { return n.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (n *node) isSymlink() bool { return n.st.Mode&unix.S_IFMT == unix.S_IFLNK }

// root is the view's root directory.
func (v *view) root() (*node, error) {
	all := make([]int, len(v.layers))
	for i := range all {
		all[i] = i
	}
	n, err := v.merge(".", all)
	if err != nil {
		return nil, err
	}
	if n == nil || !n.isDir() {
		return nil, errors.New("the top layer's root is not a directory")
	}
	return n, nil
}

// child looks name up in the directory p. It returns nil, nil when the view has no such name.
func (v *view) child(p *node, name string) (*node, error) {
	return v.merge(path.Join(p.rel, name), p.dirs)
}

// merge applies overlayfs's lookup rules to rel in the given layers (top first).
func (v *view) merge(rel string, layers []int) (*node, error) {
	var n *node
	for _, li := range layers {
		st, err := v.lstat(li, rel)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == nil {
			if isWhiteout(&st) {
				return nil, nil // deleted: the layers below do not count
			}
			n = &node{rel: rel, top: li, st: st}
			if !n.isDir() {
				return n, nil
			}
		} else if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			break // a file or a whiteout below a directory: it, and all below it, are hidden
		}
		n.dirs = append(n.dirs, li)
		opaque, err := v.opaque(li, rel)
		if err != nil {
			return nil, err
		}
		if opaque {
			break
		}
	}
	return n, nil
}

// lookup finds rel (clean, relative, with no symlink on the way: see resolve) in the view.
// A missing name, or one below a non-directory, is os.ErrNotExist.
func (v *view) lookup(rel string) (*node, error) {
	n, err := v.root()
	if err != nil {
		return nil, err
	}
	if rel == "." {
		return n, nil
	}
	for _, name := range splitPath(rel) {
		if !n.isDir() {
			return nil, fmt.Errorf("/%s: %w (a part of the path is not a directory)", rel, os.ErrNotExist)
		}
		if n, err = v.child(n, name); err != nil {
			return nil, err
		}
		if n == nil {
			return nil, fmt.Errorf("/%s: %w", rel, os.ErrNotExist)
		}
	}
	return n, nil
}

// readDir returns the directory n's entries in the view, by name.
func (v *view) readDir(n *node) ([]*node, error) {
	var names []string
	for _, li := range n.dirs {
		ns, err := v.layerNames(li, n.rel)
		if err != nil {
			return nil, err
		}
		names = append(names, ns...)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var out []*node
	for _, name := range names {
		c, err := v.child(n, name)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// layerNames lists what one layer's directory rel holds, whiteouts included, by name.
func (v *view) layerNames(li int, rel string) ([]string, error) {
	f, err := v.open(li, rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("read the directory /%s: %w", rel, err)
	}
	slices.Sort(names)
	return names, nil
}

// open opens rel in layer li, beneath the layer's root, through no symlink; the last component
// is not followed either (O_NOFOLLOW).
func (v *view) open(li int, rel string, flags int) (*os.File, error) {
	fd, err := unix.Openat2(int(v.layers[li].Fd()), rel, &unix.OpenHow{
		Flags:   uint64(flags | unix.O_NOFOLLOW | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		if errors.Is(err, unix.EXDEV) || errors.Is(err, unix.ELOOP) {
			return nil, fmt.Errorf("/%s: a symlink or '..' on the way out of the container's root (did it change meanwhile?): refused: %w", rel, err)
		}
		return nil, &os.PathError{Op: "open", Path: "/" + rel, Err: err}
	}
	return os.NewFile(uintptr(fd), rel), nil
}

// openFile opens the regular file n for reading. O_NONBLOCK and the check after the open are for
// a running container that swaps the file for a FIFO meanwhile: a plain open of a FIFO waits for
// a writer, forever.
func (v *view) openFile(n *node) (*os.File, error) {
	f, err := v.open(n.top, n.rel, unix.O_RDONLY|unix.O_NONBLOCK)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.Close()
		return nil, fmt.Errorf("/%s is no longer a regular file (did it change meanwhile?)", n.rel)
	}
	return f, nil
}

// lstat is lstat(2) of rel in layer li.
func (v *view) lstat(li int, rel string) (unix.Stat_t, error) {
	var st unix.Stat_t
	f, err := v.open(li, rel, unix.O_PATH)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return st, pe.Err
		}
		return st, err
	}
	defer f.Close()
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return st, fmt.Errorf("stat /%s: %w", rel, err)
	}
	return st, nil
}

// readlink returns the target of the symlink n.
func (v *view) readlink(n *node) (string, error) {
	f, err := v.open(n.top, n.rel, unix.O_PATH)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// readlinkat(2) with an empty path reads the link an O_PATH|O_NOFOLLOW descriptor is open on.
	buf := make([]byte, unix.PathMax)
	k, err := unix.Readlinkat(int(f.Fd()), "", buf)
	if err != nil {
		return "", fmt.Errorf("readlink /%s: %w", n.rel, err)
	}
	return string(buf[:k]), nil
}

// opaque reports whether the directory rel in layer li is opaque. Only an unmounted layer shows
// the xattr: through a mounted overlay (a running container's root) overlayfs hides its own.
func (v *view) opaque(li int, rel string) (bool, error) {
	f, err := v.open(li, rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return false, err
	}
	defer f.Close()
	// A renamed directory (overlayfs's redirect_dir=on) is an upper directory that points at
	// another path in the lowers. Mini's mounts leave the feature off (the kernel's default, see
	// /sys/module/overlay/parameters/redirect_dir); a layer that has one is refused rather than
	// read wrong.
	if _, err := unix.Fgetxattr(int(f.Fd()), redirectXattr, nil); err == nil {
		return false, fmt.Errorf("/%s is a renamed directory (xattr %s, overlayfs's redirect_dir=on): Mini does not read those", rel, redirectXattr)
	}
	buf := make([]byte, 8)
	k, err := unix.Fgetxattr(int(f.Fd()), opaqueXattr, buf)
	if errors.Is(err, unix.ENODATA) || errors.Is(err, unix.ENOTSUP) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("getxattr %s on /%s: %w", opaqueXattr, rel, err)
	}
	return k == 1 && buf[0] == 'y', nil
}

// isWhiteout reports whether st is overlayfs's whiteout: a character device numbered 0/0.
func isWhiteout(st *unix.Stat_t) bool {
	return st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0
}

// splitPath splits a clean relative path into its names.
func splitPath(rel string) []string {
	if rel == "." || rel == "" {
		return nil
	}
	return strings.Split(rel, "/")
}

// The names overlayfs uses in an upper layer and the OCI layer format uses in an archive (see
// package layer, whiteout.go, which converts the other way).
const (
	opaqueXattr    = "trusted.overlay.opaque"
	redirectXattr  = "trusted.overlay.redirect"
	whiteoutPrefix = ".wh."
	opaqueWhiteout = ".wh..wh..opq"
)
