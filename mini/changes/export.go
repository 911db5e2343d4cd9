//mini:chapter 07

package changes

import (
	"archive/tar"
	"fmt"
	"io"
	"path"
	"time"

	"golang.org/x/sys/unix"
)

// Export writes a container's filesystem as the container sees it to w, as one flat tar: what
// `docker export` writes. lowers are the read-only layers, top first (image.Image.Lowers), and
// upper is the container's own writable layer ("" for none).
//
// The merged view is computed by walking the layers top-down with overlayfs's rules (see view),
// not by mounting them: a stopped container has no mount, and a mount made here would be one
// more thing to clean up after a crash. Whiteouts and opaque directories are applied, not
// written: the archive has no history, only files, which is what tells export apart from save.
// The names are relative ("etc/passwd"), made of names read from directories, so they cannot
// climb out of wherever the archive is unpacked.
func Export(w io.Writer, lowers []string, upper string) error {
	dirs := lowers
	if upper != "" {
		dirs = append([]string{upper}, lowers...)
	}
	v, err := openView(dirs)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer v.Close()
	root, err := v.root()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	t := newTarWriter(w, v)
	if err := t.tree(root, ""); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return t.Close()
}

// tarWriter writes the entries of a view into a tar.
type tarWriter struct {
	*tar.Writer
	v     *view
	links map[inode]string // regular files with more than one link: the first name written
}

// inode names one file on disk: a layer and its inode there.
type inode struct {
	layer    int
	dev, ino uint64
}

func newTarWriter(w io.Writer, v *view) *tarWriter {
	return &tarWriter{Writer: tar.NewWriter(w), v: v, links: map[inode]string{}}
}

// tree writes the entries below the directory n (not n itself), named under prefix.
func (t *tarWriter) tree(n *node, prefix string) error {
	children, err := t.v.readDir(n)
	if err != nil {
		return err
	}
	for _, c := range children {
		name := path.Join(prefix, path.Base(c.rel))
		if err := t.entry(c, name); err != nil {
			return err
		}
		if c.isDir() {
			if err := t.tree(c, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// entry writes one entry: a directory, a regular file (or a hard link to one written before), a
// symlink, a device node or a FIFO. A socket has nothing to archive (tar(1) skips them too).
func (t *tarWriter) entry(n *node, name string) error {
	hdr, ok := header(name, &n.st)
	if !ok {
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeSymlink:
		target, err := t.v.readlink(n)
		if err != nil {
			return err
		}
		hdr.Linkname = target
	case tar.TypeReg:
		if n.st.Nlink > 1 {
			key := inode{n.top, n.st.Dev, n.st.Ino}
			if first, ok := t.links[key]; ok {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			} else {
				t.links[key] = name
			}
		}
	}
	if err := t.WriteHeader(hdr); err != nil {
		return fmt.Errorf("/%s: %w", n.rel, err)
	}
	if hdr.Typeflag != tar.TypeReg {
		return nil
	}
	f, err := t.v.openFile(n)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.CopyN(t, f, hdr.Size); err != nil {
		return fmt.Errorf("/%s: %w (did it change meanwhile?)", n.rel, err)
	}
	return nil
}

// header is the tar header of a file with this lstat, named name; false for what a tar does not
// hold (a socket). Owner, mode (with its setuid, setgid and sticky bits) and mtime are the file's.
func header(name string, st *unix.Stat_t) (*tar.Header, bool) {
	hdr := &tar.Header{
		Name:    name,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: time.Unix(st.Mtim.Sec, 0),
		Format:  tar.FormatPAX,
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		hdr.Typeflag, hdr.Name = tar.TypeDir, name+"/"
	case unix.S_IFREG:
		hdr.Typeflag, hdr.Size = tar.TypeReg, st.Size
	case unix.S_IFLNK:
		hdr.Typeflag = tar.TypeSymlink
	case unix.S_IFCHR:
		hdr.Typeflag = tar.TypeChar
	case unix.S_IFBLK:
		hdr.Typeflag = tar.TypeBlock
	case unix.S_IFIFO:
		hdr.Typeflag = tar.TypeFifo
	default:
		return nil, false
	}
	if hdr.Typeflag == tar.TypeChar || hdr.Typeflag == tar.TypeBlock {
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	}
	return hdr, true
}
