//mini:chapter 07

// Package changes reads what a container changed in its filesystem, and turns it into
// something else: a list (diff), a flat archive (export), an image layer (commit), or files
// copied in and out (cp).
//
// Everything a container writes lands in its upper layer (chapter 04): a new or copied-up file
// as itself, a deleted one as a whiteout (a character device 0/0), a directory deleted and made
// again as an opaque directory (xattr trusted.overlay.opaque=y). So the upper layer *is* the
// container's change set, in overlayfs's format, and this package works on directories only:
// the layers of a stopped container, or the root of a running one (/proc/PID/root).
package changes

import (
	"fmt"
	"path"
	"slices"

	"golang.org/x/sys/unix"
)

// Kind is what happened to a path, as `docker diff` prints it.
type Kind byte

const (
	Added   Kind = 'A' // the path is new
	Changed Kind = 'C' // a file was changed (copied up), or a directory has changes inside
	Deleted Kind = 'D' // the path was deleted
)

// Change is one line of `mini diff`.
type Change struct {
	Kind Kind
	Path string // absolute, in the container: /etc/passwd
}

func (c Change) String() string { return fmt.Sprintf("%c %s", c.Kind, c.Path) }

// Diff lists what the upper layer changes in the lowers (top first), as `docker diff` does: in
// the order of a walk of the upper layer, each directory's entries by name, a directory before
// what it holds (C /etc, then A /etc/new).
//
// A whiteout is a D. A directory in the upper that the lowers have is a C: overlayfs copies a
// directory up only to change something in it, or about it. An opaque directory hides the
// lowers' whole directory; Docker then prints D for the directory and A for what it holds
// now, which reads as if the directory were gone. Mini prints what the container sees: C for the
// directory, D for each name of the lowers' that it no longer has, A or C for what it has.
func Diff(lowers []string, upper string) ([]Change, error) {
	up, err := openView([]string{upper})
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	defer up.Close()
	d := &differ{up: up}
	var lowerRoot *node
	if len(lowers) > 0 {
		if d.low, err = openView(lowers); err != nil {
			return nil, fmt.Errorf("diff: %w", err)
		}
		defer d.low.Close()
		if lowerRoot, err = d.low.root(); err != nil {
			return nil, fmt.Errorf("diff: %w", err)
		}
	}
	if err := d.dir(".", lowerRoot); err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	return d.out, nil
}

type differ struct {
	up  *view // the upper layer alone
	low *view // the lowers merged; nil when there are none
	out []Change
}

// dir lists the changes below the upper's directory rel. lower is what the lowers have at rel
// (nil for nothing, or for something that is not a directory).
func (d *differ) dir(rel string, lower *node) error {
	names, err := d.up.layerNames(0, rel)
	if err != nil {
		return err
	}
	inUpper := map[string]bool{}
	for _, n := range names {
		inUpper[n] = true
	}
	opaque, err := d.up.opaque(0, rel) // also refuses a renamed (redirect) directory
	if err != nil {
		return err
	}
	if lower != nil {
		if opaque {
			// What the lowers have here and the upper does not is hidden: deleted.
			cs, err := d.low.readDir(lower)
			if err != nil {
				return err
			}
			for _, c := range cs {
				name := path.Base(c.rel)
				if !inUpper[name] {
					names = append(names, name)
				}
			}
			slices.Sort(names)
		}
	}
	for _, name := range names {
		p := path.Join(rel, name)
		if !inUpper[name] {
			d.add(Deleted, p)
			continue
		}
		var lc *node
		if lower != nil {
			if lc, err = d.low.child(lower, name); err != nil {
				return err
			}
		}
		st, err := d.up.lstat(0, p)
		if err != nil {
			return err
		}
		if isWhiteout(&st) {
			if lc != nil {
				d.add(Deleted, p)
			}
			continue
		}
		kind := Added
		if lc != nil {
			kind = Changed
		}
		d.add(kind, p)
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			if lc != nil && !lc.isDir() {
				lc = nil // a file replaced by a directory: everything in it is new
			}
			if err := d.dir(p, lc); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *differ) add(k Kind, rel string) {
	d.out = append(d.out, Change{Kind: k, Path: "/" + rel})
}
