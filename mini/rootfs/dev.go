//mini:chapter 02

package rootfs

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// device is a character device the container gets in its /dev.
type device struct {
	name         string
	major, minor uint32
}

// devices is the minimal set every program expects (see devices.txt in the kernel docs). Only
// these: the host's /dev also holds its disks (/dev/vda...), and a container that could open
// them could read or overwrite the host's filesystem below any mount.
var devices = []device{
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
}

// mountDev gives the container a /dev of its own: a tmpfs with the devices above, a private
// devpts for pseudo-terminals, and /dev/shm.
func mountDev(root string, n *explain.Narrator) error {
	dev := filepath.Join(root, "dev")
	if err := mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID, "mode=755,size=65536k", n); err != nil {
		return err
	}
	for _, d := range devices {
		path := filepath.Join(dev, d.name)
		n.Stepf(explain.Mount, explain.Sh(fmt.Sprintf("mknod -m 666 %s c %d %d", path, d.major, d.minor)), "create device %s", path)
		if err := unix.Mknod(path, unix.S_IFCHR|0o666, int(unix.Mkdev(d.major, d.minor))); err != nil {
			return fmt.Errorf("create device %s: %w", path, err)
		}
		// mknod's mode is filtered by the umask; the devices must be usable by every user.
		if err := os.Chmod(path, 0o666); err != nil {
			return fmt.Errorf("chmod %s: %w", path, err)
		}
	}
	// A devpts of its own ("newinstance" is the default since Linux 4.7): the container's
	// pseudo-terminals are numbered from 0 and the host's are not visible in it.
	pts := filepath.Join(dev, "pts")
	if err := os.Mkdir(pts, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", pts, err)
	}
	if err := mount("devpts", pts, "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620", n); err != nil {
		return err
	}
	shm := filepath.Join(dev, "shm")
	if err := os.Mkdir(shm, 0o1777); err != nil {
		return fmt.Errorf("create %s: %w", shm, err)
	}
	if err := mount("shm", shm, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,size=65536k", n); err != nil {
		return err
	}
	// The usual links: /dev/ptmx opens the container's own devpts, /dev/fd and friends point
	// into /proc/self.
	links := [][2]string{{"pts/ptmx", "ptmx"}, {"/proc/self/fd", "fd"},
		{"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}}
	for _, l := range links {
		if err := os.Symlink(l[0], filepath.Join(dev, l[1])); err != nil {
			return fmt.Errorf("link /dev/%s: %w", l[1], err)
		}
	}
	n.Step(explain.Mount, explain.Sh(
		fmt.Sprintf("ln -s pts/ptmx %[1]s/ptmx; ln -s /proc/self/fd %[1]s/fd", dev)), "link /dev/ptmx, /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr")

	return mountConsole(dev, n)
}

// mountConsole makes the command's terminal (with -t) visible in the container as
// /dev/console. The terminal is a /dev/pts/N of the host's devpts, which the container's own
// devpts does not have: without this, tty(1) and ttyname(3) find no device for stdin and say
// "not a tty". Binding it on /dev/console is what LXC does.
func mountConsole(dev string, n *explain.Narrator) error {
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err != nil {
		return nil // no terminal: nothing to show
	}
	// Bind it by its name (/dev/pts/N), not through /proc/self/fd/0: the open file belongs to a
	// mount of the host's mount namespace, and bind(2) refuses sources outside our own (EINVAL).
	// By name it resolves in our copy of the host's mounts, which pivot_root has not removed yet.
	pts, err := os.Readlink("/proc/self/fd/0")
	if err != nil {
		return fmt.Errorf("find the terminal's name: %w", err)
	}
	console := filepath.Join(dev, "console")
	if err := os.WriteFile(console, nil, 0o620); err != nil {
		return fmt.Errorf("create %s: %w", console, err)
	}
	return mount(pts, console, "", unix.MS_BIND, "", n)
}
