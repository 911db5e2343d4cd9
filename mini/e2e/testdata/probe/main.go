// Command probe is run inside containers by the black-box tests, to look at what a shell cannot:
//
//	probe fds       the open file descriptors, one "N -> target" a line (without opening any)
//	probe tiocsti   try to push "echo INJECTED" into a terminal with ioctl(TIOCSTI) through fds
//	                0, 1, 2 and /dev/tty; one line each: "fd 0: refused (…)" or "fd 0: INJECTED"
//	probe inherit CMD [ARG...]
//	                exec CMD with cap_sys_admin and cap_net_admin in the inheritable set and
//	                cap_sys_admin in the ambient set (what `capsh --inh=... --addamb=...` does)
//
// It is a static program, copied into the test's root filesystem.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe fds|tiocsti|inherit CMD...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "inherit":
		inherit(os.Args[2:])
	case "fds":
		fds()
	case "tiocsti":
		tiocsti()
	default:
		fmt.Fprintf(os.Stderr, "probe: unknown %q\n", os.Args[1])
		os.Exit(2)
	}
}

// fds asks the kernel about each descriptor number with fcntl(F_GETFD), which opens nothing
// (listing /proc/self/fd would itself open a descriptor).
func fds() {
	for fd := 0; fd < 1024; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			continue
		}
		target, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
		if strings.HasPrefix(target, "/sys/fs/cgroup/") {
			continue // the probe's own Go runtime reads its CPU limit there (GOMAXPROCS)
		}
		fmt.Printf("%d -> %s\n", fd, target)
	}
}

func tiocsti() {
	try := func(name string, fd int) {
		for _, c := range []byte("echo INJECTED\n") {
			if err := unix.IoctlSetPointerInt(fd, unix.TIOCSTI, int(c)); err != nil {
				fmt.Printf("%s: refused (%v)\n", name, err)
				return
			}
		}
		fmt.Printf("%s: INJECTED\n", name)
	}
	for fd := 0; fd <= 2; fd++ {
		try(fmt.Sprintf("fd %d", fd), fd)
	}
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		fmt.Printf("/dev/tty: cannot open (%v)\n", err)
		return
	}
	try("/dev/tty", int(f.Fd()))
}

// inherit gives CMD inheritable and ambient capabilities. Capabilities belong to a thread: the
// whole change, and the exec, happen on one locked thread.
func inherit(argv []string) {
	runtime.LockOSThread()
	fail := func(what string, err error) {
		fmt.Fprintf(os.Stderr, "probe inherit: %s: %v\n", what, err)
		os.Exit(1)
	}
	if len(argv) == 0 {
		fail("usage", fmt.Errorf("no command"))
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		fail("capget", err)
	}
	data[0].Inheritable |= 1<<unix.CAP_SYS_ADMIN | 1<<unix.CAP_NET_ADMIN
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		fail("capset", err)
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, unix.CAP_SYS_ADMIN, 0, 0); err != nil {
		fail("raise the ambient cap_sys_admin", err)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		fail("find "+argv[0], err)
	}
	fail("exec "+path, unix.Exec(path, argv, os.Environ()))
}
