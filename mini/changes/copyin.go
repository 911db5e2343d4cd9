//mini:chapter 07

package changes

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// CopyIn copies src on the host to dst in the container, as `docker cp SRC CTR:DST` does: into
// dst when dst is a directory, as dst otherwise (its directory must exist in the container). A
// directory is copied with all it holds, a symlink as a symlink. The copies keep their mode and
// mtime and belong to root, as in Docker.
//
// dst is resolved inside the container's root, symlinks included (see resolve): a link in the
// image cannot make cp write on the host. In a stopped container the files go into the upper
// layer as overlayfs would put them there: the directories on the way are copied up first (with
// the lower's owner, mode and mtime), and a directory made where a whiteout was is marked opaque,
// so that what the lowers had under that name stays deleted.
func CopyIn(r Root, src, dst string) error {
	var st unix.Stat_t
	if err := unix.Lstat(src, &st); err != nil {
		return fmt.Errorf("cp: %s: %w", src, err)
	}
	srcIsDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	v, err := r.open(true)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	defer v.Close()
	rel, err := v.resolve(dst, true)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	// The name the copy gets in a directory: the source's own, as the host resolves it ("." and
	// ".." are the names of real directories there, never steps in the container).
	abs, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	if abs == "/" {
		return fmt.Errorf("cp: refusing to copy the host's root directory into a container")
	}
	target := rel
	n, err := v.lookup(rel)
	switch {
	case err == nil && n.isDir():
		target = path.Join(rel, filepath.Base(abs))
	case err == nil && srcIsDir:
		return fmt.Errorf("cp: cannot copy the directory %s onto the file %s in the container", src, dst)
	case errors.Is(err, os.ErrNotExist):
		p, perr := v.lookup(path.Dir(rel))
		if strings.HasSuffix(dst, "/") || perr != nil || !p.isDir() {
			return fmt.Errorf("cp: the directory %s does not exist in the container", relName(path.Dir(rel)))
		}
	case err != nil:
		return fmt.Errorf("cp %s: %w", dst, err)
	}
	if target == "." {
		return fmt.Errorf("cp: cannot replace the container's root directory")
	}
	return put(v, src, target)
}

// put copies the host path src to rel in the view's layer 0, a directory with all it holds.
func put(v *view, src, rel string) error {
	e := entry{from: src, data: func() (io.ReadCloser, error) { return os.Open(src) }}
	if err := unix.Lstat(src, &e.st); err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	if e.st.Mode&unix.S_IFMT == unix.S_IFLNK {
		var err error
		if e.link, err = os.Readlink(src); err != nil {
			return fmt.Errorf("cp: %w", err)
		}
	}
	made, err := place(v, e, rel)
	if err != nil || e.st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	for _, c := range entries {
		if err := put(v, filepath.Join(src, c.Name()), path.Join(rel, c.Name())); err != nil {
			return err
		}
	}
	if made {
		return setMetaRel(v, rel, &e.st) // last: writing its entries changed its mtime
	}
	return nil
}

// entry is one thing cp writes into a container: a host file, or an entry of a tar.
type entry struct {
	from string                        // where it comes from, for messages
	st   unix.Stat_t                   // its type, mode and mtime
	link string                        // a symlink's target
	data func() (io.ReadCloser, error) // a regular file's content
}

// place writes e at rel in the view's layer 0, in place of what is there. A directory is made,
// or merged into when the container has one there already; made reports which, and a made
// directory gets its mode and mtime from the caller, after its contents.
func place(v *view, e entry, rel string) (made bool, err error) {
	parent, err := upperDir(v, path.Dir(rel))
	if err != nil {
		return false, err
	}
	defer parent.Close()
	pfd, name := int(parent.Fd()), path.Base(rel)
	existing, err := v.lookup(rel)
	if errors.Is(err, os.ErrNotExist) {
		existing, err = nil, nil
	}
	if err != nil {
		return false, fmt.Errorf("cp: %w", err)
	}
	var ust unix.Stat_t
	inUpper := unix.Fstatat(pfd, name, &ust, unix.AT_SYMLINK_NOFOLLOW) == nil
	wasWhiteout := inUpper && isWhiteout(&ust)

	if e.st.Mode&unix.S_IFMT == unix.S_IFDIR {
		if existing != nil && existing.isDir() {
			d, err := upperDir(v, rel) // merged into: copied up, keeps its own mode
			if err != nil {
				return false, err
			}
			return false, d.Close()
		}
		if inUpper {
			if err := unix.Unlinkat(pfd, name, 0); err != nil {
				return false, fmt.Errorf("cp: replace %s: %w", relName(rel), err)
			}
		}
		if err := unix.Mkdirat(pfd, name, 0o700); err != nil {
			return false, fmt.Errorf("cp: mkdir %s: %w", relName(rel), err)
		}
		if wasWhiteout {
			if err := markOpaque(v, rel); err != nil {
				return false, err
			}
		}
		return true, nil
	}

	if existing != nil && existing.isDir() {
		return false, fmt.Errorf("cp: cannot replace the directory %s in the container with the file %s", relName(rel), e.from)
	}
	if inUpper { // a file, a link or a whiteout: the new file takes its place
		if err := unix.Unlinkat(pfd, name, 0); err != nil {
			return false, fmt.Errorf("cp: replace %s: %w", relName(rel), err)
		}
	}
	switch e.st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		if err := putFile(pfd, name, e.data); err != nil {
			return false, fmt.Errorf("cp %s to %s: %w", e.from, relName(rel), err)
		}
	case unix.S_IFLNK:
		// Stored as text: it resolves inside the container, against the container's root.
		if err := unix.Symlinkat(e.link, pfd, name); err != nil {
			return false, fmt.Errorf("cp: symlink %s: %w", relName(rel), err)
		}
		return false, nil
	case unix.S_IFIFO:
		if err := unix.Mknodat(pfd, name, unix.S_IFIFO|0o600, 0); err != nil {
			return false, fmt.Errorf("cp: mkfifo %s: %w", relName(rel), err)
		}
	case unix.S_IFSOCK:
		return false, nil
	default:
		// A device node is a door to the host's hardware ("b 8 0" is the first disk): a
		// container gets its /dev from Mini and nothing else.
		return false, fmt.Errorf("cp: %s is a device node: cp does not copy devices into a container", e.from)
	}
	return false, setMeta(pfd, name, &e.st)
}

// putFile writes the content data gives to a new file name in the directory pfd.
func putFile(pfd int, name string, data func() (io.ReadCloser, error)) error {
	in, err := data()
	if err != nil {
		return err
	}
	defer in.Close()
	// O_EXCL|O_NOFOLLOW: the name was just cleared; never write through what appeared there.
	fd, err := unix.Openat(pfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	out := os.NewFile(uintptr(fd), name)
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// setMetaRel is setMeta for rel in the view's layer 0.
func setMetaRel(v *view, rel string, st *unix.Stat_t) error {
	parent, err := upperDir(v, path.Dir(rel))
	if err != nil {
		return err
	}
	defer parent.Close()
	return setMeta(int(parent.Fd()), path.Base(rel), st)
}

// upperDir opens the directory rel in layer 0, copying it up first (and its parents) when only
// the lowers have it: the new directory gets the lower's owner, mode and mtime, as overlayfs's
// own copy-up gives it.
func upperDir(v *view, rel string) (*os.File, error) {
	f, err := v.open(0, rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err == nil || !errors.Is(err, unix.ENOENT) || rel == "." {
		if err != nil {
			return nil, fmt.Errorf("cp: %w", err)
		}
		return f, nil
	}
	n, err := v.lookup(rel)
	if err != nil || !n.isDir() {
		return nil, fmt.Errorf("cp: %s is not a directory in the container", relName(rel))
	}
	parent, err := upperDir(v, path.Dir(rel))
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	pfd, name := int(parent.Fd()), path.Base(rel)
	up := filepath.Join(v.dirs[0], rel)
	v.n.Stepf(explain.Overlay, explain.Sh(fmt.Sprintf("mkdir %s && chown %d:%d %s && chmod %o %s", up, n.st.Uid, n.st.Gid, up, n.st.Mode&0o7777, up)),
		"copy up %s: the upper gets the directory, with the lower's owner and mode, before anything is written in it (as overlayfs does)", relName(rel))
	if err := unix.Mkdirat(pfd, name, 0o700); err != nil {
		return nil, fmt.Errorf("cp: copy up %s: %w", relName(rel), err)
	}
	if err := unix.Fchownat(pfd, name, int(n.st.Uid), int(n.st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, fmt.Errorf("cp: copy up %s: %w", relName(rel), err)
	}
	if err := setMeta(pfd, name, &n.st); err != nil {
		return nil, err
	}
	if f, err = v.open(0, rel, unix.O_RDONLY|unix.O_DIRECTORY); err != nil {
		return nil, fmt.Errorf("cp: %w", err)
	}
	return f, nil
}

// markOpaque marks the upper's new directory rel opaque: the lowers' directory of that name was
// deleted (a whiteout stood here) and must stay hidden below the new one.
func markOpaque(v *view, rel string) error {
	up := filepath.Join(v.dirs[0], rel)
	v.n.Stepf(explain.Overlay, explain.Sh(fmt.Sprintf("setfattr -n %s -v y %s", opaqueXattr, up)),
		"%s replaces a deleted directory: mark it opaque, so that the lower layers' %s stays hidden below it", relName(rel), relName(rel))
	f, err := v.open(0, rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	defer f.Close()
	if err := unix.Fsetxattr(int(f.Fd()), opaqueXattr, []byte("y"), 0); err != nil {
		return fmt.Errorf("cp: mark %s opaque: setxattr %s: %w", relName(rel), opaqueXattr, err)
	}
	return nil
}
