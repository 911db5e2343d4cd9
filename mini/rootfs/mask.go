//mini:chapter 02

package rootfs

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// A fresh /proc and a read-only /sys still show, and in places let root change, things that
// belong to the host's kernel, not to the container. Docker and runc hide these paths from every
// container (the lists below are theirs: moby's oci/defaults.go). Each entry says what it would
// give away.

// maskedPaths are covered up entirely: an empty read-only tmpfs over a directory, /dev/null
// over a file. Reading them shows nothing.
var maskedPaths = []string{
	"proc/acpi",                    // ACPI tables and knobs: some are writable and talk to the firmware
	"proc/asound",                  // the host's sound cards, and writable mixer controls
	"proc/interrupts",              // per-CPU interrupt counts: a side channel on the host's activity
	"proc/kcore",                   // the host kernel's memory as an ELF core file (KASLR defeated, secrets read)
	"proc/keys",                    // the kernel keyrings: not namespaced, shows other users' keys
	"proc/latency_stats",           // kernel latency tracking, host-wide (and writable to reset)
	"proc/timer_list",              // every timer of the host, with task names and PIDs of other namespaces
	"proc/timer_stats",             // the same, on older kernels
	"proc/sched_debug",             // the scheduler's view of every task on the host
	"proc/scsi",                    // the host's SCSI devices, and a writable add/remove-single-device
	"sys/firmware",                 // raw firmware tables (ACPI, DMI, EFI variables: some writable)
	"sys/devices/virtual/powercap", // RAPL energy counters: the PLATYPUS side channel (CVE-2020-8694)
}

// readonlyPaths stay visible but cannot be written: the container may look, not change.
var readonlyPaths = []string{
	"proc/bus",           // /proc/bus/pci/*: the host's PCI configuration space, writable by root with no capability
	"proc/fs",            // filesystem knobs (nfsd, xfs, ...) that are host-wide
	"proc/irq",           // interrupt affinity of the host's devices
	"proc/sys",           // sysctls: most are not namespaced; writing them reconfigures the host's kernel
	"proc/sysrq-trigger", // one byte written here reboots or crashes the host
}

// protectKernelFiles masks and write-protects the paths above, under root's fresh /proc and /sys.
// It runs on the init side after both are mounted, before the root changes.
func protectKernelFiles(root string, n *explain.Narrator) error {
	for _, p := range maskedPaths {
		if err := maskPath(filepath.Join(root, p), n); err != nil {
			return err
		}
	}
	for _, p := range readonlyPaths {
		if err := readonlyPath(filepath.Join(root, p), n); err != nil {
			return err
		}
	}
	return nil
}

// maskPath hides path: a tmpfs (read-only, empty) over a directory, /dev/null over a file.
func maskPath(path string, n *explain.Narrator) error {
	k, err := openKernelFile(path)
	if errors.Is(err, unix.ENOENT) {
		return nil // this kernel has no such file (built without it): nothing to hide
	}
	if err != nil {
		return err
	}
	defer unix.Close(k.fd)
	// The mount goes on /proc/self/fd/N, the very file that was checked, never on the path
	// again: a path is looked up anew each time, an open file descriptor is not.
	if k.dir {
		n.Step(explain.Mount, explain.Sh("mount -t tmpfs -o ro,nosuid,nodev,noexec tmpfs "+path), "mask "+path+": an empty read-only directory over it")
		if err := unix.Mount("tmpfs", k.proc(), "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=0,mode=0555"); err != nil {
			return fmt.Errorf("mask %s: %w", path, err)
		}
		return nil
	}
	// The host's /dev/null: the root has changed not yet, and the container's /dev is not made.
	n.Step(explain.Mount, explain.Sh("mount --bind /dev/null "+path), "mask "+path+": /dev/null over it, reading it gives nothing")
	if err := unix.Mount("/dev/null", k.proc(), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("mask %s: %w", path, err)
	}
	return nil
}

// readonlyPath bind-mounts path onto itself and remounts that bind read-only. Without
// CAP_SYS_ADMIN (dropped before the exec) the container cannot remount it writable.
func readonlyPath(path string, n *explain.Narrator) error {
	k, err := openKernelFile(path)
	if errors.Is(err, unix.ENOENT) {
		return nil // e.g. /proc/sysrq-trigger on a kernel built without CONFIG_MAGIC_SYSRQ
	}
	if err != nil {
		return err
	}
	defer unix.Close(k.fd)
	n.Step(explain.Mount, explain.Sh(fmt.Sprintf("mount --bind %[1]s %[1]s\nmount -o remount,bind,ro,nosuid,nodev,noexec %[1]s", path)), "make "+path+" read-only")
	if err := unix.Mount(k.proc(), k.proc(), "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s onto itself: %w", path, err)
	}
	// The fd names the file below the new bind; the remount must reach the bind itself, so the
	// path is opened (and checked) once more.
	bind, err := openKernelFile(path)
	if err != nil {
		return err
	}
	defer unix.Close(bind.fd)
	// A remount sets all the flags anew: say again nosuid, nodev and noexec, or they are lost.
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if err := unix.Mount("", bind.proc(), "", flags, ""); err != nil {
		return fmt.Errorf("make %s read-only: %w", path, err)
	}
	return nil
}

// kernelFile is a file of procfs or sysfs, open as O_PATH: a handle that names the file
// without reading it.
type kernelFile struct {
	fd  int
	dir bool
}

// proc is the name through which the kernel finds exactly this open file again.
func (k kernelFile) proc() string { return fmt.Sprintf("/proc/self/fd/%d", k.fd) }

// openKernelFile opens path without following a final symbolic link, and refuses it unless it
// really is on procfs or sysfs. The fresh /proc and /sys hold no links of the image's making,
// but a check costs one fstatfs(2): masking a file elsewhere (a path an image's symlink led to)
// would be a mount wherever the image says (the CVE-2019-19921 class).
func openKernelFile(path string) (kernelFile, error) {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return kernelFile{}, fmt.Errorf("open %s: %w", path, err)
	}
	var st unix.Stat_t
	var fs unix.Statfs_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return kernelFile{}, fmt.Errorf("stat %s: %w", path, err)
	}
	if err := unix.Fstatfs(fd, &fs); err != nil {
		unix.Close(fd)
		return kernelFile{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK || (fs.Type != unix.PROC_SUPER_MAGIC && fs.Type != unix.SYSFS_MAGIC) {
		unix.Close(fd)
		return kernelFile{}, fmt.Errorf("refuse to mask %s: it is not a file of procfs or sysfs (filesystem type %#x)", path, fs.Type)
	}
	return kernelFile{fd: fd, dir: st.Mode&unix.S_IFMT == unix.S_IFDIR}, nil
}
