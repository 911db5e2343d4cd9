//go:build linux && amd64

// Command vmexit ends the lab VM with an exit status the host sees: `vmexit 3` makes
// qemu-system-x86_64 itself exit with 2*3+1 = 7.
//
// It writes the status to QEMU's isa-debug-exit device (`-device isa-debug-exit,iobase=0xf4`),
// an I/O port that stops the emulator on the first write. Userspace may touch an I/O port only
// after ioperm(2) grants it, and only with the OUT instruction, which Go has no statement for:
// outb is four lines of assembly. (A shell cannot do this: Debian's kernels are built without
// /dev/port.)
//
// The VM's init (scripts/vm/init) runs it as the last thing, so the host's scripts/vm/test
// exits with the status of the tests that ran inside.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

// port is where scripts/vm/lib.sh puts the isa-debug-exit device.
const port = 0xf4

func outb(port uint16, val uint8) // outb_amd64.s

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: vmexit STATUS (0-127)")
		os.Exit(2)
	}
	status, err := strconv.Atoi(os.Args[1])
	if err != nil || status < 0 || status > 127 {
		fmt.Fprintf(os.Stderr, "vmexit: status %q is not a number from 0 to 127\n", os.Args[1])
		os.Exit(2)
	}
	// ioperm(from, num, turn_on): let this thread use the one port. Without it OUT faults
	// with SIGSEGV (the kernel's I/O permission bitmap denies every port by default). The
	// permission belongs to the calling *thread*: the goroutine must not move to another one
	// between the syscall and the OUT (it did, now and then, and vmexit crashed).
	runtime.LockOSThread()
	if _, _, errno := syscall.Syscall(syscall.SYS_IOPERM, port, 1, 1); errno != 0 {
		fmt.Fprintf(os.Stderr, "vmexit: ioperm(0x%x): %v (run it as root inside the VM)\n", port, errno)
		os.Exit(1)
	}
	outb(port, uint8(status))
	// Only reached without the device (on real hardware, or qemu started without it).
	fmt.Fprintln(os.Stderr, "vmexit: no isa-debug-exit device at port 0xf4: is this the lab VM?")
	os.Exit(1)
}
