//mini:chapter 06

package layer

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// apply writes one tar entry into the layer.
func (a *applier) apply(hdr *tar.Header, r io.Reader) error {
	rel, err := entryPath(hdr.Name)
	if err != nil {
		return err
	}
	if rel == "." {
		return nil // the layer's root itself: its directory is the store's, not the layer's
	}
	if err := checkXattrs(hdr); err != nil {
		return err
	}
	parent, err := openParent(a.root, rel)
	if err != nil {
		return err
	}
	defer parent.Close()
	base := path.Base(rel)
	if isWhiteout(base) {
		return applyWhiteout(parent, base)
	}
	// A layer may list a path twice; the later entry wins. An existing directory stays when the
	// new entry is a directory too (its contents are the layer's), anything else is replaced.
	if err := clearName(parent, base, hdr.Typeflag == tar.TypeDir); err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return a.dir(parent, base, rel, hdr)
	case tar.TypeReg, tar.TypeGNUSparse: // archive/tar expands a sparse file's holes as it reads
		return file(parent, base, hdr, r)
	case tar.TypeSymlink:
		return symlink(parent, base, hdr)
	case tar.TypeLink:
		return a.hardlink(parent, base, hdr)
	case tar.TypeFifo:
		return node(parent, base, hdr, unix.S_IFIFO, 0)
	case tar.TypeChar, tar.TypeBlock:
		if hdr.Typeflag == tar.TypeChar && hdr.Devmajor == 0 && hdr.Devminor == 0 {
			return whiteout(parent, whiteoutPrefix+base) // a whiteout already in overlayfs's form
		}
		// A device node is a door to the host's hardware: "b 8 0" is the host's first disk. The
		// container gets its /dev from Mini; a layer may not bring its own.
		return fmt.Errorf("a device node (%s %d:%d): %w (a layer may not create devices)", devKind(hdr), hdr.Devmajor, hdr.Devminor, ErrRefused)
	default:
		return fmt.Errorf("an entry of tar type %q that Mini does not know: %w", hdr.Typeflag, ErrRefused)
	}
}

// clearName removes what is at base in dir, unless keepDir and it is a directory.
func clearName(dir *os.File, base string, keepDir bool) error {
	var st unix.Stat_t
	err := unix.Fstatat(int(dir.Fd()), base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat %s: %w", base, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		if keepDir {
			return nil
		}
		// Through the directory's own descriptor in /proc: the path names exactly the directory
		// openBeneath opened, whatever symlinks its name went through.
		return os.RemoveAll(fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), base))
	}
	if err := unix.Unlinkat(int(dir.Fd()), base, 0); err != nil {
		return fmt.Errorf("replace %s: %w", base, err)
	}
	return nil
}

func (a *applier) dir(parent *os.File, base, rel string, hdr *tar.Header) error {
	if err := unix.Mkdirat(int(parent.Fd()), base, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("mkdir: %w", err)
	}
	fd, err := unix.Openat(int(parent.Fd()), base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open the new directory: %w", err)
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	if err := setOwnerMode(f, hdr); err != nil {
		return err
	}
	a.dirs = append(a.dirs, dirTime{rel: rel, mtime: hdr.ModTime})
	return nil
}

func file(parent *os.File, base string, hdr *tar.Header, r io.Reader) error {
	// O_EXCL|O_NOFOLLOW: the name was just cleared, so whatever is there now was not made by this
	// layer; never write through it.
	fd, err := unix.Openat(int(parent.Fd()), base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	f := os.NewFile(uintptr(fd), base)
	defer f.Close()
	if _, err := io.Copy(f, r); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err := setOwnerMode(f, hdr); err != nil {
		return err
	}
	return setFileTimes(f, hdr.ModTime)
}

func symlink(parent *os.File, base string, hdr *tar.Header) error {
	// The target is stored as written, whatever it points at: a symlink is only text until
	// something follows it, and nothing in Mini follows one out of the layer (openBeneath), while
	// inside a container it resolves against the container's own root.
	if err := unix.Symlinkat(hdr.Linkname, int(parent.Fd()), base); err != nil {
		return fmt.Errorf("symlink: %w", err)
	}
	if err := unix.Fchownat(int(parent.Fd()), base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("lchown: %w", err)
	}
	if err := setXattrs(fmt.Sprintf("/proc/self/fd/%d/%s", parent.Fd(), base), hdr, unix.Lsetxattr); err != nil {
		return err
	}
	return setTimes(parent, base, hdr.ModTime, unix.AT_SYMLINK_NOFOLLOW)
}

// hardlink links base to an earlier entry of the same layer. A hard link to /etc/shadow, or to
// "../../etc/shadow", would make the host's file part of the layer (and writable through a
// container's copy-up of it); so the target is resolved with the same rules as a name.
func (a *applier) hardlink(parent *os.File, base string, hdr *tar.Header) error {
	target, err := entryPath(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("a hard link to %q, %w", hdr.Linkname, err)
	}
	tdir, err := openBeneath(a.root, path.Dir(target))
	if err != nil {
		return fmt.Errorf("a hard link to %q: %w", hdr.Linkname, err)
	}
	defer tdir.Close()
	// Flags 0: linkat(2) links a symlink itself rather than what it points at.
	if err := unix.Linkat(int(tdir.Fd()), path.Base(target), int(parent.Fd()), base, 0); err != nil {
		return fmt.Errorf("a hard link to %q (it must be an earlier entry of the layer): %w", hdr.Linkname, err)
	}
	return nil
}

func node(parent *os.File, base string, hdr *tar.Header, kind uint32, dev int) error {
	if err := unix.Mknodat(int(parent.Fd()), base, kind|0o600, dev); err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	if err := unix.Fchownat(int(parent.Fd()), base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	if err := unix.Fchmodat(int(parent.Fd()), base, uint32(hdr.Mode&0o7777), 0); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return setTimes(parent, base, hdr.ModTime, unix.AT_SYMLINK_NOFOLLOW)
}

// setOwnerMode gives f the tar's owner, mode and xattrs. The mode is set after the owner:
// chown(2) clears the setuid and setgid bits, and the tar's bits, exactly, are what the file gets:
// a setuid bit the tar does not have is never added, one it has is kept.
func setOwnerMode(f *os.File, hdr *tar.Header) error {
	if err := f.Chown(hdr.Uid, hdr.Gid); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	if err := unix.Fchmod(int(f.Fd()), uint32(hdr.Mode&0o7777)); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return setXattrs(f.Name(), hdr, func(_ string, attr string, data []byte, flags int) error {
		return unix.Fsetxattr(int(f.Fd()), attr, data, flags)
	})
}

// setXattrs sets the extended attributes the tar carries (PAX records SCHILY.xattr.NAME), such
// as security.capability, which is how a ping binary gets cap_net_raw without setuid.
func setXattrs(p string, hdr *tar.Header, set func(path, attr string, data []byte, flags int) error) error {
	for key, value := range hdr.PAXRecords {
		attr, ok := strings.CutPrefix(key, "SCHILY.xattr.")
		if !ok {
			continue
		}
		if err := set(p, attr, []byte(value), 0); err != nil {
			return fmt.Errorf("setxattr %s: %w", attr, err)
		}
	}
	return nil
}

// checkXattrs refuses an entry that carries overlayfs's own attributes. Those are Mini's to write
// (from whiteouts): a layer that set trusted.overlay.redirect or .metacopy itself could make
// overlayfs look up other files than the ones it shows.
func checkXattrs(hdr *tar.Header) error {
	for key := range hdr.PAXRecords {
		if attr, ok := strings.CutPrefix(key, "SCHILY.xattr."); ok && strings.HasPrefix(attr, "trusted.overlay.") {
			return fmt.Errorf("the xattr %s: %w (overlayfs's own attributes come from whiteouts)", attr, ErrRefused)
		}
	}
	return nil
}

// setFileTimes sets the modification (and access) time of an open file, through its descriptor.
func setFileTimes(f *os.File, mtime time.Time) error {
	return setTimes(nil, fmt.Sprintf("/proc/self/fd/%d", f.Fd()), mtime, 0)
}

// setTimes sets the modification (and access) time of name in dir.
func setTimes(dir *os.File, name string, mtime time.Time, flags int) error {
	if mtime.IsZero() {
		return nil
	}
	ts := unix.NsecToTimespec(mtime.UnixNano())
	dirfd := unix.AT_FDCWD
	if dir != nil {
		dirfd = int(dir.Fd())
	}
	if err := unix.UtimesNanoAt(dirfd, name, []unix.Timespec{ts, ts}, flags); err != nil {
		return fmt.Errorf("set the mtime: %w", err)
	}
	return nil
}

func devKind(hdr *tar.Header) string {
	if hdr.Typeflag == tar.TypeBlock {
		return "block device"
	}
	return "character device"
}
