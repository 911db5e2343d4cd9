package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Mountinfo lines for the fixtures.
const (
	mntRootExt4    = "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
	mntRootOverlay = "22 1 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
	mntCgroup2     = "30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
	mntCgroupV1    = "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n" +
		"31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw shared:5 - cgroup cgroup rw,cpu,cpuacct\n" +
		"34 30 0:31 / /sys/fs/cgroup/memory rw shared:6 - cgroup cgroup rw,memory\n" +
		"38 30 0:35 / /sys/fs/cgroup/pids rw shared:7 - cgroup cgroup rw,pids\n" +
		"39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
	mntUnified = "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
)

// fixture is a healthy cgroup v2 host as files under a temporary directory; tests change it.
type fixture struct {
	dir   string
	magic int64 // what statfs reports for /sys/fs/cgroup
	ipt   string
	iptEr error
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), magic: unix.CGROUP2_SUPER_MAGIC, ipt: "iptables v1.8.9 (nf_tables)\n"}
	f.write(t, map[string]string{
		"proc/self/status":                     "Name:\tmini\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		"proc/sys/kernel/osrelease":            "6.1.0-18-amd64\n",
		"proc/version":                         "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12)\n",
		"proc/filesystems":                     "nodev\tsysfs\nnodev\tcgroup2\nnodev\toverlay\n\text4\n",
		"proc/sys/net/ipv4/ip_forward":         "1\n",
		"proc/1/cgroup":                        "0::/init.scope\n",
		"proc/self/mountinfo":                  mntRootExt4 + mntCgroup2,
		"sys/fs/cgroup/cgroup.controllers":     "cpuset cpu io memory hugetlb pids rdma misc\n",
		"sys/fs/cgroup/cgroup.subtree_control": "cpu io memory pids\n",
		"rootfs/bin/busybox":                   "",
	})
	for _, ns := range []string{"uts", "pid", "mnt", "ipc", "net", "cgroup", "user"} {
		f.write(t, map[string]string{"proc/self/ns/" + ns: ""})
	}
	if err := os.Symlink("busybox", filepath.Join(f.dir, "rootfs/bin/sh")); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) write(t *testing.T, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(f.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) remove(t *testing.T, name string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(f.dir, name)); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) options() Options {
	return Options{
		Rootfs:     filepath.Join(f.dir, "rootfs"),
		RootfsHint: "rootfs/build.sh",
		ProcRoot:   filepath.Join(f.dir, "proc"),
		SysRoot:    filepath.Join(f.dir, "sys"),
		HostRoot:   f.dir,
		StateRoot:  "/var/lib/mini",
		Statfs: func(path string) (int64, error) {
			if path != filepath.Join(f.dir, "sys/fs/cgroup") {
				return 0, fmt.Errorf("statfs of unexpected path %s", path)
			}
			return f.magic, nil
		},
		IptablesVersion: func() (string, error) { return f.ipt, f.iptEr },
	}
}

// result returns the result for item, failing the test when there is none.
func result(t *testing.T, rs []Result, item string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Item == item {
			return r
		}
	}
	t.Fatalf("no result for %q in %+v", item, rs)
	return Result{}
}

// expect checks an item's level and that its finding and fix mention every word in want.
func expect(t *testing.T, rs []Result, item string, level Level, want ...string) {
	t.Helper()
	r := result(t, rs, item)
	if r.Level != level {
		t.Errorf("%s: level %v, want %v (%+v)", item, r.Level, level, r)
	}
	for _, w := range want {
		if !strings.Contains(r.Finding+" — "+r.Fix, w) {
			t.Errorf("%s: %q — %q does not mention %q", item, r.Finding, r.Fix, w)
		}
	}
}
