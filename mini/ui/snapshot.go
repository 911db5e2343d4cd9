//mini:chapter 07

// Package ui is `mini ui`: a live, read-only picture of what the kernel holds for Mini's
// containers, served as a web page for a projector.
//
// Everything on the page is read from the kernel's own files, /proc and /sys (plus the
// read-only `iptables-save -t nat`), never from what Mini believes it did: the namespaces are
// the inode numbers of /proc/PID/ns/*, the layers are the overlay mount in the container's own
// /proc/PID/mountinfo, the limits are the cgroup's control files. The container records
// (package engine) only say which containers there are and what their names are. Nothing
// here writes anything: a student can leave the page open while breaking things in another
// terminal, and what the page shows is what `ls -l /proc/PID/ns` or `cat memory.max` would.
package ui

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/minikit/kit/mini/cgroup"
	"github.com/minikit/kit/mini/engine"
	"github.com/minikit/kit/mini/state"
)

// Snapshot is one look at the kernel, what the page's JSON endpoint returns.
type Snapshot struct {
	Time       time.Time   `json:"time"`
	Root       string      `json:"root"`    // the state root the containers were found under
	Cgroups    string      `json:"cgroups"` // the host's cgroup layout, e.g. "cgroup v1"
	Host       []Namespace `json:"host"`    // the host's namespaces (of PID 1)
	HostRef    string      `json:"hostRef"` // which process Host was read from
	Containers []Container `json:"containers"`
	Bridges    []Bridge    `json:"bridges"`
	Problems   []string    `json:"problems,omitempty"` // what could not be read, one line each
}

// Container is what the kernel holds for one container.
type Container struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`   // "" for a foreground `mini run`, which has no record
	Image      string      `json:"image"`  // as the user named it
	Status     string      `json:"status"` // running, exited, created; "running" for a foreground run
	Foreground bool        `json:"foreground"`
	Command    []string    `json:"command"`
	PID        int         `json:"pid"` // the init process, as the host sees it; 0 when not running
	Namespaces []Namespace `json:"namespaces"`
	Cgroup     *Cgroup     `json:"cgroup,omitempty"`
	Layers     *Layers     `json:"layers,omitempty"`
	Network    *Network    `json:"network,omitempty"`
}

// Options say where to look.
type Options struct {
	Root string // the state root; state.DefaultRoot when empty
	// Proc is where procfs is mounted, "/proc" when empty.
	Proc string
	// NAT reads the nat table; nil runs `iptables-save -t nat` (tests pass a fixture).
	NAT func() (string, error)
}

// Collector takes snapshots. It remembers the sizes of the read-only lower layers, which never
// change, so that a snapshot a second walks only the upper layers.
type Collector struct {
	o      Options
	lower  map[string]DirSize
	layout cgroup.Layout // the host's cgroup layout, detected at each snapshot
}

// NewCollector returns a collector for o.
func NewCollector(o Options) *Collector {
	if o.Root == "" {
		o.Root = state.DefaultRoot
	}
	if o.Proc == "" {
		o.Proc = "/proc"
	}
	if o.NAT == nil {
		o.NAT = iptablesSaveNAT
	}
	return &Collector{o: o, lower: map[string]DirSize{}}
}

// Snapshot looks at the kernel once. A part that cannot be read is named in Problems; the
// rest of the picture is still returned.
func (c *Collector) Snapshot() *Snapshot {
	s := &Snapshot{Time: time.Now().UTC(), Root: c.o.Root, Containers: []Container{}, Bridges: []Bridge{}}
	problem := func(err error) {
		if err != nil {
			s.Problems = append(s.Problems, err.Error())
		}
	}
	s.Host, s.HostRef = c.hostNamespaces()
	layout, err := cgroup.Detect("")
	problem(err)
	c.layout = layout
	if err == nil {
		s.Cgroups = layout.String()
	}
	found, err := c.containers()
	problem(err)
	nat, natErr := c.o.NAT()
	problem(natErr)
	for _, f := range found {
		ct := f.Container
		if ct.PID > 0 {
			ct.Namespaces = c.readNamespaces(ct.PID, s.Host)
		}
		if layout.Version != 0 && ct.PID > 0 {
			g, err := c.readCgroup(f.parent, ct.ID)
			problem(err)
			ct.Cgroup = g
		}
		l, err := c.layers(f)
		problem(err)
		ct.Layers = l
		n, err := c.network(f, nat)
		problem(err)
		ct.Network = n
		s.Containers = append(s.Containers, ct)
	}
	bridges, err := readBridges(nat)
	problem(err)
	// The bridges are the host's; the page shows those the containers of this state root are on.
	for _, b := range bridges {
		for _, ct := range s.Containers {
			if ct.Network != nil && ct.Network.Bridge == b.Name {
				s.Bridges = append(s.Bridges, b)
				break
			}
		}
	}
	return s
}

// found is a container as the state root knows it, before the kernel is asked.
type found struct {
	Container
	dir    string   // the run directory
	parent string   // Mini's cgroup parent its run recorded
	lower  []string // the record's lower layers (when the mount cannot be read)
	mode   string   // the record's network mode
	ports  []string // the record's published ports
}

// containers lists the containers: the engine's records, and the foreground runs of
// `mini run`, which have a run directory and a cgroup but no record.
func (c *Collector) containers() ([]found, error) {
	dir := filepath.Join(c.o.Root, "containers")
	// engine.Open creates the state root when it is missing; a read-only page must not.
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	e, err := engine.Open(c.o.Root)
	if err != nil {
		return nil, err
	}
	records, err := e.List()
	if err != nil {
		return nil, err
	}
	var out []found
	for _, r := range records {
		f := found{Container: Container{ID: r.ID, Name: r.Name, Image: r.Image, Status: r.State.Status,
			Command: r.Config.Args}, dir: r.Dir(), parent: cgroupParent(r.Dir()), lower: r.Config.Lower,
			mode: r.Config.Network.Mode, ports: r.Ports}
		if len(f.lower) == 0 && r.Config.Rootfs != "" {
			f.lower = []string{r.Config.Rootfs}
		}
		if r.Running() && c.inGroup(r.State.PID, r.ID) {
			f.PID = r.State.PID
		}
		out = append(out, f)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out, err
	}
	for _, ent := range entries {
		run := filepath.Join(dir, ent.Name())
		if !ent.IsDir() || state.Kept(run) {
			continue
		}
		f := found{Container: Container{ID: ent.Name(), Status: engine.Running, Foreground: true},
			dir: run, parent: cgroupParent(run)}
		f.PID = c.initOf(f.parent, f.ID)
		if f.PID == 0 {
			continue // starting, or ending: nothing in the kernel to show yet
		}
		f.Command = c.cmdline(f.PID)
		out = append(out, f)
	}
	// Running containers first (the records are newest first already): what the kernel holds.
	sort.SliceStable(out, func(i, j int) bool { return out[i].PID > 0 && out[j].PID == 0 })
	return out, nil
}

// cgroupParent is the cgroup parent a run recorded in its run directory (see container.Run).
func cgroupParent(run string) string {
	if data, err := os.ReadFile(filepath.Join(run, "cgroup-parent")); err == nil {
		if p := strings.TrimSpace(string(data)); p != "" {
			return p
		}
	}
	return cgroup.DefaultParent
}

// cmdline is a process's command line, from /proc/PID/cmdline (NUL-separated).
func (c *Collector) cmdline(pid int) []string {
	data, err := os.ReadFile(c.proc(pid, "cmdline"))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
}
