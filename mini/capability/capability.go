//mini:chapter 02

// Package capability takes from the container's processes the powers of root that a container
// must not have.
//
// Root is not one power but some forty capabilities (capabilities(7)). Namespaces give the
// container its own view of the system, but a process with CAP_SYS_ADMIN could still mount
// filesystems (a cgroupfs to raise its own limits, /sys read-write), one with CAP_MKNOD could
// create a device node for the host's disk and read it raw, and so on. So, right before the
// exec, the init side drops every capability from the *bounding set* except a short list: for
// root, execve(2) computes the new permitted set from the bounding set, and what is not there
// can never be regained by the command or its children.
package capability

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// names are the capabilities by number, as capabilities(7) and capsh(1) spell them.
var names = []string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
	"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
	"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
	"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

// kept are the capabilities a container keeps: Docker's default set, less mknod (Docker keeps
// it because its device cgroup stops the nodes from being opened; Mini has no device cgroup).
// sys_chroot stays so that chapter 01's breakout lab still runs in chroot mode.
var kept = []string{
	"chown", "dac_override", "fsetid", "fowner", "net_raw", "setgid", "setuid", "setfcap",
	"setpcap", "net_bind_service", "sys_chroot", "kill", "audit_write",
}

// Drop leaves the init process, and so the command it execs, with the kept capabilities only,
// in all five sets (capabilities(7)). It runs on the init side after every mount (mounting needs
// cap_sys_admin), right before the exec.
//
//   - bounding: the ceiling; what is not here no exec can ever give back;
//   - ambient and inheritable: cleared. They are inherited from whoever started Mini, and for
//     root execve(2) adds the inheritable set to the new permitted set *whatever the bounding
//     set says*: a Mini started with cap_sys_admin inheritable would hand it to the command;
//   - permitted and effective: the kept set, as execve will compute them for root anyway.
func Drop(n *explain.Narrator) error {
	if err := DropBounding(n); err != nil {
		return err
	}
	n.Step(explain.Namespace, explain.Sh("capsh --inh= --noamb -- -c COMMAND"), "clear the inheritable and ambient capability sets")
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear the ambient capabilities: %w", err)
	}
	var mask [2]uint32
	for c, name := range names {
		if slices.Contains(kept, name) {
			mask[c/32] |= 1 << (c % 32)
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	data := [2]unix.CapUserData{
		{Effective: mask[0], Permitted: mask[0]},
		{Effective: mask[1], Permitted: mask[1]},
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("set the permitted, effective and inheritable capabilities: %w", err)
	}
	return nil
}

// DropBounding removes every capability but the kept ones from the bounding set. It runs on the
// init side after every mount (mounting needs cap_sys_admin) and right before the exec.
func DropBounding(n *explain.Narrator) error {
	last, err := lastCap()
	if err != nil {
		return err
	}
	var dropped []string
	for c := 0; c <= last; c++ {
		name := strconv.Itoa(c) // a capability newer than this table: capsh takes numbers too
		if c < len(names) {
			name = names[c]
		}
		if slices.Contains(kept, name) {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
			return fmt.Errorf("drop cap_%s from the bounding set: %w", name, err)
		}
		dropped = append(dropped, "cap_"+name)
	}
	n.Stepf(explain.Namespace, explain.Sh("capsh --drop="+strings.Join(dropped, ",")+" -- -c COMMAND"),
		"drop %d capabilities from the bounding set; the command keeps only cap_%s",
		len(dropped), strings.Join(kept, ", cap_"))

	return nil
}

// lastCap is the highest capability number this kernel knows.
func lastCap() (int, error) {
	data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return 0, fmt.Errorf("read the highest capability number: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0, fmt.Errorf("read /proc/sys/kernel/cap_last_cap: %w", err)
	}
	return n, nil
}
