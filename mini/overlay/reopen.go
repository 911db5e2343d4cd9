//mini:chapter 07

package overlay

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/minikit/kit/mini/explain"
)

// Reopen is Create for a container that runs again (chapter 07: `mini start` of a stopped
// container): its upper layer holds what the last run wrote and is used as it is. The work
// directory may hold overlayfs' leftovers of the last mount; the kernel clears its work/work
// subdirectory at mount time, so it too is kept. What is missing is made, as Create would.
func Reopen(dir string, lower []string, readOnly bool, n *explain.Narrator) (Dirs, error) {
	if _, err := os.Stat(filepath.Join(dir, "merged")); errors.Is(err, fs.ErrNotExist) {
		return Create(dir, lower, readOnly, n)
	}
	if err := checkLower(dir, lower); err != nil {
		return Dirs{}, err
	}
	d := Dirs{Layers: Layers{Lower: lower}, Merged: filepath.Join(dir, "merged")}
	if !readOnly {
		d.Upper, d.Work = filepath.Join(dir, "upper"), filepath.Join(dir, "work")
	}
	for _, p := range []string{d.Upper, d.Work, d.Merged} {
		if p == "" {
			continue
		}
		if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return Dirs{}, fmt.Errorf("create the overlay directory %s: %w", p, err)
		}
	}
	if _, err := d.Options(); err != nil {
		return Dirs{}, err
	}
	n.Stepf(explain.Overlay, explain.None, "reuse the container's overlay directories: %s (its upper layer keeps what earlier runs wrote)", describe(d))
	return d, nil
}
