//mini:chapter 07

package network

import (
	"errors"
	"os"

	"github.com/minikit/kit/mini/explain"
	"github.com/minikit/kit/mini/nat"
)

// Reset removes every network of the root, and every bridge Mini made on the host that no
// container uses (with their rules, Mini's chains after the last, and ip_forward put back as
// Mini found it): the host as it was before Mini. It returns the names of the networks removed.
// A network with containers on it stays, and is named in the error.
func Reset(root string, n *explain.Narrator) ([]string, error) {
	lock, err := lockNetworks(root)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	all, err := List(root)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, nw := range all {
		if err := nw.remove(root, n); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, nw.Name)
	}
	// Bridges of other state roots, or of a root that is gone: a network whose bridge is gone
	// gets it back from its record on its next start.
	unlock, err := lockHost()
	if err != nil {
		return removed, errors.Join(append(errs, err)...)
	}
	links, err := listLinks()
	if err != nil {
		errs = append(errs, err)
	}
	for _, l := range links {
		if l.Type() == "bridge" && l.Attrs().Alias == bridgeMark {
			errs = append(errs, removeBridgeIfLast(l.Attrs().Name, n))
		}
	}
	if left, err := bridgePorts(nil); err == nil && len(left) == 0 && !miniBridgeLeft() {
		// No bridge of Mini's is left: nor may any rule or chain be (a bridge deleted by hand
		// leaves its rules), and ip_forward goes back to what Mini found.
		errs = append(errs, removeEverything(n))
	}
	unlock()
	err = errors.Join(errs...)
	if err == nil {
		os.RemoveAll(networksDir(root))
	}
	return removed, err
}

// miniBridgeLeft reports whether a bridge of Mini's is still on the host.
func miniBridgeLeft() bool {
	links, err := listLinks()
	if err != nil {
		return true
	}
	for _, l := range links {
		if l.Type() == "bridge" && l.Attrs().Alias == bridgeMark {
			return true
		}
	}
	return false
}

// removeEverything removes what is left of Mini's rules and chains, and puts ip_forward back.
func removeEverything(n *explain.Narrator) error {
	rec := loadRecord()
	if _, err := nat.RemoveAll(rec.Tables, n); err != nil {
		return err
	}
	if err := restoreForwarding(rec.IPForward, n); err != nil {
		return err
	}
	if err := os.Remove(recordPath()); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
