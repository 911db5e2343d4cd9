package doctor

import (
	"fmt"
	"os"
	"strings"
)

// checkOverlay: chapter 04 stacks the image's read-only layers under a writable upper
// directory with overlayfs. /proc/filesystems lists the types the kernel knows right now; a
// modular overlayfs that is not loaded yet is not listed, but mount(2) loads it on demand
// (the kernel asks for the module alias "fs-overlay"), so its .ko file is just as good.
func checkOverlay(o Options) Result {
	r := Result{Item: "overlayfs"}
	b, err := os.ReadFile(o.proc("filesystems"))
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[len(f)-1] == "overlay" {
				r.Level, r.Finding = OK, "overlay is in /proc/filesystems"
				return r
			}
		}
	}
	if mod := overlayModule(o); mod != "" {
		r.Level, r.Finding = OK, "overlay module "+mod+" (loaded on the first mount)"
		return r
	}
	r.Level, r.Finding = Problem, "the kernel has no overlay filesystem"
	if err != nil {
		r.Finding = fmt.Sprintf("cannot tell: %v", err)
	}
	r.Fix = "chapter 04 needs a kernel built with CONFIG_OVERLAY_FS (every major distribution has it)"
	return r
}

// overlayModule returns the path of overlayfs' kernel module for the running kernel, or "".
func overlayModule(o Options) string {
	b, err := os.ReadFile(o.proc("sys", "kernel", "osrelease"))
	if err != nil {
		return ""
	}
	dir := o.host("lib", "modules", strings.TrimSpace(string(b)))
	for _, ext := range []string{".ko", ".ko.xz", ".ko.zst", ".ko.gz"} {
		p := dir + "/kernel/fs/overlayfs/overlay" + ext
		if exists(p) {
			return p
		}
	}
	return ""
}

// checkOverlayUpper: overlayfs refuses an upper directory that is itself on overlayfs (kernel
// commit 76bc8e2843b6, "ovl: disallow overlayfs as upperdir"): mount(2) fails with EINVAL and
// the kernel logs "filesystem on '...' not supported as upperdir". That is the usual case
// inside a Docker container, whose root is an overlay. Mini keeps upper directories under its
// state root, so the filesystem holding the state root is what we look at.
func checkOverlayUpper(o Options) Result {
	r := Result{Item: "overlay upper"}
	mounts, err := readMounts(o.proc("self", "mountinfo"))
	if err != nil {
		r.Level, r.Finding = Warning, err.Error()
		return r
	}
	m, ok := mountOf(mounts, o.StateRoot)
	if !ok {
		r.Level, r.Finding = Warning, "no mount holds "+o.StateRoot
		return r
	}
	if m.fstype == "overlay" {
		r.Level = Warning
		r.Finding = fmt.Sprintf("%s is on an overlay filesystem (mounted at %s), so overlay mounts there fail with EINVAL",
			o.StateRoot, m.point)
		r.Fix = fmt.Sprintf("put it on another filesystem: mount -t tmpfs tmpfs %s, or a volume (docker run -v mini:%s)",
			o.StateRoot, o.StateRoot)
		return r
	}
	r.Level, r.Finding = OK, fmt.Sprintf("%s is on %s (mounted at %s)", o.StateRoot, m.fstype, m.point)
	return r
}

// checkRootfs: from chapter 01 on, the container's root is the busybox tree that
// rootfs/build.sh makes; bin/sh is what `mini run` starts by default.
func checkRootfs(o Options) Result {
	r := Result{Item: "rootfs"}
	if o.Rootfs == "" {
		r.Level, r.Finding, r.Fix = Problem, "busybox rootfs not built", "run "+o.RootfsHint
		return r
	}
	// Lstat: bin/sh is a symlink that resolves inside the rootfs, not on the host.
	if _, err := os.Lstat(o.Rootfs + "/bin/sh"); err != nil {
		r.Level, r.Finding = Problem, fmt.Sprintf("%s has no bin/sh", o.Rootfs)
		r.Fix = "rebuild it: " + o.RootfsHint + " --force"
		return r
	}
	r.Level, r.Finding = OK, "busybox rootfs at "+o.Rootfs
	return r
}
