//mini:chapter 01

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCh01BadRootfs(t *testing.T) {
	e := newEnv(t)
	expectError(t, e.mini("run", "--rootfs", "/no/such/dir", "--", "true"), 125, "/no/such/dir", "no such directory")
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	expectError(t, e.mini("run", "--rootfs", file, "--", "true"), 125, file, "not a directory")
}

func TestCh01Step1OwnRoot(t *testing.T) {
	e := newEnv(t)
	for _, mode := range []string{"chroot", ""} {
		args := []string{"run", "--", "cat", "/etc/os-release"}
		if mode != "" {
			args = []string{"run", "--isolation", mode, "--", "cat", "/etc/os-release"}
		}
		r := e.mini(args...)
		if r.Status != 0 || !strings.Contains(r.Stdout, "Mini") {
			t.Errorf("isolation %q: want the busybox rootfs's os-release, got:\n%s", mode, r)
		}
		// The current directory is inside the new root too.
		expect(t, e.mini("run", "--isolation", "chroot", "--", "pwd"), 0, "/\n")
	}
}

func TestCh01DefaultRootfs(t *testing.T) {
	e := newEnv(t)
	e.extra = []string{"MINI_ROOTFS="} // find the kit's rootfs from the repository, as a student does
	args := []string{"run", "--", "cat", "/etc/os-release"}
	//mini:begin 06
	// From chapter 06 the first argument names an image: the kit's rootfs is busybox:latest.
	args = []string{"run", "busybox", "cat", "/etc/os-release"}
	//mini:end 06
	r := e.mini(args...)
	if r.Status != 0 || !strings.Contains(r.Stdout, "Mini") {
		t.Fatalf("without --rootfs, want the kit's busybox rootfs, got:\n%s", r)
	}
}

func TestCh01RootfsWithoutCommand(t *testing.T) {
	e := newEnv(t)
	empty := t.TempDir()
	for _, dir := range []string{"proc", "sys", "dev", "tmp"} {
		os.Mkdir(filepath.Join(empty, dir), 0o755)
	}
	expectError(t, e.mini("run", "--rootfs", empty, "--", "sh"), 127, "sh", "not found")
}

func TestCh01UnknownIsolation(t *testing.T) {
	e := newEnv(t)
	expectError(t, e.mini("run", "--isolation", "jail", "--", "true"), 125, "jail", "chroot")
}

// breakoutLab prepares the chroot lab: a private copy of the rootfs with the breakout program
// in it, and a file on the host that only an escaped process can read.
func breakoutLab(t *testing.T) (rootfs, secretPath, secret string) {
	t.Helper()
	rootfs = copyRootfs(t, "rootfs")
	// MINI_E2E_BREAKOUT names a prebuilt breakout program (scripts/vm/test: no Go in the VM).
	build := exec.Command("go", "build", "-o", filepath.Join(rootfs, "breakout"), "./testdata/breakout")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if prebuilt := os.Getenv("MINI_E2E_BREAKOUT"); prebuilt != "" {
		build = exec.Command("cp", prebuilt, filepath.Join(rootfs, "breakout"))
	}
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the breakout program: %v\n%s", err, out)
	}
	b := make([]byte, 8)
	rand.Read(b)
	secret = "secret-" + hex.EncodeToString(b)
	secretPath = filepath.Join(t.TempDir(), "host-only")
	if err := os.WriteFile(secretPath, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return rootfs, secretPath, secret
}

func TestCh01Step2ChrootBreakout(t *testing.T) {
	e := newEnv(t)
	rootfs, secretPath, secret := breakoutLab(t)
	r := e.mini("run", "--rootfs", rootfs, "--isolation", "chroot", "--", "/breakout", secretPath)
	if r.Status != 0 || !strings.Contains(r.Stdout, secret) {
		t.Fatalf("in chroot mode the classic breakout should reach the host's %s:\n%s", secretPath, r)
	}
}
