//mini:chapter 02

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Docker's masked paths: what /proc and /sys would tell a container about the host (kernel
// memory, keyrings, other namespaces' timers, firmware, energy counters) reads as nothing.
// A path this kernel does not have is fine too.
func TestCh02KernelFilesMasked(t *testing.T) {
	e := newEnv(t)
	masked := []string{"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/devices/virtual/powercap"}
	script := `for p in "$@"; do
		if [ -d "$p" ]; then echo "$p dir:$(ls -A "$p" | wc -l)"
		elif [ -e "$p" ]; then echo "$p file:$(head -c 64 "$p" | wc -c)"
		else echo "$p absent"; fi
	done`
	r := e.mini(append([]string{"run", "--", "sh", "-c", script, "sh"}, masked...)...)
	if r.Status != 0 {
		t.Fatalf("mini run: %s", r)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		if !strings.HasSuffix(line, " dir:0") && !strings.HasSuffix(line, " file:0") && !strings.HasSuffix(line, " absent") {
			t.Errorf("want it masked (empty) or absent: %s", line)
		}
	}
	// The host does show some of them: the masking is Mini's doing, not the kernel's.
	if entries, _ := os.ReadDir("/sys/firmware"); len(entries) == 0 {
		t.Logf("note: the host's /sys/firmware is empty too")
	}
}

// Docker's read-only paths: visible, but a write fails with EROFS. /proc/bus/pci is writable
// by root with no capability at all: a container could rewrite the host's PCI config space.
func TestCh02KernelKnobsReadOnly(t *testing.T) {
	e := newEnv(t)
	script := `for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
		[ -e "$p" ] || { echo "$p absent"; continue; }
		grep -q " $p [a-z]* ro," /proc/self/mounts && echo "$p ro" || echo "$p WRITABLE"
	done
	echo 1 > /proc/irq/default_smp_affinity 2>/dev/null || echo irq-refused`
	r := e.mini("run", "--", "sh", "-c", script)
	if r.Status != 0 || strings.Contains(r.Stdout, "WRITABLE") || !strings.Contains(r.Stdout, "/proc/sys ro") || !strings.Contains(r.Stdout, "irq-refused") {
		t.Fatalf("want /proc/bus, /proc/fs, /proc/irq, /proc/sys and /proc/sysrq-trigger read-only mounts:\n%s", r)
	}
}

// A root filesystem whose /proc, /sys or /dev is a symbolic link pointing out of it is refused:
// Mini would otherwise mount the kernel's filesystems wherever the link points (the
// CVE-2019-19921 / CVE-2021-30465 class). The link's target is untouched.
func TestCh02SymlinkedMountpointsRefused(t *testing.T) {
	e := newEnv(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "keep"), []byte("host file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"proc", "sys", "dev"} {
		rootfs := copyRootfs(t, "rootfs-"+dir)
		os.RemoveAll(filepath.Join(rootfs, dir))
		if err := os.Symlink(outside, filepath.Join(rootfs, dir)); err != nil {
			t.Fatal(err)
		}
		expectError(t, e.mini("run", "--rootfs", rootfs, "--", "true"), 125, "/"+dir, "symbolic link")
		entries, _ := os.ReadDir(outside)
		if len(entries) != 1 || entries[0].Name() != "keep" {
			t.Errorf("/%s -> %s: the link's target changed: %v", dir, outside, entries)
		}
	}
	noMountUnder(t, outside)
}

// A root filesystem without /proc or /sys still runs: Mini makes the directories.
func TestCh02MissingMountpointsMade(t *testing.T) {
	e := newEnv(t)
	rootfs := copyRootfs(t, "rootfs")
	for _, dir := range []string{"proc", "sys"} {
		if err := os.RemoveAll(filepath.Join(rootfs, dir)); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, e.mini("run", "--rootfs", rootfs, "--", "sh", "-c", "test -r /proc/self/status && test -d /sys/kernel && echo ok"), 0, "ok\n")
}

// All five capability sets: a Mini started with inheritable and ambient capabilities (as
// `capsh --inh=cap_sys_admin --addamb=cap_sys_admin` would start it; here the probe does) must
// not pass them on. For root, execve(2) adds the inheritable set to the new permitted set
// whatever the bounding set says: cap_sys_admin would come back.
func TestCh02AllCapabilitySets(t *testing.T) {
	e := newEnv(t)
	probe := buildProbe(t)
	cmd := e.command(t.Context(), "run", "--", "grep", "^Cap", "/proc/self/status")
	cmd.Args = append([]string{probe, "inherit"}, cmd.Args...)
	cmd.Path = probe
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("probe inherit mini run: %v\n%s", err, out)
	}
	want := "CapInh:\t0000000000000000\nCapPrm:\t00000000a00425fb\nCapEff:\t00000000a00425fb\n" +
		"CapBnd:\t00000000a00425fb\nCapAmb:\t0000000000000000\n"
	if string(out) != want {
		t.Errorf("want only Docker's default capabilities less mknod, in every set:\n%s\ngot:\n%s", want, out)
	}
}

// noMountUnder fails the test if the host has a mount at or below dir.
func noMountUnder(t *testing.T, dir string) {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			t.Errorf("a mount on the host under %s: %s", dir, line)
		}
	}
}
