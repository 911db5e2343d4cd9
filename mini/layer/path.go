//mini:chapter 06

package layer

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// entryPath turns an entry's name into a clean path relative to the layer's root, refusing a
// name that climbs out of it. A tar entry named "../../etc/passwd" is the oldest trick in the
// book (the "zip slip"): joined naively to the layer's directory it names the host's file. An
// absolute name ("/etc/passwd") is refused too rather than quietly made relative: a layer that
// carries one was not made by an honest tool.
func entryPath(name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("an absolute path: %w (a layer's paths are relative to its root)", ErrRefused)
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("a path that climbs out of the layer with '..': %w: %w", ErrEscape, ErrRefused)
	}
	return clean, nil
}

// openBeneath opens the directory rel (a clean path relative to the layer's root) and returns it,
// resolving every component of rel strictly below root.
//
// Checking the name is not enough: the layer itself can create a symlink "etc -> /etc" (or
// "x -> ../../..") in one entry and write "etc/passwd" in the next. An ordinary open would follow
// the symlink out of the layer and overwrite the host's file. openat2(2)'s RESOLVE_BENEATH makes
// the kernel refuse, with EXDEV, any resolution that leaves the directory it starts from, by ".."
// or by a symlink, absolute or relative, at any depth; RESOLVE_NO_MAGICLINKS refuses the /proc
// "magic links" too. A symlink that stays inside the layer still works. The kernel does the check
// during the lookup itself, so there is no window between a check and the open for a race.
func openBeneath(root *os.File, rel string) (*os.File, error) {
	//mini:solution 06.4 Open a directory of the layer so that no '..' and no symlink can take the lookup outside the layer: openat2(2) with RESOLVE_BENEATH.
	fd, err := unix.Openat2(int(root.Fd()), rel, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	})
	if errors.Is(err, unix.EXDEV) {
		return nil, fmt.Errorf("%s %w (through a symlink or '..'): %w", rel, ErrEscape, ErrRefused)
	}
	if err != nil {
		return nil, &os.PathError{Op: "openat2", Path: rel, Err: err}
	}
	return os.NewFile(uintptr(fd), rel), nil
	//mini:stub return nil, todo.Step("06.4")
	//mini:end
}

// openParent opens the directory an entry goes into, creating missing directories on the way
// (a tar may list "a/b/c" without "a/" and "a/b/"), each of them below root.
func openParent(root *os.File, rel string) (*os.File, error) {
	dir := path.Dir(rel)
	f, err := openBeneath(root, dir)
	if err == nil || !errors.Is(err, os.ErrNotExist) || dir == "." {
		return f, err
	}
	parent, err := openParent(root, dir)
	if err != nil {
		return nil, err
	}
	err = unix.Mkdirat(int(parent.Fd()), path.Base(dir), 0o755)
	parent.Close()
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("create the directory %s: %w", dir, err)
	}
	return openBeneath(root, dir)
}
