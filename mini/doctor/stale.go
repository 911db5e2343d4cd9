//mini:chapter 04

package doctor

import (
	"fmt"
	"strings"

	"github.com/minikit/kit/mini/state"
)

// checkStaleRuns: from chapter 04 on a run directory holds the container's upper layer. A Mini
// killed with SIGKILL cannot remove it (nothing stays mounted: the overlay lived in the
// container's mount namespace), so it stays until the next `mini run`, which removes it. The
// state root is looked up under HostRoot, so the tests can give a fixture tree.
func checkStaleRuns(o Options) Result {
	r := Result{Item: "stale runs"}
	dir := o.host(o.StateRoot)
	stale, err := state.Stale(dir)
	switch {
	case err != nil:
		r.Level, r.Finding = Warning, err.Error()
	case len(stale) == 0:
		r.Level, r.Finding = OK, "no run directory left behind in "+dir
	default:
		r.Level = Warning
		r.Finding = fmt.Sprintf("left behind by a Mini that is gone (killed?): %s", strings.Join(stale, " "))
		// Not "rm -rf": the next run finds a stale run's cgroups through its directory.
		r.Fix = "the next mini run removes them and their cgroups (mini run -- true does it now)"
	}
	return r
}
