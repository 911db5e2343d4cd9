//mini:chapter 03

// Package cgroup puts a container in a control group and limits what it may use: memory, CPU
// time and the number of processes.
//
// Namespaces decide what a container can *see*; cgroups decide how much it can *use*. A control
// group is a directory in a special filesystem: creating the directory creates the group,
// writing a number into one of its files sets a limit, writing a PID into cgroup.procs moves
// that process (and every child it forks later) into the group. See cgroups(7).
//
// Linux has two versions. cgroup v1 has one hierarchy per controller (/sys/fs/cgroup/memory,
// /sys/fs/cgroup/cpu, ...), each with its own files; cgroup v2 has a single hierarchy with one
// set of files (memory.max, cpu.max, pids.max). Most current distributions are v2; older ones,
// and this course's CI machine, are v1 or "hybrid" (v1 controllers plus an empty v2 mount).
// Both are behind the one interface below.
package cgroup

import (
	"fmt"
	"path/filepath"

	"github.com/minikit/kit/mini/explain"
)

// Resources are the limits of one container. A zero field means "no limit".
type Resources struct {
	Memory int64   // bytes
	CPUs   float64 // how many CPUs' worth of time per period, e.g. 0.5
	Pids   int64   // how many processes (and threads) at most
}

// Group is one container's control group.
type Group interface {
	// Path is the group's directory (for v1, the memory hierarchy's).
	Path() string
	// Set writes the limits. It is called before any process is in the group.
	Set(r Resources) error
	// Add moves the process pid, and so all its future children, into the group.
	Add(pid int) error
	// OOMKilled reports whether the kernel's OOM killer killed a process of the group because
	// the group hit its memory limit.
	OOMKilled() (bool, error)
	// Destroy kills what is left in the group and removes it, and Mini's parent group when it
	// is empty.
	Destroy() error
}

// DefaultParent is the one group under which Mini creates its groups. Mini never creates,
// changes or removes a group outside it.
const DefaultParent = "mini"

// Options say where the group goes.
type Options struct {
	Parent  string // Mini's own parent group, DefaultParent when empty
	Name    string // the group's name: the container ID
	Explain *explain.Narrator
	// Mountinfo is the mount table to read, /proc/self/mountinfo when empty (tests use fixtures).
	Mountinfo string
}

// New finds out which cgroup version the host offers the controllers in and creates the group.
func New(o Options) (Group, error) {
	layout, err := o.layout()
	if err != nil {
		return nil, err
	}
	o.Explain.Stepf(explain.Cgroup, explain.None, "this host uses %s for memory, cpu and pids", layout)
	if layout.Version == 2 {
		return newV2(layout.V2, o)
	}
	return newV1(layout.V1, o)
}

// layout checks the options, fills in the default parent, and detects the host's layout.
func (o *Options) layout() (Layout, error) {
	if o.Parent == "" {
		o.Parent = DefaultParent
	}
	// Both become path elements under the hierarchy's root: "..", "/" or "a/b" would reach
	// groups that are not Mini's.
	for _, s := range []struct{ what, v string }{{"--cgroup-parent", o.Parent}, {"cgroup name", o.Name}} {
		if !validName(s.v) {
			return Layout{}, fmt.Errorf("invalid %s %q: use letters, digits, '.', '_' and '-' only, not \"..\"", s.what, s.v)
		}
	}
	return Detect(o.Mountinfo)
}

// Open returns the existing group that o names, without creating anything: for a run whose
// Mini was killed before it could remove its group, Open(...).Destroy() does it. A group that
// is not there destroys as a no-op.
func Open(o Options) (Group, error) {
	layout, err := o.layout()
	if err != nil {
		return nil, err
	}
	if layout.Version == 2 {
		parent := filepath.Join(layout.V2, o.Parent)
		return &v2Group{dir: filepath.Join(parent, o.Name), parent: parent, n: o.Explain}, nil
	}
	g := &v1Group{dirs: map[string]string{}, n: o.Explain}
	for _, c := range Controllers {
		parent := filepath.Join(layout.V1[c], o.Parent)
		g.dirs[c] = filepath.Join(parent, o.Name)
		g.parents = append(g.parents, parent)
	}
	return g, nil
}

// validName reports whether s is a safe single cgroup directory name.
func validName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// FormatBytes renders a byte count the way people write limits: 64MiB.
func FormatBytes(b int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, i := float64(b), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d%s", int64(v), units[i])
	}
	return fmt.Sprintf("%.1f%s", v, units[i])
}
