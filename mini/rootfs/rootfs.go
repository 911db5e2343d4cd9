//mini:chapter 01

// Package rootfs gives a container its own root filesystem.
//
// Chapter 01 does it with chroot(2), the oldest way, and shows why it is not enough. Chapter 02
// adds the mounts a container needs (/proc, /dev, /sys) in its own mount namespace, and
// pivot_root(2), which really replaces the root. The chroot way stays, as the lab mode
// --isolation=chroot, so that the breakout can be tried on both.
package rootfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/minikit/kit/mini/explain"
)

// Mode is one way of making a directory the container's root. Enter runs on the init side.
type Mode struct {
	Name  string
	Enter func(root string, n *explain.Narrator) error
}

// Modes are the ways this chapter knows, weakest first. The default is the last, the strongest.
var Modes = []Mode{
	{Name: "chroot", Enter: Chroot},
	//mini:begin 02
	{Name: "pivot_root", Enter: PivotRoot},
	//mini:end 02
}

// DefaultMode is the name of the strongest mode.
func DefaultMode() string { return Modes[len(Modes)-1].Name }

// Lookup finds a mode by name.
func Lookup(name string) (Mode, error) {
	if name == "" {
		name = DefaultMode()
	}
	var names []string
	for _, m := range Modes {
		if m.Name == name {
			return m, nil
		}
		names = append(names, m.Name)
	}
	return Mode{}, fmt.Errorf("unknown --isolation %q: use one of %s", name, strings.Join(names, ", "))
}

// Check makes sure dir can be a root filesystem and returns its absolute path. It runs on the
// host side, so that a bad --rootfs is refused before anything is set up.
func Check(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("--rootfs %q: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("--rootfs %s: no such directory: build the kit's one with rootfs/build.sh, or point --rootfs at a root filesystem", abs)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("--rootfs %s is not a directory: point it at an unpacked root filesystem", abs)
	}
	return abs, nil
}

// BuildCommand is the one command that builds the kit's busybox root filesystem.
const BuildCommand = "rootfs/build.sh"

// Default finds the kit's busybox root filesystem: $MINI_ROOTFS, else rootfs/build/busybox in
// the Mini repository that holds the current directory or the mini binary.
func Default() (string, error) {
	if dir := os.Getenv("MINI_ROOTFS"); dir != "" {
		return dir, nil
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, start := range starts {
		for dir := start; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, BuildCommand)); err == nil {
				root := filepath.Join(dir, "rootfs", "build", "busybox")
				if _, err := os.Stat(filepath.Join(root, "bin", "sh")); err != nil {
					return "", fmt.Errorf("the kit's busybox root filesystem is not built yet: run %s (or pass --rootfs DIR)", filepath.Join(dir, BuildCommand))
				}
				return root, nil
			}
			if dir == filepath.Dir(dir) {
				break
			}
		}
	}
	return "", fmt.Errorf("no root filesystem: pass --rootfs DIR, set MINI_ROOTFS, or run mini from the Mini repository after %s", BuildCommand)
}
