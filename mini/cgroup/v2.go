//mini:chapter 03

package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/minikit/kit/mini/explain"
)

// v2Group is a group in the unified hierarchy: one directory, e.g. /sys/fs/cgroup/mini/<id>.
type v2Group struct {
	dir, parent string
	n           *explain.Narrator
}

func newV2(mount string, o Options) (Group, error) {
	g := &v2Group{parent: filepath.Join(mount, o.Parent), n: o.Explain}
	g.dir = filepath.Join(g.parent, o.Name)
	// In v2 a controller works in a group only if the group's parent passes it down, by listing
	// it in its cgroup.subtree_control. Mini may write that file only in its own parent; the
	// controllers must already be enabled all the way down to it (on systemd hosts they are).
	enable := func() error { return enableControllers(g.parent, o.Explain) }
	if err := makeGroup(g.parent, g.dir, enable, o.Explain); err != nil {
		g.Destroy()
		return nil, err
	}
	return g, nil
}

func enableControllers(parent string, n *explain.Narrator) error {
	data, err := os.ReadFile(filepath.Join(parent, "cgroup.controllers"))
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(parent, "cgroup.controllers"), err)
	}
	have := strings.Fields(string(data))
	for _, c := range Controllers {
		if !slices.Contains(have, c) {
			up := filepath.Join(filepath.Dir(parent), "cgroup.subtree_control")
			return fmt.Errorf("the %s controller is not enabled for %s: enable it with `echo +%s > %s` (see mini doctor)", c, parent, c, up)
		}
		if err := write(parent, "cgroup.subtree_control", "+"+c, n); err != nil {
			return err
		}
	}
	return nil
}

func (g *v2Group) Path() string { return g.dir }

func (g *v2Group) Set(r Resources) error {
	l, err := limits(2, r)
	if err != nil {
		return err
	}
	// v2 has one directory for every controller's files.
	for _, x := range l {
		if err := write(g.dir, x.file, x.value, g.n); err != nil {
			return err
		}
	}
	// No swapping past the memory limit either (the file exists when swap accounting is on).
	if r.Memory > 0 {
		if _, err := os.Stat(filepath.Join(g.dir, "memory.swap.max")); err == nil {
			if err := write(g.dir, "memory.swap.max", "0", g.n); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *v2Group) Add(pid int) error { return enter(g.dir, pid, g.n) }

// OOMKilled reads the oom_kill counter of memory.events.
func (g *v2Group) OOMKilled() (bool, error) {
	n, err := ReadCounter(filepath.Join(g.dir, "memory.events"), "oom_kill")
	return n > 0, err
}

func (g *v2Group) Destroy() error {
	// cgroup.kill (Linux 5.14) kills every process in the group at once, with no race against
	// forks; remove falls back to killing the PIDs one by one.
	if _, err := os.Stat(filepath.Join(g.dir, "cgroup.kill")); err == nil {
		_ = os.WriteFile(filepath.Join(g.dir, "cgroup.kill"), []byte("1"), 0)
	}
	return errors.Join(remove(g.dir, g.n), removeParent(g.parent, g.n))
}
