// Package watch notices when the student saves a Go file, by polling modification times: no
// inotify, no new dependencies, and it works on every filesystem a workshop machine might mount.
package watch

import (
	"context"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Snapshot is the size and modification time of every .go file under a directory.
type Snapshot map[string]stamp

type stamp struct {
	size    int64
	modTime int64 // nanoseconds since the epoch
}

// Take records the .go files under dir. Unreadable entries are skipped: a file being written now
// shows up in the next snapshot.
func Take(dir string) Snapshot {
	snap := Snapshot{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && path != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && strings.HasSuffix(path, ".go") {
			if info, err := d.Info(); err == nil {
				snap[path] = stamp{info.Size(), info.ModTime().UnixNano()}
			}
		}
		return nil
	})
	return snap
}

// Changed returns the files added, removed or modified between s and later, sorted.
func (s Snapshot) Changed(later Snapshot) []string {
	var changed []string
	for path, st := range later {
		if old, ok := s[path]; !ok || old != st {
			changed = append(changed, path)
		}
	}
	for path := range s {
		if _, ok := later[path]; !ok {
			changed = append(changed, path)
		}
	}
	sort.Strings(changed)
	return changed
}

// Loop calls run at once and again after every change under dir, until ctx ends. Changes that
// arrive while run is running trigger one more run. every is the polling interval.
func Loop(ctx context.Context, dir string, every time.Duration, run func(changed []string)) {
	snap := Take(dir)
	run(nil)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		later := Take(dir)
		if changed := snap.Changed(later); len(changed) > 0 {
			// Editors save in bursts (write, rename, format): wait one more interval, then
			// take the settled state.
			select {
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
			snap = Take(dir)
			run(changed)
		}
	}
}
