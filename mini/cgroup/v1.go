//mini:chapter 03

package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"

	"github.com/minikit/kit/mini/explain"
)

// v1Group is a group in cgroup v1: one directory in each controller's hierarchy, all with the
// same name, e.g. /sys/fs/cgroup/memory/mini/<id> and /sys/fs/cgroup/pids/mini/<id>.
type v1Group struct {
	dirs    map[string]string // controller → the group's directory in its hierarchy
	parents []string          // Mini's parent group in each hierarchy
	n       *explain.Narrator
}

func newV1(mounts map[string]string, o Options) (Group, error) {
	g := &v1Group{dirs: map[string]string{}, n: o.Explain}
	for _, c := range Controllers {
		parent := filepath.Join(mounts[c], o.Parent)
		dir := filepath.Join(parent, o.Name)
		g.dirs[c] = dir
		if dir == g.dirs["memory"] && c != "memory" {
			continue // controllers mounted together share one directory
		}
		g.parents = append(g.parents, parent)
		if err := makeGroup(parent, dir, nil, o.Explain); err != nil {
			g.Destroy()
			return nil, err
		}
	}
	return g, nil
}

func (g *v1Group) Path() string { return g.dirs["memory"] }

func (g *v1Group) Set(r Resources) error {
	l, err := limits(1, r)
	if err != nil {
		return err
	}
	// v1 has a directory per controller: each file goes into its own controller's group.
	for _, x := range l {
		if err := write(g.dirs[x.controller], x.file, x.value, g.n); err != nil {
			return err
		}
	}
	// With swap accounting on, memory+swap gets the same limit: no swapping past the limit.
	if r.Memory > 0 {
		mem := strconv.FormatInt(r.Memory, 10)
		if _, err := os.Stat(filepath.Join(g.dirs["memory"], "memory.memsw.limit_in_bytes")); err == nil {
			if err := write(g.dirs["memory"], "memory.memsw.limit_in_bytes", mem, g.n); err != nil {
				return err
			}
		}
	}
	return nil
}

// Add writes pid into every hierarchy: in v1, each controller only limits the processes of its
// own hierarchy's group.
func (g *v1Group) Add(pid int) error {
	for _, dir := range g.unique() {
		if err := enter(dir, pid, g.n); err != nil {
			return err
		}
	}
	return nil
}

// OOMKilled reads the oom_kill counter of memory.oom_control.
func (g *v1Group) OOMKilled() (bool, error) {
	n, err := ReadCounter(filepath.Join(g.dirs["memory"], "memory.oom_control"), "oom_kill")
	return n > 0, err
}

func (g *v1Group) Destroy() error {
	var errs []error
	for _, dir := range g.unique() {
		errs = append(errs, remove(dir, g.n))
	}
	for _, p := range g.parents {
		errs = append(errs, removeParent(p, g.n))
	}
	return errors.Join(errs...)
}

// unique lists the group's directories, each once, in the order of Controllers.
func (g *v1Group) unique() []string {
	var dirs []string
	seen := map[string]bool{}
	for _, c := range Controllers {
		if d := g.dirs[c]; d != "" && !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	return dirs
}
