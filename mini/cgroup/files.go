//mini:chapter 03

package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/minikit/kit/mini/explain"
)

// write writes value to a control file, narrating it as the echo a student would type.
func write(dir, file, value string, n *explain.Narrator) error {
	path := filepath.Join(dir, file)
	n.Stepf(explain.Cgroup, explain.Sh(fmt.Sprintf("echo %s > %s", value, path)), "write %s to %s", value, file)
	if err := os.WriteFile(path, []byte(value), 0); err != nil {
		return fmt.Errorf("write %q to %s: %w", value, path, err)
	}
	return nil
}

// enter moves process pid into the group at dir.
func enter(dir string, pid int, n *explain.Narrator) error {
	//mini:solution 03.2 Move the process into the group: write its PID into the group's cgroup.procs. Run calls this while the init process waits for its go signal, so the command never runs outside the group.
	// cgroup.procs moves the whole process, all its threads (the tasks file of v1 would move
	// one thread only, and a Go program has several). Its children inherit the group.
	return write(dir, "cgroup.procs", strconv.Itoa(pid), n)
	//mini:stub return todo.Step("03.2")
	//mini:end
}

// mkdir creates a group directory, narrating it.
func mkdir(dir string, n *explain.Narrator) error {
	n.Stepf(explain.Cgroup, explain.Sh("mkdir "+dir), "create the group %s", dir)
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	return nil
}

// makeGroup creates Mini's parent group (when missing) and the group dir below it. prepare,
// if not nil, runs on the parent in between (v2 enables the controllers there).
//
// Another Mini, whose last container just ended, may remove the parent between the two mkdirs
// (removeParent): then the group's mkdir fails with ENOENT, and makeGroup starts again.
func makeGroup(parent, dir string, prepare func() error, n *explain.Narrator) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = mkdir(parent, n); err != nil {
			return err
		}
		if prepare != nil {
			if err = prepare(); err != nil {
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				return err
			}
		}
		if err = mkdir(dir, n); err == nil || !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return err
}

// remove kills what is left in the group at dir and removes the group.
//
// A group can be removed only when it has no processes. When the container's PID 1 exits, the
// kernel kills the rest of its PID namespace, but the group may take a moment to notice that
// they are gone, so remove tries again for a short while on EBUSY.
func remove(dir string, n *explain.Narrator) error {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	killAll(dir)
	n.Stepf(explain.Cgroup, explain.Sh("rmdir "+dir), "remove the group %s", dir)
	var err error
	for delay := time.Millisecond; delay < 2*time.Second; delay *= 2 {
		if err = syscall.Rmdir(dir); err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			break
		}
		killAll(dir)
		time.Sleep(delay)
	}
	return fmt.Errorf("remove cgroup %s: %w", dir, err)
}

// removeParent removes Mini's parent group if no other container uses it any more.
func removeParent(dir string, n *explain.Narrator) error {
	err := syscall.Rmdir(dir)
	switch {
	case err == nil:
		n.Stepf(explain.Cgroup, explain.Sh("rmdir "+dir), "remove Mini's parent group %s: no container uses it any more", dir)
		return nil
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.EBUSY), errors.Is(err, syscall.ENOTEMPTY):
		return nil // gone already, or another container's group is still in it
	default:
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
}

// killAll sends SIGKILL to every process still in the group at dir. They are all the
// container's: nothing else is ever put in a group of Mini's.
func killAll(dir string) {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// ReadCounter reads a file of "key value" lines (memory.events, memory.oom_control, cpu.stat)
// and returns the value of key.
func ReadCounter(path, key string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == key {
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("read %s: no %q line (is the kernel older than 4.13?)", path, key)
}
