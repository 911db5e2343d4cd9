package doctor

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// cgroupMount is where cgroup filesystems are conventionally mounted, as it appears in
// mountinfo (which always shows paths as the process sees them, whatever SysRoot is).
const cgroupMount = "/sys/fs/cgroup"

// limitControllers are the controllers chapter 03 sets limits with: memory.max /
// memory.limit_in_bytes, cpu.max / cpu.cfs_quota_us, pids.max.
func limitControllers() []string { return []string{"memory", "cpu", "pids"} }

// checkCgroups reports the layout and then one line per controller Mini uses. The engine picks
// v1 or v2 exactly as done here: by the filesystem magic of /sys/fs/cgroup (statfs(2)); a
// cgroup2 filesystem there means the unified hierarchy, anything else (a tmpfs holding v1
// hierarchies) means v1, even when a cgroup2 is also mounted at /sys/fs/cgroup/unified.
func checkCgroups(o Options) []Result {
	root := o.sys("fs", "cgroup")
	magic, err := o.Statfs(root)
	if err != nil {
		return []Result{{Level: Problem, Item: "cgroups", Finding: err.Error(),
			Fix: "mount a cgroup filesystem at /sys/fs/cgroup (systemd does this at boot)"}}
	}
	if magic == unix.CGROUP2_SUPER_MAGIC {
		return checkCgroupV2(o, root)
	}
	mounts, err := readMounts(o.proc("self", "mountinfo"))
	if err != nil {
		return []Result{{Level: Problem, Item: "cgroups", Finding: err.Error()}}
	}
	return checkCgroupV1(mounts)
}

// checkCgroupV2: in the unified hierarchy a controller is usable in a child group only when the
// parent lists it in cgroup.subtree_control, and it can be listed there only when it appears in
// the parent's cgroup.controllers (see "Controlling controllers" in the kernel's cgroup-v2.rst).
// Mini makes its groups below the root, so the root's files decide. Doctor only reads them.
func checkCgroupV2(o Options, root string) []Result {
	available, err := readWords(o.sys("fs", "cgroup", "cgroup.controllers"))
	if err != nil {
		return []Result{{Level: Problem, Item: "cgroups", Finding: "cgroup v2, but " + err.Error()}}
	}
	enabled, err := readWords(o.sys("fs", "cgroup", "cgroup.subtree_control"))
	if err != nil {
		return []Result{{Level: Problem, Item: "cgroups", Finding: "cgroup v2, but " + err.Error()}}
	}
	rs := []Result{{Level: OK, Item: "cgroups", Finding: fmt.Sprintf("cgroup v2 (unified hierarchy at %s; controllers: %s)",
		cgroupMount, strings.Join(sortedKeys(available), " "))}}
	control := root + "/cgroup.subtree_control"
	for _, c := range limitControllers() {
		r := Result{Item: "cgroup " + c}
		switch {
		case enabled[c]:
			r.Level, r.Finding = OK, "enabled for child groups in "+control
		case available[c]:
			r.Level, r.Finding = Warning, "available but not enabled in "+control
			r.Fix = fmt.Sprintf("as root: echo +%s > %s", c, control)
		default:
			r.Level, r.Finding = Problem, "not in "+root+"/cgroup.controllers"
			r.Fix = "the parent cgroup (outside this container or session) must delegate it; on a host, check the kernel command line for cgroup_disable=" + c
		}
		rs = append(rs, r)
	}
	return rs
}

// checkCgroupV1: each v1 hierarchy is its own cgroup filesystem, mounted with the names of its
// controllers as options (e.g. "rw,cpu,cpuacct"), so mountinfo says where each one is.
func checkCgroupV1(mounts []mount) []Result {
	where := map[string]string{}
	hybrid := ""
	n := 0
	for _, m := range mounts {
		if !under(m.point, cgroupMount) || m.point == cgroupMount {
			continue
		}
		switch m.fstype {
		case "cgroup":
			n++
			for _, c := range limitControllers() {
				if hasOpt(m.superOpts, c) {
					where[c] = m.point
				}
			}
		case "cgroup2":
			hybrid = m.point
		}
	}
	if n == 0 {
		return []Result{{Level: Problem, Item: "cgroups",
			Finding: "no cgroup v2 at " + cgroupMount + " and no v1 hierarchies below it",
			Fix:     "boot a systemd-based distribution, or mount cgroup2 there: mount -t cgroup2 none " + cgroupMount}}
	}
	layout := Result{Level: OK, Item: "cgroups", Finding: fmt.Sprintf("cgroup v1 (%d hierarchies under %s)", n, cgroupMount)}
	if hybrid != "" {
		layout.Finding = fmt.Sprintf("hybrid: %d v1 hierarchies under %s and a cgroup2 at %s; Mini uses the v1 hierarchies",
			n, cgroupMount, hybrid)
	}
	rs := []Result{layout}
	for _, c := range limitControllers() {
		r := Result{Item: "cgroup " + c}
		if p, ok := where[c]; ok {
			r.Level, r.Finding = OK, "v1 hierarchy at "+p
		} else {
			r.Level, r.Finding = Problem, "no v1 hierarchy has the "+c+" controller"
			r.Fix = fmt.Sprintf("as root: mkdir -p %s/%s && mount -t cgroup -o %s cgroup %s/%s", cgroupMount, c, c, cgroupMount, c)
		}
		rs = append(rs, r)
	}
	return rs
}

// readWords reads a space-separated list such as cgroup.controllers into a set.
func readWords(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	set := map[string]bool{}
	for _, w := range strings.Fields(string(b)) {
		set[w] = true
	}
	return set, nil
}

// sortedKeys is used in messages so they read the same on every run.
func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
