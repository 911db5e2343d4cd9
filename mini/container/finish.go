//mini:chapter 07

package container

import (
	"errors"
	"fmt"
	"os"

	"github.com/minikit/kit/mini/cgroup"
	"github.com/minikit/kit/mini/state"
)

// Finish is Wait and Delete for a run that this process did not Create: chapter 07's monitor
// hands a running container to a small shim (engine/shim.go), which waits for the command
// and then execs the monitor again to tear down. Create's undo steps were closures in the
// memory of a process that is gone, so Finish rebuilds what they would undo from what Create
// wrote down in the run directory: the cgroup from its parent's name, the network from its
// record. Nothing else needs undoing for a container record: its directory and upper layer
// stay (Config.keep), the overlay went with the mount namespace, and the run's lock went with
// the exec. status is the command's, as Wait would have returned it; Finish says, as Wait
// does, when the memory limit's OOM killer ended the command.
func Finish(cfg Config, status int) error {
	root, err := state.Open(cfg.StateRoot)
	if err != nil {
		return err
	}
	dir, err := root.OpenRun(cfg.ID)
	if err != nil {
		return err
	}
	group, err := runGroup(dir.Dir, cfg.CgroupParent, cfg.Explain)
	if err != nil {
		return err
	}
	var errs []error
	if cfg.Resources.Memory != 0 && cfg.Messages != nil {
		if oom, err := group.OOMKilled(); err != nil {
			errs = append(errs, err)
		} else if oom {
			fmt.Fprintf(cfg.Messages, "mini: the container hit its memory limit (%s): the kernel's OOM killer killed %s\n",
				cgroup.FormatBytes(cfg.Resources.Memory), oomVictim(status))
		}
	}
	// Newest first, as Delete's undo stack runs: the network, then the group.
	errs = append(errs, ForgetNetwork(dir, root.Dir, cfg.Explain))
	if _, err := os.Stat(group.Path()); err == nil {
		errs = append(errs, group.Destroy())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clean up: %w", err)
	}
	return nil
}
