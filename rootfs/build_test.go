package rootfs_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// build runs build.sh with args and returns its standard output. Exit status 3 means no static
// busybox could be found or installed; that is a reason to skip only when we are not root
// (as root the script installs busybox-static itself, so failing there is a real failure).
func build(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("bash", append([]string{"build.sh"}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 && os.Geteuid() != 0 {
		t.Skipf("no static busybox on this host and not root to install it: %s", stderr.String())
	}
	if err != nil {
		t.Fatalf("build.sh %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, &stdout, &stderr)
	}
	return stdout.String()
}

func TestRootfsBuildLayoutIdempotentAndRunnable(t *testing.T) {
	out := t.TempDir()
	first := build(t, "--out", out)
	if !strings.HasPrefix(first, "built ") {
		t.Errorf("first run printed %q, want a line starting with %q", first, "built ")
	}
	root := filepath.Join(out, "busybox")
	checkLayout(t, root)
	if _, err := os.Stat(filepath.Join(out, "busybox.tar")); err != nil {
		t.Errorf("tarball: %v", err)
	}

	before, err := os.Stat(root)
	if err != nil {
		t.Fatal(err)
	}
	second := build(t, "--out", out)
	if !strings.HasPrefix(second, "up to date") {
		t.Errorf("second run printed %q, want it to say %q", second, "up to date")
	}
	after, err := os.Stat(root)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || !before.ModTime().Equal(after.ModTime()) {
		t.Errorf("second run replaced %s; it should have been a no-op", root)
	}

	if got := strings.TrimSpace(build(t, "--out", out, "--print-path")); got != root {
		t.Errorf("--print-path = %q, want %q", got, root)
	}

	t.Run("chroot", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("chroot(2) needs CAP_SYS_CHROOT: run the tests as root")
		}
		got, err := exec.Command("chroot", root, "/bin/sh", "-c", "echo ok").CombinedOutput()
		if err != nil || strings.TrimSpace(string(got)) != "ok" {
			t.Errorf("chroot %s /bin/sh -c 'echo ok' = %q, %v; want \"ok\"", root, got, err)
		}
	})
}

func TestRootfsBuildForceRebuilds(t *testing.T) {
	out := t.TempDir()
	build(t, "--out", out)
	if got := build(t, "--out", out, "--force"); !strings.HasPrefix(got, "built ") {
		t.Errorf("--force printed %q, want a rebuild", got)
	}
	checkLayout(t, filepath.Join(out, "busybox"))
	leftovers, _ := filepath.Glob(filepath.Join(out, ".busybox.[to]*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary trees left behind: %v", leftovers)
	}
}

func checkLayout(t *testing.T, root string) {
	t.Helper()
	for _, dir := range []string{"proc", "sys", "dev", "tmp", "root", "run", "var", "etc", "bin"} {
		if fi, err := os.Stat(filepath.Join(root, dir)); err != nil || !fi.IsDir() {
			t.Errorf("/%s: want a directory (the engine mounts on it), got %v", dir, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(root, "tmp")); err == nil && fi.Mode()&(os.ModeSticky|os.ModePerm) != os.ModeSticky|0o777 {
		t.Errorf("/tmp mode = %v, want 1777", fi.Mode())
	}
	if fi, err := os.Lstat(filepath.Join(root, "bin/busybox")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("/bin/busybox: want a regular file, got %v", err)
	}
	for link, want := range map[string]string{"bin/sh": "busybox", "usr/bin/awk": "../../bin/busybox"} {
		if got, err := os.Readlink(filepath.Join(root, link)); err != nil || got != want {
			t.Errorf("/%s -> %q (%v), want a relative link to %q", link, got, err, want)
		}
	}
	files := map[string]string{
		"etc/passwd":     "root:x:0:0:",
		"etc/group":      "root:x:0:",
		"etc/hostname":   "mini",
		"etc/hosts":      "localhost",
		"etc/os-release": "Mini busybox rootfs",
	}
	for name, want := range files {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("/%s: want it to contain %q, got %q (%v)", name, want, b, err)
		}
	}
}
