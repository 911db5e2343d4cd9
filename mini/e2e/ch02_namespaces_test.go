//mini:chapter 02

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/tty"
)

func TestCh02Step1Hostname(t *testing.T) {
	e := newEnv(t)
	before, _ := os.Hostname()
	expect(t, e.mini("run", "--hostname", "box", "--", "hostname"), 0, "box\n")
	if after, _ := os.Hostname(); after != before {
		t.Fatalf("the host's hostname changed from %q to %q", before, after)
	}
	// Without --hostname the container is named after its ID: 12 hex digits.
	r := e.mini("run", "--", "hostname")
	if r.Status != 0 || len(strings.TrimSpace(r.Stdout)) != 12 {
		t.Errorf("want a 12-digit ID as the default hostname, got:\n%s", r)
	}
}

func TestCh02Step1OwnNamespaces(t *testing.T) {
	e := newEnv(t)
	b := e.start("run", "-i", "--", "sh", "-c", "echo ready; read x; true")
	b.waitFor("ready")
	pid := b.containerPID()
	for _, ns := range []string{"uts", "pid", "mnt", "ipc"} {
		mine, _ := os.Readlink("/proc/self/ns/" + ns)
		theirs, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
		if err != nil || theirs == mine {
			t.Errorf("namespace %s: the container's is %q, the host's %q: want a new one", ns, theirs, mine)
		}
	}
	expect(t, b.wait(), 0, "ready\n")
}

func TestCh02Step1PID1(t *testing.T) {
	e := newEnv(t)
	expect(t, e.mini("run", "--", "sh", "-c", "echo $$"), 0, "1\n")
	// /proc shows the container's processes only: the shell, PID 1, expanding the pattern.
	r := e.mini("run", "--", "sh", "-c", "echo /proc/[0-9]*")
	expect(t, r, 0, "/proc/1\n")
}

func TestCh02Step2MountsStayInside(t *testing.T) {
	e := newEnv(t)
	b := e.start("run", "-i", "--", "sh", "-c", "cat /proc/self/mountinfo; echo ready; read x")
	b.waitFor("ready")
	// On the host: none of the container's mounts (its /proc, /dev...) is visible.
	data, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(data), h.rootfs) {
		t.Errorf("the container's mounts are visible on the host:\n%s", grep(string(data), h.rootfs))
	}
	r := b.wait()
	// In the container: only its own mounts, none of the host's.
	var points []string
	sc := bufio.NewScanner(strings.NewReader(r.Stdout))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 4 {
			points = append(points, f[4])
		}
	}
	sort.Strings(points)
	want := []string{"/", "/dev", "/dev/console", "/dev/pts", "/dev/shm", "/proc", "/sys"}
	// Docker's masked and read-only paths (rootfs/mask.go): those this kernel has are mounts.
	want = append(want, "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/devices/virtual/powercap",
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")
	//mini:begin 05
	// Chapter 05 bind-mounts the container's own /etc/hosts and /etc/resolv.conf.
	want = append(want, "/etc/hosts", "/etc/resolv.conf")
	//mini:end 05
	for _, p := range points {
		if !contains(want, p) {
			t.Errorf("the container sees a mount it should not: %s (all: %v)", p, points)
		}
	}
}

func TestCh02Step3BreakoutFails(t *testing.T) {
	e := newEnv(t)
	rootfs, secretPath, secret := breakoutLab(t)
	r := e.mini("run", "--rootfs", rootfs, "--", "/breakout", secretPath)
	if r.Status == 0 || strings.Contains(r.Stdout, secret) {
		t.Fatalf("under pivot_root the breakout must fail, got:\n%s", r)
	}
	if !strings.Contains(r.Stderr, "still inside") {
		t.Errorf("want the breakout to report it is still inside, got:\n%s", r)
	}
}

func TestCh02Dev(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--", "ls", "/dev")
	got := strings.Fields(r.Stdout)
	want := []string{"fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"}
	if r.Status != 0 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("want a minimal /dev %v, got:\n%s", want, r)
	}
	expect(t, e.mini("run", "--", "sh", "-c", "echo x > /dev/null && head -c 3 /dev/zero | wc -c"), 0, "3\n")
}

func TestCh02TerminalHasAName(t *testing.T) {
	e := newEnv(t)
	pair, err := tty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer pair.Close()
	// The container's /dev has its own devpts; the terminal is bound on /dev/console so that
	// tty(1) can name it.
	cmd := e.command(t.Context(), "run", "-t", "--", "tty")
	var out, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pair.Slave, &out, &stderr
	if err := cmd.Run(); err != nil || strings.TrimSpace(out.String()) != "/dev/console" {
		t.Fatalf("want tty to print /dev/console, got %v, %q, stderr %q", err, out.String(), stderr.String())
	}
}

func TestCh02BadHostname(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"-x", "a b", "a\nb", strings.Repeat("x", 64)} {
		expectError(t, e.mini("run", "--hostname", name, "--", "true"), 125, "invalid --hostname")
	}
}

func TestCh02CapabilitiesDropped(t *testing.T) {
	e := newEnv(t)
	// No CAP_SYS_ADMIN: no mount, no sethostname. No CAP_MKNOD: no device node for the host's
	// disk. The bounding set is what is left: Docker's defaults less mknod.
	r := e.mini("run", "--", "sh", "-c", `mkdir /tmp/m; mount -t tmpfs t /tmp/m || echo no-mount
		mknod /tmp/disk b 8 0 || echo no-mknod
		hostname other || echo no-hostname
		grep CapBnd /proc/self/status`)
	want := "no-mount\nno-mknod\nno-hostname\nCapBnd:\t00000000a00425fb\n"
	if r.Stdout != want {
		t.Fatalf("want the command without cap_sys_admin and cap_mknod:\n%s", r)
	}
}

func TestCh02ProcSysReadOnly(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--", "sh", "-c", "echo x > /proc/sys/kernel/domainname")
	if r.Status == 0 || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Fatalf("want /proc/sys read-only, got:\n%s", r)
	}
}

func TestCh02SysReadOnly(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--", "sh", "-c", "touch /sys/kernel/x")
	if r.Status == 0 || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Fatalf("want /sys read-only, got:\n%s", r)
	}
}

func grep(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCh02DeviceNodesInRootfsUnusable(t *testing.T) {
	e := newEnv(t)
	// A root filesystem that ships a device node (here /dev/null's numbers, harmless) cannot use
	// it: the root is mounted nodev. The container's own /dev still works.
	rootfs := copyRootfs(t, "rootfs")
	if err := unix.Mknod(filepath.Join(rootfs, "shipped-null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	r := e.mini("run", "--rootfs", rootfs, "--", "sh", "-c", "echo x > /shipped-null || echo refused; echo x > /dev/null && echo dev-ok")
	if r.Stdout != "refused\ndev-ok\n" || !strings.Contains(r.Stderr, "Permission denied") {
		t.Fatalf("want the shipped node refused and /dev/null usable, got:\n%s", r)
	}
}
