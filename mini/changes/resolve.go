//mini:chapter 07

package changes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// ErrEscape is wrapped by the error about a path, or a symlink in the container, that leads out
// of the container's root.
var ErrEscape = errors.New("refused")

// resolve turns a path the user gave in the container (/etc/x/y) into a clean path relative to
// the view's root with no symlink left in it but, unless follow, its last component.
//
// The symlinks are resolved the way the container resolves them, inside its root: an absolute
// link is read from the container's "/", never from the host's, and the resolution itself never
// touches the host (the view's lstat and readlink read the layers). That is securejoin's rule
// (github.com/cyphar/filepath-securejoin, SecureJoinVFS). Two things are refused outright
// rather than quietly clamped to the root: a path given with more '..' than it has names
// (cp CTR:../../etc/shadow), and a symlink whose target climbs above the root
// (/etc/x -> /../../../host). Neither is ever needed, and both are what an attack looks like.
func (v *view) resolve(p string, follow bool) (string, error) {
	if climbs(p) {
		return "", fmt.Errorf("the path %s climbs above the container's root with '..': %w", p, ErrEscape)
	}
	clean := path.Clean("/" + p)
	dir, base := path.Split(clean)
	if follow || clean == "/" {
		dir, base = clean, ""
	}
	resolved, err := securejoin.SecureJoinVFS("/", dir, layersVFS{v})
	if err != nil {
		return "", err
	}
	rel := strings.TrimPrefix(path.Join(resolved, base), "/")
	if rel == "" {
		rel = "."
	}
	return rel, nil
}

// climbs reports whether the path p, read from "/" (or from the directory it is relative to),
// has a '..' that goes above where it started.
func climbs(p string) bool {
	depth := 0
	for _, name := range strings.Split(p, "/") {
		switch name {
		case "", ".":
		case "..":
			if depth--; depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}

// layersVFS is the view as securejoin sees a filesystem: names are absolute paths in the
// container.
type layersVFS struct{ v *view }

func (l layersVFS) Lstat(name string) (os.FileInfo, error) {
	n, err := l.v.lookup(strings.TrimPrefix(path.Clean(name), "/"))
	if err != nil {
		return nil, err
	}
	return fileInfo{name: path.Base(name), st: n.st}, nil
}

func (l layersVFS) Readlink(name string) (string, error) {
	rel := strings.TrimPrefix(path.Clean(name), "/")
	n, err := l.v.lookup(rel)
	if err != nil {
		return "", err
	}
	target, err := l.v.readlink(n)
	if err != nil {
		return "", err
	}
	from := path.Dir(rel) // a relative target is read from the link's directory
	if strings.HasPrefix(target, "/") {
		from = "."
	}
	if climbs(from + "/" + target) {
		return "", fmt.Errorf("the symlink /%s -> %s points above the container's root: %w", rel, target, ErrEscape)
	}
	return target, nil
}

// fileInfo is an os.FileInfo made of a stat.
type fileInfo struct {
	name string
	st   unix.Stat_t
}

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) Size() int64        { return f.st.Size }
func (f fileInfo) ModTime() time.Time { return time.Unix(f.st.Mtim.Unix()) }
func (f fileInfo) IsDir() bool        { return f.Mode().IsDir() }
func (f fileInfo) Sys() any           { return &f.st }
func (f fileInfo) Mode() fs.FileMode {
	m := fs.FileMode(f.st.Mode & 0o777)
	switch f.st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	}
	return m
}
