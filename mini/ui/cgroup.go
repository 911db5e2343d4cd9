//mini:chapter 07

package ui

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/minikit/kit/mini/cgroup"
)

// Cgroup is a container's control group: its limits and what it uses now, read from the
// group's control files (cgroups(7)). -1 means "no limit".
type Cgroup struct {
	Version       int    `json:"version"`
	Path          string `json:"path"` // the group's directory (v1: the memory hierarchy's)
	MemoryMax     int64  `json:"memoryMax"`
	MemoryCurrent int64  `json:"memoryCurrent"`
	CPUQuota      int64  `json:"cpuQuota"` // microseconds of CPU time per period; -1: no limit
	CPUPeriod     int64  `json:"cpuPeriod"`
	CPUUsage      int64  `json:"cpuUsage"` // microseconds of CPU time used so far
	PidsMax       int64  `json:"pidsMax"`
	PidsCurrent   int64  `json:"pidsCurrent"`
	Procs         []int  `json:"procs"` // the processes in the group, host PIDs
	// Files names the control file each value came from, for the student to cat.
	Files map[string]string `json:"files"`
}

// groupDirs is the directory of container id's group in each controller's hierarchy (the same
// directory for all, on v2), as package cgroup makes them.
func groupDirs(l cgroup.Layout, parent, id string) map[string]string {
	dirs := map[string]string{}
	for _, ctl := range cgroup.Controllers {
		if l.Version == 2 {
			dirs[ctl] = filepath.Join(l.V2, parent, id)
		} else {
			dirs[ctl] = filepath.Join(l.V1[ctl], parent, id)
		}
	}
	return dirs
}

// readCgroup reads the limits and the usage of container id's group.
func (c *Collector) readCgroup(parent, id string) (*Cgroup, error) {
	dirs := groupDirs(c.layout, parent, id)
	g := &Cgroup{Version: c.layout.Version, Path: dirs["memory"], Files: map[string]string{}}
	var errs []error
	read := func(key, ctl, file string) string {
		path := filepath.Join(dirs[ctl], file)
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("container %.12s: read %s: %w", id, path, err))
			return ""
		}
		g.Files[key] = path
		return strings.TrimSpace(string(data))
	}
	if c.layout.Version == 2 {
		g.MemoryMax = limit(read("memoryMax", "memory", "memory.max"))
		g.MemoryCurrent = number(read("memoryCurrent", "memory", "memory.current"))
		// cpu.max is "QUOTA PERIOD", QUOTA "max" for no limit.
		if f := strings.Fields(read("cpuMax", "cpu", "cpu.max")); len(f) == 2 {
			g.CPUQuota, g.CPUPeriod = limit(f[0]), number(f[1])
		}
		if n, err := cgroup.ReadCounter(filepath.Join(dirs["cpu"], "cpu.stat"), "usage_usec"); err == nil {
			g.CPUUsage = n
			g.Files["cpuUsage"] = filepath.Join(dirs["cpu"], "cpu.stat")
		}
	} else {
		g.MemoryMax = limit(read("memoryMax", "memory", "memory.limit_in_bytes"))
		g.MemoryCurrent = number(read("memoryCurrent", "memory", "memory.usage_in_bytes"))
		g.CPUQuota = limit(read("cpuQuota", "cpu", "cpu.cfs_quota_us"))
		g.CPUPeriod = number(read("cpuPeriod", "cpu", "cpu.cfs_period_us"))
	}
	g.PidsMax = limit(read("pidsMax", "pids", "pids.max"))
	g.PidsCurrent = number(read("pidsCurrent", "pids", "pids.current"))
	for _, f := range strings.Fields(read("procs", "memory", "cgroup.procs")) {
		if pid, err := strconv.Atoi(f); err == nil {
			g.Procs = append(g.Procs, pid)
		}
	}
	if c.layout.Version == 1 {
		// v1 counts CPU time in the cpuacct controller, which Mini does not put its groups in
		// (unless the host mounts it together with cpu): then the time is the sum of what
		// /proc/PID/stat says the group's processes used.
		path := filepath.Join(dirs["cpu"], "cpuacct.usage")
		if data, err := os.ReadFile(path); err == nil {
			g.CPUUsage = number(strings.TrimSpace(string(data))) / 1000 // nanoseconds
			g.Files["cpuUsage"] = path
		} else {
			g.CPUUsage = c.procCPU(g.Procs)
			g.Files["cpuUsage"] = filepath.Join(c.o.Proc, "PID", "stat") + " (utime+stime of cgroup.procs)"
		}
	}
	return g, errors.Join(errs...)
}

// procCPU sums the CPU time of pids (and of their children they waited for), in microseconds:
// fields 14–17 of /proc/PID/stat, utime stime cutime cstime, in clock ticks of 1/100 s (proc(5)).
func (c *Collector) procCPU(pids []int) int64 {
	var ticks int64
	for _, pid := range pids {
		data, err := os.ReadFile(c.proc(pid, "stat"))
		if err != nil {
			continue
		}
		// The command name (field 2) is in parentheses and may hold spaces: count after it.
		s := string(data)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			f := strings.Fields(s[i+1:]) // f[0] is field 3, the state
			if len(f) > 14 {
				for _, x := range f[11:15] {
					n, _ := strconv.ParseInt(x, 10, 64)
					ticks += n
				}
			}
		}
	}
	return ticks * 10000
}

// limit parses a limit file's value: "max", v1's -1 and v1's "no limit" page-counter maximum
// all mean no limit (-1).
func limit(s string) int64 {
	if s == "" || s == "max" {
		return -1
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n >= math.MaxInt64/2 {
		return -1
	}
	return n
}

// number parses a counter; 0 when it cannot be read.
func number(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
