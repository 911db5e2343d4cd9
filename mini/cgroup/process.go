//mini:chapter 07

package cgroup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// mountPoint is where every distribution (and systemd) mounts the cgroup filesystems.
const mountPoint = "/sys/fs/cgroup"

// ProcessDirs reads /proc/PID/cgroup (cgroups(7)) and returns the directory of each of the
// process's groups, by controller: "memory", "pids", "cpu", … for v1 hierarchies ("4:memory:/mini/ID"),
// and "" for v2's single one ("0::/mini/ID"). Chapter 07's exec joins a running container's
// groups with it, and `mini top`/`stats` read them. Paths are the host's: the caller must not be
// in the container's cgroup namespace.
func ProcessDirs(pid int) (map[string]string, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return nil, fmt.Errorf("read the cgroups of PID %d (is it running?): %w", pid, err)
	}
	defer f.Close()
	dirs := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			dir := filepath.Join(mountPoint, parts[2])
			if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err != nil {
				dir = filepath.Join(mountPoint, "unified", parts[2]) // a hybrid host's v2 mount
			}
			dirs[""] = dir
			continue
		}
		// A v1 hierarchy is mounted under the names of its controllers, "cpu,cpuacct"
		// together; a named one ("name=systemd") under its name.
		dir := filepath.Join(mountPoint, strings.TrimPrefix(parts[1], "name="), parts[2])
		for _, ctrl := range strings.Split(parts[1], ",") {
			dirs[ctrl] = dir
		}
	}
	return dirs, sc.Err()
}
