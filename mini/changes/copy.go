//mini:chapter 07

package changes

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// Root is a container's filesystem as cp reaches it: one of two kinds, one set of rules.
type Root struct {
	// Dir is a running container's root as the host reaches it: /proc/PID/root. The kernel has
	// merged the layers there, and writes go through the container's own overlay mount.
	Dir string
	// Lower (top first) and Upper are a stopped container's layers, used when Dir is "": read
	// merged by hand (see view), written into the upper with overlayfs's rules (copy-up of the
	// parent directories, a whiteout replaced). Nothing is mounted.
	Lower []string
	Upper string
	// Explain narrates what cp does to the upper layer (copy-ups, opaque marks); nil is silent.
	Explain *explain.Narrator
}

// open opens the root as a view whose layer 0 is where writes go (none when writable is false).
func (r Root) open(writable bool) (*view, error) {
	dirs := append([]string{r.Upper}, r.Lower...)
	switch {
	case r.Dir != "":
		dirs = []string{r.Dir}
	case r.Upper == "" && writable:
		return nil, errors.New("the container has no writable layer (it runs --read-only)")
	case r.Upper == "":
		dirs = r.Lower
	}
	v, err := openView(dirs)
	if err != nil {
		return nil, err
	}
	v.n = r.Explain
	return v, nil
}

// CopyOut copies src, a path in the container, to dst on the host, as `docker cp CTR:SRC DST`
// does: into dst when dst is a directory, as dst otherwise (its parent must exist). A symlink
// is copied as a symlink; src's own last component is not followed (as Docker without -L).
// Files keep their mode and mtime; they belong to whoever runs cp (root), as in Docker.
func CopyOut(r Root, src, dst string) error {
	v, err := r.open(false)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	defer v.Close()
	rel, n, err := v.source(src)
	if err != nil {
		return err
	}
	target := dst
	if st, err := os.Stat(dst); err == nil && st.IsDir() {
		if rel == "." {
			// The container's whole root into an existing directory: its contents go there.
			return copyTreeOut(v, n, dst)
		}
		target = filepath.Join(dst, path.Base(rel))
	} else if err == nil && n.isDir() {
		return fmt.Errorf("cp: cannot copy the directory %s onto the file %s", src, dst)
	} else if _, err := os.Stat(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("cp: the directory %s does not exist on the host", filepath.Dir(dst))
	}
	return get(v, n, target)
}

// CopyOutTar writes src, a path in the container, to w as a tar archive whose one top entry is
// src's own name: what `docker cp CTR:SRC -` writes.
func CopyOutTar(r Root, src string, w io.Writer) error {
	v, err := r.open(false)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	defer v.Close()
	rel, n, err := v.source(src)
	if err != nil {
		return err
	}
	t := newTarWriter(w, v)
	if rel == "." {
		err = t.tree(n, "") // the whole root: its contents, as export writes them
	} else if err = t.entry(n, path.Base(rel)); err == nil && n.isDir() {
		err = t.tree(n, path.Base(rel))
	}
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	return t.Close()
}

// source finds what cp copies out: src resolved inside the root, its own last component not
// followed.
func (v *view) source(src string) (string, *node, error) {
	rel, err := v.resolve(src, false)
	if err != nil {
		return "", nil, fmt.Errorf("cp: %w", err)
	}
	n, err := v.lookup(rel)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil, fmt.Errorf("cp: %s: no such file or directory in the container", src)
	}
	if err != nil {
		return "", nil, fmt.Errorf("cp %s: %w", src, err)
	}
	return rel, n, nil
}

// get copies n to the host path p.
func get(v *view, n *node, p string) error {
	if n.isDir() {
		st, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			err = os.Mkdir(p, 0o700)
		} else if err == nil && !st.IsDir() {
			err = fmt.Errorf("cannot replace the file %s with the directory /%s", p, n.rel)
		}
		if err != nil {
			return fmt.Errorf("cp: %w", err)
		}
		if err := copyTreeOut(v, n, p); err != nil {
			return err
		}
		return setMeta(unix.AT_FDCWD, p, &n.st)
	}
	if err := removeFile(p); err != nil {
		return err
	}
	switch n.st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		src, err := v.openFile(n)
		if err != nil {
			return fmt.Errorf("cp: %w", err)
		}
		defer src.Close()
		// O_EXCL|O_NOFOLLOW: p was just cleared; whatever is there now was not made by cp.
		dst, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
		if err != nil {
			return fmt.Errorf("cp: %w", err)
		}
		_, err = io.Copy(dst, src)
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("cp /%s to %s: %w", n.rel, p, err)
		}
	case unix.S_IFLNK:
		target, err := v.readlink(n)
		if err != nil {
			return fmt.Errorf("cp: %w", err)
		}
		if err := os.Symlink(target, p); err != nil {
			return fmt.Errorf("cp: %w", err)
		}
		return nil // a symlink's mode means nothing; its mtime is not worth an lutimes
	case unix.S_IFIFO:
		if err := unix.Mkfifo(p, 0o600); err != nil {
			return fmt.Errorf("cp: mkfifo %s: %w", p, err)
		}
	case unix.S_IFSOCK:
		return nil // a socket is a live endpoint, not a file to copy
	default:
		return fmt.Errorf("cp: /%s is a device node: cp does not copy devices", n.rel)
	}
	return setMeta(unix.AT_FDCWD, p, &n.st)
}

// copyTreeOut copies what the directory n holds into the host directory p.
func copyTreeOut(v *view, n *node, p string) error {
	children, err := v.readDir(n)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	for _, c := range children {
		if err := get(v, c, filepath.Join(p, path.Base(c.rel))); err != nil {
			return err
		}
	}
	return nil
}

// removeFile removes what is at the host path p, unless it is a directory (an error then).
func removeFile(p string) error {
	st, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil && st.IsDir() {
		return fmt.Errorf("cp: cannot replace the directory %s with a file", p)
	}
	if err == nil {
		err = os.Remove(p)
	}
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	return nil
}

// setMeta gives the file name in dirfd the mode and mtime of st (not its owner: a copy belongs
// to whoever made it, unless chowned). The file is opened first without following a symlink, and
// changed through that descriptor: in a running container a process could swap the new file for
// a link to a host path between cp's mkdir and its chmod, and chmod(2) would follow it.
func setMeta(dirfd int, name string, st *unix.Stat_t) error {
	fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("cp: %s: %w", name, err)
	}
	defer unix.Close(fd)
	// An O_PATH descriptor takes no fchmod(2); its /proc/self/fd link names exactly its inode.
	self := fmt.Sprintf("/proc/self/fd/%d", fd)
	if err := unix.Chmod(self, st.Mode&0o7777); err != nil {
		return fmt.Errorf("cp: chmod %s: %w", name, err)
	}
	if err := unix.UtimesNano(self, []unix.Timespec{st.Mtim, st.Mtim}); err != nil {
		return fmt.Errorf("cp: set the mtime of %s: %w", name, err)
	}
	return nil
}

// relName is the name of rel in messages: /etc/passwd.
func relName(rel string) string {
	if rel == "." {
		return "/"
	}
	return "/" + rel
}
