package doctor

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestHealthyV2HostIsReady(t *testing.T) {
	rs := Check(newFixture(t).options())
	for _, r := range rs {
		if r.Level != OK {
			t.Errorf("%s: %v %q — %q, want ok on a healthy fixture", r.Item, r.Level, r.Finding, r.Fix)
		}
	}
	expect(t, rs, "cgroups", OK, "cgroup v2")
	expect(t, rs, "cgroup memory", OK, "enabled")
	if !Ready(rs) {
		t.Error("Ready = false for a healthy host")
	}
}

func TestCgroupV2ControllersNotEnabled(t *testing.T) {
	f := newFixture(t)
	f.write(t, map[string]string{
		"sys/fs/cgroup/cgroup.controllers":     "cpuset cpu io memory\n", // no pids: not delegated
		"sys/fs/cgroup/cgroup.subtree_control": "cpu\n",
	})
	rs := Check(f.options())
	expect(t, rs, "cgroup cpu", OK)
	expect(t, rs, "cgroup memory", Warning, "not enabled", "echo +memory > "+filepath.Join(f.dir, "sys/fs/cgroup/cgroup.subtree_control"))
	expect(t, rs, "cgroup pids", Problem, "cgroup.controllers")
	if Ready(rs) {
		t.Error("Ready = true with pids unavailable")
	}
}

func TestCgroupV1(t *testing.T) {
	f := newFixture(t)
	f.magic = unix.TMPFS_MAGIC
	f.write(t, map[string]string{"proc/self/mountinfo": mntRootExt4 + mntCgroupV1})
	rs := Check(f.options())
	expect(t, rs, "cgroups", OK, "cgroup v1", "4 hierarchies")
	expect(t, rs, "cgroup cpu", OK, "/sys/fs/cgroup/cpu,cpuacct")
	expect(t, rs, "cgroup memory", OK, "/sys/fs/cgroup/memory")
	expect(t, rs, "cgroup pids", OK, "/sys/fs/cgroup/pids")
}

func TestCgroupV1MissingController(t *testing.T) {
	f := newFixture(t)
	f.magic = unix.TMPFS_MAGIC
	f.write(t, map[string]string{"proc/self/mountinfo": strings.Replace(mntRootExt4+mntCgroupV1, "rw,memory", "rw,blkio", 1)})
	expect(t, Check(f.options()), "cgroup memory", Problem, "mount -t cgroup -o memory")
}

func TestCgroupHybrid(t *testing.T) {
	f := newFixture(t)
	f.magic = unix.TMPFS_MAGIC
	f.write(t, map[string]string{"proc/self/mountinfo": mntRootExt4 + mntCgroupV1 + mntUnified})
	rs := Check(f.options())
	expect(t, rs, "cgroups", OK, "hybrid", "/sys/fs/cgroup/unified", "Mini uses the v1 hierarchies")
	expect(t, rs, "cgroup memory", OK, "/sys/fs/cgroup/memory")
}

func TestNoCgroups(t *testing.T) {
	f := newFixture(t)
	f.magic = unix.TMPFS_MAGIC
	f.write(t, map[string]string{"proc/self/mountinfo": mntRootExt4})
	expect(t, Check(f.options()), "cgroups", Problem, "no cgroup v2")
}

func TestOverlayRoot(t *testing.T) {
	f := newFixture(t)
	f.write(t, map[string]string{"proc/self/mountinfo": mntRootOverlay + mntCgroup2})
	rs := Check(f.options())
	expect(t, rs, "overlay upper", Warning, "/var/lib/mini is on an overlay", "EINVAL", "tmpfs")
	if !Ready(rs) {
		t.Error("overlay root should be a warning, not a problem")
	}

	// A volume mounted at the state root fixes it.
	f.write(t, map[string]string{"proc/self/mountinfo": mntRootOverlay + mntCgroup2 +
		"60 22 8:2 /volumes/mini /var/lib/mini rw - ext4 /dev/sdb1 rw\n"})
	expect(t, Check(f.options()), "overlay upper", OK, "ext4")
}

func TestOverlayModule(t *testing.T) {
	f := newFixture(t)
	f.write(t, map[string]string{"proc/filesystems": "nodev\tsysfs\n\text4\n"})
	expect(t, Check(f.options()), "overlayfs", Problem, "CONFIG_OVERLAY_FS")
	f.write(t, map[string]string{"lib/modules/6.1.0-18-amd64/kernel/fs/overlayfs/overlay.ko.xz": ""})
	expect(t, Check(f.options()), "overlayfs", OK, "overlay.ko.xz")
}

func TestWSL(t *testing.T) {
	f := newFixture(t)
	f.write(t, map[string]string{"proc/version": "Linux version 5.15.153.1-microsoft-standard-WSL2 (root@941d701f84f1)\n"})
	expect(t, Check(f.options()), "wsl", Warning, "WSL 2")
	f.write(t, map[string]string{"proc/version": "Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com)\n"})
	expect(t, Check(f.options()), "wsl", Problem, "WSL 1", "wsl --set-version")
}

func TestInsideContainer(t *testing.T) {
	for _, tc := range []struct{ file, content, want string }{
		{".dockerenv", "", "/.dockerenv"},
		{"run/.containerenv", "", "/run/.containerenv"},
		{"proc/1/cgroup", "0::/kubepods/besteffort/pod1234\n", "kubepods"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			f := newFixture(t)
			f.write(t, map[string]string{tc.file: tc.content})
			expect(t, Check(f.options()), "container", Warning, tc.want, "--privileged")
		})
	}
}

func TestIPForwardOff(t *testing.T) {
	f := newFixture(t)
	f.write(t, map[string]string{"proc/sys/net/ipv4/ip_forward": "0\n"})
	rs := Check(f.options())
	expect(t, rs, "ip_forward", Warning, "= 0", "Mini turns it on")
	if !Ready(rs) {
		t.Error("ip_forward 0 should not make the host unready")
	}
}

func TestRootfs(t *testing.T) {
	f := newFixture(t)
	o := f.options()
	o.Rootfs = ""
	expect(t, Check(o), "rootfs", Problem, "not built", "run rootfs/build.sh")
	f.remove(t, "rootfs/bin/sh")
	expect(t, Check(f.options()), "rootfs", Problem, "no bin/sh", "--force")
}

func TestNotRoot(t *testing.T) {
	f := newFixture(t)
	f.write(t, map[string]string{"proc/self/status": "Name:\tmini\nUid:\t1000\t1000\t1000\t1000\n"})
	expect(t, Check(f.options()), "root", Problem, "uid 1000", "sudo")
}

func TestNamespacesMissing(t *testing.T) {
	f := newFixture(t)
	f.remove(t, "proc/self/ns/user")
	expect(t, Check(f.options()), "namespaces", Warning, "missing user")
	f.remove(t, "proc/self/ns/net")
	expect(t, Check(f.options()), "namespaces", Problem, "net (own network stack")
}

func TestKernelVersion(t *testing.T) {
	for release, want := range map[string]Level{
		"6.18.44-fc-v782": OK, "5.4.0-150-generic": OK, "5.3.18": Warning,
		"4.19.0-26-amd64": Warning, "4.4.0": Warning, "4.3.9": Problem, "3.10.0-1160.el7.x86_64": Problem,
		"garbage": Warning,
	} {
		f := newFixture(t)
		f.write(t, map[string]string{"proc/sys/kernel/osrelease": release + "\n"})
		expect(t, Check(f.options()), "kernel", want, release)
	}
}

func TestIptables(t *testing.T) {
	f := newFixture(t)
	f.iptEr = &exec.Error{Name: "iptables", Err: exec.ErrNotFound}
	expect(t, Check(f.options()), "iptables", Problem, "not found", "apt-get install iptables")
	f.ipt, f.iptEr = "iptables v1.8.7 (legacy)\n", nil
	expect(t, Check(f.options()), "iptables", OK, "v1.8.7", "legacy backend")
}

func TestParseIptablesVersion(t *testing.T) {
	for _, tc := range []struct{ out, version, backend string }{
		{"iptables v1.8.9 (nf_tables)\n", "1.8.9", "nf_tables"},
		{"iptables v1.8.7 (legacy)\n", "1.8.7", "legacy"},
		{"iptables v1.6.1\n", "1.6.1", "legacy"},
		{"iptables v1.8.10 (nf_tables): extra\n", "1.8.10", "nf_tables"},
		{"command not found\n", "", ""},
	} {
		v, b, ok := parseIptablesVersion(tc.out)
		if v != tc.version || b != tc.backend || ok != (tc.version != "") {
			t.Errorf("parseIptablesVersion(%q) = %q, %q, %v; want %q, %q", tc.out, v, b, ok, tc.version, tc.backend)
		}
	}
}

func TestMountinfoEscapes(t *testing.T) {
	f := newFixture(t)
	f.write(t, map[string]string{"proc/self/mountinfo": mntRootExt4 +
		`70 22 0:60 / /mnt/my\040disk rw - overlay overlay rw` + "\n"})
	ms, err := readMounts(filepath.Join(f.dir, "proc/self/mountinfo"))
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := mountOf(ms, "/mnt/my disk/x"); !ok || m.fstype != "overlay" {
		t.Errorf("mountOf(/mnt/my disk/x) = %+v, %v; want the overlay mount", m, ok)
	}
}
