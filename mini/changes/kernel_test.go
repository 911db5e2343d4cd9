//mini:chapter 07

package changes

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// inPrivateMounts runs f on an OS thread of its own in a mount namespace of its own, so that
// the overlays it mounts die with the thread and the host's mounts are never touched, whatever
// happens. unshare(2) of CLONE_NEWNS gives the calling thread alone a new namespace; the thread
// is never unlocked, so Go ends it with the goroutine instead of reusing it.
func inPrivateMounts(t *testing.T, f func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			errc <- err
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			errc <- err
			return
		}
		errc <- f()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// The upper that the kernel's overlayfs writes (shared whiteouts, its own origin/impure xattrs,
// an opaque directory, a rename) reads as the container saw it: diff lists what was done, and
// export is exactly what the kernel shows when it merges the same layers.
func TestCh07KernelMadeUpper(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	lower, upper, work, merged := filepath.Join(dir, "lower"), filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "merged")
	build(t, lower, "f etc/passwd root", "f etc/os-release x", "f etc/group g", "f root/.profile P", "f srv/a A", "l bin/sh busybox", "f bin/busybox BB")
	for _, d := range []string{upper, work, merged} {
		build(t, d)
	}
	inPrivateMounts(t, func() error {
		if err := unix.Mount("overlay", merged, "overlay", 0, "lowerdir="+lower+",upperdir="+upper+",workdir="+work); err != nil {
			return err
		}
		m := func(p string) string { return filepath.Join(merged, p) }
		f, err := os.OpenFile(m("etc/passwd"), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		f.WriteString("more\n")
		f.Close()
		for _, err := range []error{
			os.WriteFile(m("etc/motd"), []byte("hello\n"), 0o644),
			os.Remove(m("etc/os-release")),
			os.Remove(m("etc/group")),
			os.RemoveAll(m("root")),
			os.Mkdir(m("root"), 0o700),
			os.WriteFile(m("root/note"), []byte("n\n"), 0o600),
			os.Rename(m("srv/a"), m("srv/b")),
		} {
			if err != nil {
				return err
			}
		}
		return unix.Unmount(merged, 0)
	})
	got, err := Diff([]string{lower}, upper)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range got {
		lines = append(lines, c.String())
	}
	want := []string{
		"C /etc", "D /etc/group", "A /etc/motd", "D /etc/os-release", "C /etc/passwd",
		"C /root", "D /root/.profile", "A /root/note",
		"C /srv", "D /srv/a", "A /srv/b",
	}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("diff of the kernel's upper (-want +got):\n%s", d)
	}

	var b bytes.Buffer
	if err := Export(&b, []string{lower}, upper); err != nil {
		t.Fatal(err)
	}
	var exported []string
	for _, line := range listTar(t, &b) {
		name, _, _ := strings.Cut(line[2:], " ")
		exported = append(exported, strings.TrimSuffix(name, "/"))
	}
	sort.Strings(exported)
	var kernel []string
	inPrivateMounts(t, func() error {
		if err := unix.Mount("overlay", merged, "overlay", unix.MS_RDONLY, "lowerdir="+upper+":"+lower); err != nil {
			return err
		}
		err := filepath.WalkDir(merged, func(p string, _ fs.DirEntry, err error) error {
			if err == nil && p != merged {
				kernel = append(kernel, strings.TrimPrefix(p, merged+"/"))
			}
			return err
		})
		sort.Strings(kernel)
		if err != nil {
			return err
		}
		return unix.Unmount(merged, 0)
	})
	if d := cmp.Diff(kernel, exported); d != "" {
		t.Errorf("export vs the kernel's merged view (-kernel +export):\n%s", d)
	}
}
