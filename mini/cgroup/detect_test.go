//mini:chapter 03

package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mountinfo writes a mount table with the given "mountpoint fstype superoptions" lines.
func mountinfo(t *testing.T, lines ...string) string {
	t.Helper()
	var b strings.Builder
	for i, l := range lines {
		f := strings.Fields(l)
		fmt.Fprintf(&b, "%d 1 0:%d / %s rw,relatime shared:1 - %s %s %s\n", 30+i, 30+i, f[0], f[1], f[1], f[2])
	}
	path := filepath.Join(t.TempDir(), "mountinfo")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCh03DetectV1(t *testing.T) {
	mi := mountinfo(t,
		"/sys/fs/cgroup tmpfs rw",
		"/sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct",
		"/sys/fs/cgroup/memory cgroup rw,memory",
		"/sys/fs/cgroup/pids cgroup rw,pids",
	)
	l, err := Detect(mi)
	if err != nil {
		t.Fatal(err)
	}
	want := Layout{Version: 1, V1: map[string]string{
		"cpu": "/sys/fs/cgroup/cpu,cpuacct", "memory": "/sys/fs/cgroup/memory", "pids": "/sys/fs/cgroup/pids"}}
	if diff := cmp.Diff(want, l); diff != "" {
		t.Errorf("v1 layout (-want +got):\n%s", diff)
	}
}

func TestCh03DetectV2(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "cgroup.controllers"), []byte("cpuset cpu io memory hugetlb pids rdma misc\n"), 0o644)
	l, err := Detect(mountinfo(t, root+" cgroup2 rw,nsdelegate"))
	if err != nil || l.Version != 2 || l.V2 != root {
		t.Fatalf("want v2 at %s, got %+v, %v", root, l, err)
	}
}

func TestCh03DetectHybrid(t *testing.T) {
	unified := t.TempDir()
	os.WriteFile(filepath.Join(unified, "cgroup.controllers"), []byte("\n"), 0o644)
	l, err := Detect(mountinfo(t,
		unified+" cgroup2 rw",
		"/sys/fs/cgroup/cpu cgroup rw,cpu",
		"/sys/fs/cgroup/memory cgroup rw,memory",
		"/sys/fs/cgroup/pids cgroup rw,pids",
	))
	if err != nil || l.Version != 1 || !l.Hybrid {
		t.Fatalf("want a hybrid v1 layout, got %+v, %v", l, err)
	}
}

func TestCh03DetectMissingController(t *testing.T) {
	_, err := Detect(mountinfo(t, "/sys/fs/cgroup/memory cgroup rw,memory"))
	if err == nil || !strings.Contains(err.Error(), "cpu, pids") {
		t.Fatalf("want an error naming cpu and pids, got %v", err)
	}
}
