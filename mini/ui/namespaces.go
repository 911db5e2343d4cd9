//mini:chapter 07

package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Namespace is one namespace of a process: the kernel names a namespace by the inode number of
// its /proc/PID/ns/TYPE file (namespaces(7)). Two processes are in the same namespace exactly
// when those numbers are equal, which is how the page tells "own" from "shared with the host".
type Namespace struct {
	Type   string `json:"type"`
	Inode  uint64 `json:"inode"`
	Shared bool   `json:"shared"` // the same as the host's (PID 1's)
}

// nsTypes are the namespace files of /proc/PID/ns that the page shows, in its order.
// pid_for_children and time_for_children are left out: they are the namespaces of the
// process's future children, not its own.
var nsTypes = []string{"mnt", "uts", "ipc", "pid", "net", "cgroup", "user", "time"}

// hostNamespaces are the host's: PID 1's, and where PID 1 cannot be read (a sandbox that hides
// its init, or a hardened /proc), mini ui's own, which runs where Mini runs its containers from.
// ref says which process they were read from.
func (c *Collector) hostNamespaces() (ns []Namespace, ref string) {
	if ns = c.readNamespaces(1, nil); len(ns) > 0 {
		return ns, "PID 1"
	}
	return c.readNamespaces(os.Getpid(), nil), fmt.Sprintf("mini ui's own (PID %d: PID 1's cannot be read)", os.Getpid())
}

// readNamespaces reads pid's namespaces and marks those that are host's (nil: none is marked).
func (c *Collector) readNamespaces(pid int, host []Namespace) []Namespace {
	hostInode := map[string]uint64{}
	for _, n := range host {
		hostInode[n.Type] = n.Inode
	}
	var out []Namespace
	for _, t := range nsTypes {
		// The link reads "net:[4026531992]": the type and the inode number.
		link, err := os.Readlink(c.proc(pid, "ns", t))
		if err != nil {
			continue // a kernel without this namespace type (time: Linux 5.6)
		}
		open, close := strings.IndexByte(link, '['), strings.IndexByte(link, ']')
		if open < 0 || close < open {
			continue
		}
		ino, err := strconv.ParseUint(link[open+1:close], 10, 64)
		if err != nil {
			continue
		}
		n := Namespace{Type: t, Inode: ino}
		if h, ok := hostInode[t]; ok && h == ino {
			n.Shared = true
		}
		out = append(out, n)
	}
	return out
}

// proc is a path under /proc/PID.
func (c *Collector) proc(pid int, elem ...string) string {
	return filepath.Join(append([]string{c.o.Proc, strconv.Itoa(pid)}, elem...)...)
}

// inGroup says whether pid is still a process of container id: a PID from a record may have
// been reused by an unrelated process since (its /proc/PID/cgroup then names another group).
func (c *Collector) inGroup(pid int, id string) bool {
	if pid <= 0 {
		return false
	}
	data, err := os.ReadFile(c.proc(pid, "cgroup"))
	return err == nil && strings.Contains(string(data), "/"+id+"\n")
}

// initOf finds the init process of a foreground run, which has no record to name it: of the
// processes in its cgroup, the one that is PID 1 in its own PID namespace. /proc/PID/status's
// NSpid line lists the process's PID in each PID namespace it is in, outermost first.
func (c *Collector) initOf(parent, id string) int {
	if c.layout.Version == 0 {
		return 0
	}
	dir := groupDirs(c.layout, parent, id)["memory"]
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return 0
	}
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		status, err := os.ReadFile(c.proc(pid, "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
				ids := strings.Fields(rest)
				if len(ids) > 1 && ids[len(ids)-1] == "1" {
					return pid
				}
			}
		}
	}
	return 0
}
