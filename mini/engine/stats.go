//mini:chapter 07

package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/minikit/kit/mini/cgroup"
)

// What `mini top` and `mini stats` show comes from where the kernel keeps it: the container's
// cgroup lists its processes and counts its memory and processes; /proc/PID/stat counts each
// process's CPU time. Nothing here asks the container.

// Process is one row of `mini top`.
type Process struct {
	UID     int
	PID     int // as the host sees it
	PPID    int
	Time    time.Duration // CPU time, user + system
	Command string
}

// Stats is one row of `mini stats`.
type Stats struct {
	CPUPercent  float64 // of one CPU, over the sampling interval
	Memory      int64   // bytes in use, as the memory controller counts them
	MemoryLimit int64   // 0: no limit
	Pids        int
}

// cgroupDirs maps each controller of the container's init process to its cgroup directory
// ("" for cgroup v2's single hierarchy).
func (c *Container) cgroupDirs() (map[string]string, error) {
	pid, ok := c.InitPID()
	if !ok {
		return nil, fmt.Errorf("container %s is not running", c.Name)
	}
	return cgroup.ProcessDirs(pid)
}

// pids lists the processes of the container's cgroup.
func (c *Container) pids(dirs map[string]string) ([]int, error) {
	dir := dirs["pids"]
	if dir == "" {
		dir = dirs["memory"]
	}
	if v2, ok := dirs[""]; ok && (dir == "" || !exists(filepath.Join(dir, "cgroup.procs"))) {
		dir = v2
	}
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, fmt.Errorf("list the container's processes: %w", err)
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// Processes is `mini top`: every process of the container.
func (c *Container) Processes() ([]Process, error) {
	dirs, err := c.cgroupDirs()
	if err != nil {
		return nil, err
	}
	pids, err := c.pids(dirs)
	if err != nil {
		return nil, err
	}
	var out []Process
	for _, pid := range pids {
		p, err := readProcess(pid)
		if err != nil {
			continue // it ended while we looked
		}
		out = append(out, p)
	}
	return out, nil
}

// Stats is `mini stats --no-stream`: the memory and process counts of the container's cgroup,
// and its CPU use over interval.
func (c *Container) Stats(interval time.Duration) (Stats, error) {
	dirs, err := c.cgroupDirs()
	if err != nil {
		return Stats{}, err
	}
	cpu := func() time.Duration {
		pids, _ := c.pids(dirs)
		var t time.Duration
		for _, pid := range pids {
			if p, err := readProcess(pid); err == nil {
				t += p.Time
			}
		}
		return t
	}
	before := cpu()
	time.Sleep(interval)
	after := cpu()
	var s Stats
	if d := after - before; d > 0 {
		s.CPUPercent = 100 * float64(d) / float64(interval)
	}
	if v2, ok := dirs[""]; ok && exists(filepath.Join(v2, "memory.current")) {
		s.Memory = readInt(filepath.Join(v2, "memory.current"))
		s.MemoryLimit = readInt(filepath.Join(v2, "memory.max"))
	} else if mem := dirs["memory"]; mem != "" {
		s.Memory = readInt(filepath.Join(mem, "memory.usage_in_bytes"))
		s.MemoryLimit = readInt(filepath.Join(mem, "memory.limit_in_bytes"))
		if s.MemoryLimit > 1<<62 { // v1's "no limit" is a huge page-rounded number
			s.MemoryLimit = 0
		}
	}
	pids, err := c.pids(dirs)
	if err != nil {
		return s, err
	}
	s.Pids = len(pids)
	return s, nil
}

// readProcess reads one process from /proc/PID/stat and /proc/PID/status (proc(5)).
func readProcess(pid int) (Process, error) {
	p := Process{PID: pid}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// The command name is in parentheses and may hold spaces: the fields start after the last ')'.
	s := string(data)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return p, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 13 {
		return p, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	p.PPID, _ = strconv.Atoi(fields[1])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	p.Time = time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
	if cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && len(cmd) > 0 {
		p.Command = strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))
	} else {
		p.Command = "[" + s[strings.IndexByte(s, '(')+1:end] + "]"
	}
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					p.UID, _ = strconv.Atoi(f[0])
				}
			}
		}
	}
	return p, nil
}

func readInt(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return 0 // "max"
	}
	return n
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
