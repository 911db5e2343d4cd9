# shellcheck shell=bash
# Shared by scripts/vm/prepare, test and lab: where things are, how to fail, and how to start
# the VM. Sourced, never run.

vm_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$vm_dir/../.." && pwd)"
# Everything built goes here (gitignored by scripts/vm/.gitignore). MINI_VM_CACHE moves it,
# e.g. to /var/cache/mini-vm on a machine that keeps several work trees.
cache="${MINI_VM_CACHE:-$vm_dir/.cache}"

# The Debian kernel flavour: "cloud-amd64" is built for VMs (virtio, no hardware drivers to
# probe), so it is a third of the size of "amd64" and boots faster under emulation.
flavour="${MINI_VM_FLAVOUR:-cloud-amd64}"

# The VM's size. 1.5 GiB leaves room for the tests' binaries and containers, all in RAM.
vm_mem="${MINI_VM_MEM:-1536}"
vm_cpus="${MINI_VM_CPUS:-2}"

# kernel_pkg: the kernel package, whichever linux-image the flavour's metapackage points at today
# (from apt's lists: no network). scripts/bundle puts the same package in the offline bundle.
kernel_pkg() {
	apt-cache depends "linux-image-$flavour" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1
}

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

need_root() {
	((EUID == 0)) || die "needs root (it installs Debian packages and runs the engine): run it with sudo"
}

# vm_cmdline: the kernel's command line.
#   console=ttyS0      the serial port is the console; the host reads it on qemu's stdout
#   quiet loglevel=3   only errors from the kernel itself: the serial port is slow under TCG
#   cgroup_no_v1=all   a pure cgroup v2 machine: no controller can be bound to a v1 hierarchy
#   panic=-1           a kernel panic reboots at once, and -no-reboot turns that into an exit
vm_cmdline() {
	echo "console=ttyS0 quiet loglevel=3 cgroup_no_v1=all panic=-1 rdinit=/init"
}

# vm_qemu INITRD [EXTRA-ARGS...]: the qemu command line, one argument a line in an array
# named qemu_cmd. Choices:
#   -accel tcg      plain emulation. This machine's /dev/kvm cannot run a stock kernel (and CI
#                   machines are VMs themselves), so no hardware virtualisation; see the doc.
#   -kernel         the uncompressed vmlinux when prepare could extract it: qemu boots it
#                   through its PVH entry point and skips ~3 s of emulated decompression.
#   -nodefaults -nic none
#                   no network card, no disks, no VGA: nothing the VM does can reach the network.
#   -serial stdio   the console; stdin is /dev/null so qemu leaves the host terminal alone.
#   isa-debug-exit  scripts/vm/vmexit writes the exit status there; qemu exits with 2*status+1.
vm_qemu() {
	local initrd="$1"
	shift
	qemu_cmd=(
		qemu-system-x86_64 -accel tcg -cpu max -smp "$vm_cpus" -m "$vm_mem"
		-nodefaults -no-user-config -nic none -display none -serial stdio -monitor none
		-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
		-kernel "$cache/kernel" -initrd "$initrd" -append "$(vm_cmdline)"
		"$@"
	)
}

# vm_status QEMU-STATUS: the status the VM's job exited with, or 125 with a message when qemu
# stopped some other way (isa-debug-exit always gives an odd status: 2*status+1).
vm_status() {
	local s="$1"
	if ((s % 2 == 1)); then
		echo $(((s - 1) / 2))
		return
	fi
	if ((s == 0)); then
		echo "the VM stopped without reporting a status: the kernel panicked or init failed (see the console output above)" >&2
	else
		echo "qemu failed with status $s (see its message above)" >&2
	fi
	echo 125
}

# vm_ready: true when prepare's output is complete.
vm_ready() {
	[[ -f "$cache/stamp" && -f "$cache/kernel" && -f "$cache/base.cpio" ]]
}

# pack_cpio DIR OUT: pack DIR into a newc cpio archive OUT (the format the kernel unpacks),
# with every file owned by root. busybox cpio, because Debian's cpio package may be missing.
pack_cpio() {
	local dir="$1" out="$2"
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) >"$out"
}
