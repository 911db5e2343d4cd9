//mini:chapter 02

package rootfs

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// Mount prepares root, inside the container's new mount namespace, with the filesystems a Linux
// process expects: a fresh /proc, a read-only /sys and a minimal /dev. It runs on the init side,
// after MakePrivate and before the root is changed.
//
// There is no teardown: every mount here lives in the container's mount namespace, and the
// kernel unmounts them all when the last process of that namespace exits.
func Mount(root string, n *explain.Narrator) error {
	// /proc, /sys and /dev come from the root filesystem (from chapter 06, an image a stranger
	// built): each must be a real directory, or the mounts would go where its links point.
	if err := Mountpoints(root, "proc", "sys", "dev"); err != nil {
		return err
	}
	if err := noDevices(root, n); err != nil {
		return err
	}
	if err := mountProc(root, n); err != nil {
		return err
	}
	// sysfs shows the host's devices and kernel knobs; read-only, a container can look but not
	// reconfigure the host's kernel (e.g. /sys/kernel/..., /sys/class/net/*/...).
	if err := mount("sysfs", filepath.Join(root, "sys"), "sysfs",
		unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "", n); err != nil {
		return err
	}
	// What /proc and /sys still give away about the host, hidden or made read-only (mask.go).
	if err := protectKernelFiles(root, n); err != nil {
		return err
	}
	return mountDev(root, n)
}

// MakePrivate stops mounts from crossing between the container and the host, then makes root a
// mount point of its own. It comes first, before anything is mounted for the container.
func MakePrivate(root string, n *explain.Narrator) error {
	//mini:solution 02.2 Make every mount in the new namespace private (recursively), then bind-mount root onto itself.
	// A new mount namespace starts with a copy of the host's mounts, and on most hosts (systemd)
	// they are "shared": a mount made in one namespace is propagated to the others. Without this
	// step, the container's /proc and /dev would appear on the host. See mount_namespaces(7).
	n.Step(explain.Mount, explain.Sh(
		"mount --make-rprivate /"), "make every mount private, so nothing propagates to or from the host")

	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	// pivot_root(2) needs the new root to be a mount point; binding root onto itself makes it
	// one, and it is harmless for chroot.
	return mount(root, root, "", unix.MS_BIND|unix.MS_REC, "", n)
	//mini:stub return todo.Step("02.2")
	//mini:end
}

// mountProc mounts a new proc filesystem on root/proc.
func mountProc(root string, n *explain.Narrator) error {
	// A proc filesystem shows the processes of the PID namespace of the process that mounts it.
	// This one is mounted from inside the new PID namespace, so the container sees only its own
	// processes, itself as PID 1. The host's /proc would show (and let it signal) every process
	// on the machine.
	return mount("proc", filepath.Join(root, "proc"), "proc",
		unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "", n)
}

// noDevices makes device nodes in the root filesystem itself unusable (nodev): a root filesystem
// (from chapter 06, an image someone else built) could ship a node for the host's disk, and
// dropping CAP_MKNOD only stops the container from *making* one. The container's devices are in
// /dev, a tmpfs of its own mounted later, which nodev on the root does not reach. A bind remount
// sets the flags of this one mount anew, so a read-only root stays read-only.
func noDevices(root string, n *explain.Narrator) error {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", root, err)
	}
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_NODEV)
	opts := "remount,bind,nodev"
	if st.Flags&unix.ST_RDONLY != 0 {
		flags |= unix.MS_RDONLY
		opts += ",ro"
	}
	n.Stepf(explain.Mount, explain.Sh("mount -o "+opts+" "+root), "no device nodes from the root filesystem itself: %s", opts)
	if err := unix.Mount("", root, "", flags, ""); err != nil {
		return fmt.Errorf("remount %s nodev: %w", root, err)
	}
	return nil
}

// mount is mount(2) with narration and an error that says what was being mounted.
func mount(source, target, fstype string, flags uintptr, data string, n *explain.Narrator) error {
	n.Stepf(explain.Mount, explain.Sh(mountCommand(source, target, fstype, flags, data)), "mount %s on %s", describe(source, fstype), target)
	if err := unix.Mount(source, target, fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", describe(source, fstype), target, err)
	}
	return nil
}

func describe(source, fstype string) string {
	if fstype == "" {
		return source
	}
	return fstype
}

// mountCommand is the mount(8) command line that does what mount(2) is asked to do.
func mountCommand(source, target, fstype string, flags uintptr, data string) string {
	if flags&unix.MS_BIND != 0 {
		if flags&unix.MS_REC != 0 {
			return fmt.Sprintf("mount --rbind %s %s", source, target)
		}
		return fmt.Sprintf("mount --bind %s %s", source, target)
	}
	opts := ""
	for _, f := range []struct {
		flag uintptr
		name string
	}{{unix.MS_RDONLY, "ro"}, {unix.MS_NOSUID, "nosuid"}, {unix.MS_NODEV, "nodev"}, {unix.MS_NOEXEC, "noexec"}} {
		if flags&f.flag != 0 {
			opts += "," + f.name
		}
	}
	if data != "" {
		opts += "," + data
	}
	cmd := fmt.Sprintf("mount -t %s", fstype)
	if opts != "" {
		cmd += " -o " + opts[1:]
	}
	return fmt.Sprintf("%s %s %s", cmd, source, target)
}
