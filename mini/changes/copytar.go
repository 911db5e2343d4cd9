//mini:chapter 07

package changes

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// CopyInTar unpacks the tar read from r into dst, a directory in the container: what
// `docker cp - CTR:DST` does. Each entry goes in as CopyIn would put a host file there (into the
// upper of a stopped container, copy-ups and opaque marks included), owned by root.
//
// The archive is somebody else's, so its names get the checks a layer's get (chapter 06): an
// absolute name or one that climbs out with '..' is refused, and every entry is placed through
// the directories the container has, never through a symlink, also not one an earlier entry of
// the same archive made (x -> /etc, then x/passwd). Hard links and device nodes are refused.
func CopyInTar(r Root, rd io.Reader, dst string) error {
	v, err := r.open(true)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	defer v.Close()
	rel, err := v.resolve(dst, true)
	if err != nil {
		return fmt.Errorf("cp: %w", err)
	}
	if n, err := v.lookup(rel); err != nil || !n.isDir() {
		return fmt.Errorf("cp: %s is not a directory in the container: a tar goes into a directory", dst)
	}
	type madeDir struct {
		rel string
		st  unix.Stat_t
	}
	var made []madeDir
	tr := tar.NewReader(rd)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("cp: read the tar: %w", err)
		}
		name := path.Clean(hdr.Name)
		if strings.HasPrefix(hdr.Name, "/") || climbs(name) {
			return fmt.Errorf("cp: the tar entry %q is absolute or climbs out with '..': %w", hdr.Name, ErrEscape)
		}
		if name == "." {
			continue
		}
		e, err := tarEntry(hdr, tr)
		if err != nil {
			return err
		}
		p := path.Join(rel, name)
		dir, err := place(v, e, p)
		if err != nil {
			return err
		}
		if dir {
			made = append(made, madeDir{p, e.st})
		}
	}
	// The directories' modes and mtimes last, deepest first: their entries changed the mtimes.
	for i := len(made) - 1; i >= 0; i-- {
		if err := setMetaRel(v, made[i].rel, &made[i].st); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// tarEntry is the entry that hdr describes, its content read from tr.
func tarEntry(hdr *tar.Header, tr *tar.Reader) (entry, error) {
	e := entry{from: "the tar entry " + hdr.Name, link: hdr.Linkname,
		data: func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }}
	e.st.Mode = uint32(hdr.Mode & 0o7777)
	e.st.Mtim = unix.NsecToTimespec(hdr.ModTime.UnixNano())
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse:
		e.st.Mode |= unix.S_IFREG
	case tar.TypeDir:
		e.st.Mode |= unix.S_IFDIR
	case tar.TypeSymlink:
		e.st.Mode |= unix.S_IFLNK
	case tar.TypeFifo:
		e.st.Mode |= unix.S_IFIFO
	case tar.TypeChar, tar.TypeBlock:
		e.st.Mode |= unix.S_IFCHR // refused by place, with the entry's name
	case tar.TypeLink:
		return e, fmt.Errorf("cp: the tar entry %q is a hard link: cp does not make hard links in a container (copy the file itself)", hdr.Name)
	default:
		return e, fmt.Errorf("cp: the tar entry %q has the type %q, which cp does not know", hdr.Name, hdr.Typeflag)
	}
	return e, nil
}
