//mini:chapter 02

package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// Mini mounts and writes into the root filesystem before the root changes, as root, while the
// host's filesystem is still in reach. A root filesystem is somebody else's work (from chapter 06
// an image off a registry), and it may hold symbolic links made to point out: /proc -> /etc, or
// etc/hosts -> /root/.ssh/authorized_keys. Followed from the host side, such a link would make
// Mini mount, or write, wherever the image says (CVE-2019-19921, CVE-2021-30465). So every target
// is looked up *inside* the root, the way the container will see it once it runs.

// Mountpoints makes sure each name (a single path component: "proc", "sys", "dev") is a real
// directory directly under root, creating it when the root filesystem has none. A symbolic link
// there is refused: Mini mounts the kernel's filesystems on directories only, as runc does.
func Mountpoints(root string, names ...string) error {
	for _, name := range names {
		path := filepath.Join(root, name)
		st, err := os.Lstat(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if err := os.Mkdir(path, 0o755); err != nil {
				return fmt.Errorf("the root filesystem has no /%s and Mini cannot make one (%v): add an empty /%s directory to it", name, err, name)
			}
		case err != nil:
			return fmt.Errorf("look at /%s in the root filesystem: %w", name, err)
		case st.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			return fmt.Errorf("the root filesystem's /%s is a symbolic link (to %s): Mini mounts /%s only on a real directory; replace the link with an empty directory", name, target, name)
		case !st.IsDir():
			return fmt.Errorf("the root filesystem's /%s is not a directory: replace it with an empty directory", name)
		}
	}
	return nil
}

// File returns the path, on the host, of the file the container will know as name (such as
// "/etc/hosts"), with every symbolic link on the way resolved inside root, never outside it. A
// missing file, and its missing parent directories, are created (empty) so that a bind mount has
// something to go on; created reports whether it did. A read-only root cannot take new files:
// then the error says so.
func File(root, name string) (path string, created bool, err error) {
	path, err = securejoin.SecureJoin(root, name)
	if err != nil {
		return "", false, fmt.Errorf("resolve %s inside the root filesystem: %w", name, err)
	}
	st, err := os.Stat(path)
	if err == nil {
		if st.IsDir() {
			return "", false, fmt.Errorf("the root filesystem's %s is a directory: it must be a file (or absent)", name)
		}
		return path, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("look at %s in the root filesystem: %w", name, err)
	}
	// SecureJoin resolved every link that exists; what is left of the path does not exist yet,
	// so the directories made here are new ones, inside the root, with no link on their way.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", false, fmt.Errorf("make the directory of %s in the root filesystem: %w", name, err)
	}
	// O_NOFOLLOW|O_EXCL: if anything appeared there meanwhile, fail rather than follow it.
	fd, err := unix.Open(path, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return "", false, fmt.Errorf("create %s in the root filesystem: %w", name, err)
	}
	unix.Close(fd)
	return path, true, nil
}
