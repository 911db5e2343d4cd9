//mini:chapter 03

package cgroup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Controllers are the ones Mini uses.
var Controllers = []string{"memory", "cpu", "pids"}

// Layout says where the controllers Mini needs are.
type Layout struct {
	Version int               // 1 or 2
	V1      map[string]string // v1: controller → the mount point of its hierarchy
	V2      string            // v2: the mount point of the unified hierarchy
	Hybrid  bool              // v1 controllers, with a cgroup2 mount beside them
}

func (l Layout) String() string {
	switch {
	case l.Version == 2:
		return "cgroup v2 at " + l.V2
	case l.Hybrid:
		return "cgroup v1 (a hybrid host: v2 is mounted but has no controllers)"
	default:
		return "cgroup v1"
	}
}

// Detect reads the mount table and decides. cgroup v2 wins when its hierarchy offers every
// controller Mini needs; otherwise each controller must have a v1 hierarchy. A controller can be
// in only one of the two at a time: a controller bound to a v1 hierarchy is missing from v2's
// cgroup.controllers, which is what a hybrid host looks like.
func Detect(mountinfo string) (Layout, error) {
	if mountinfo == "" {
		mountinfo = "/proc/self/mountinfo"
	}
	mounts, err := readCgroupMounts(mountinfo)
	if err != nil {
		return Layout{}, err
	}
	l := Layout{V1: map[string]string{}}
	for _, m := range mounts {
		if m.fstype == "cgroup2" && l.V2 == "" {
			l.V2 = m.point
			continue
		}
		for _, opt := range strings.Split(m.options, ",") {
			if slices.Contains(Controllers, opt) {
				l.V1[opt] = m.point
			}
		}
	}
	if l.V2 != "" && hasControllers(l.V2) {
		l.Version = 2
		return l, nil
	}
	var missing []string
	for _, c := range Controllers {
		if l.V1[c] == "" {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return Layout{}, fmt.Errorf("no cgroup hierarchy offers the %s controller(s): check `mini doctor`", strings.Join(missing, ", "))
	}
	l.Version, l.Hybrid = 1, l.V2 != ""
	return l, nil
}

// hasControllers reports whether the v2 hierarchy at dir offers every controller Mini needs.
func hasControllers(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return false
	}
	have := strings.Fields(string(data))
	for _, c := range Controllers {
		if !slices.Contains(have, c) {
			return false
		}
	}
	return true
}

type cgroupMount struct{ point, fstype, options string }

// readCgroupMounts lists the cgroup and cgroup2 mounts. A mountinfo line is
// "id parent major:minor root mountpoint options [optional...] - fstype source superoptions";
// see proc(5).
func readCgroupMounts(path string) ([]cgroupMount, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the mount table: %w", err)
	}
	defer f.Close()
	var mounts []cgroupMount
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		before, after, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		left, right := strings.Fields(before), strings.Fields(after)
		if len(left) < 5 || len(right) < 3 {
			continue
		}
		if right[0] == "cgroup" || right[0] == "cgroup2" {
			mounts = append(mounts, cgroupMount{point: left[4], fstype: right[0], options: right[2]})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return mounts, nil
}
