//mini:chapter 07

package ui

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Layers is a container's root filesystem as the kernel mounted it: the overlay's layers.
type Layers struct {
	// Source says where the layers were read: the overlay mount in the container's own mount
	// table, or (for a container that does not run) its record.
	Source string    `json:"source"`
	FSType string    `json:"fstype"` // overlay; a single read-only layer is a bind mount
	Lower  []DirSize `json:"lower"`  // top first
	Upper  *DirSize  `json:"upper,omitempty"`
	Work   string    `json:"work,omitempty"`
	Merged string    `json:"merged"`
	// Whiteouts in the upper layer: character devices 0/0 that hide a lower file, and opaque
	// directories (xattr trusted.overlay.opaque=y) that hide a lower directory's entries.
	Whiteouts int `json:"whiteouts"`
	Opaque    int `json:"opaque"`
}

// DirSize is a layer directory and what it holds.
type DirSize struct {
	Path    string `json:"path"`
	Entries int    `json:"entries"`
	Bytes   int64  `json:"bytes"`
	Partial bool   `json:"partial,omitempty"` // the walk stopped at maxEntries
}

// maxEntries bounds the walk of one layer: the page is refreshed every second.
const maxEntries = 200000

// layers reads a container's overlay from its init process's mount table when it runs, and
// from its record otherwise.
func (c *Collector) layers(f found) (*Layers, error) {
	l := &Layers{Merged: filepath.Join(f.dir, "merged")}
	lower, upper, work := f.lower, filepath.Join(f.dir, "upper"), filepath.Join(f.dir, "work")
	l.Source = "the container's record (" + filepath.Join(f.dir, "config.json") + ")"
	if f.PID > 0 {
		m, err := rootMount(c.proc(f.PID, "mountinfo"))
		if err != nil {
			return nil, fmt.Errorf("container %.12s: %w", f.ID, err)
		}
		l.Source = fmt.Sprintf("the mount table of PID %d (%s)", f.PID, c.proc(f.PID, "mountinfo"))
		l.FSType = m.fstype
		if m.fstype == "overlay" {
			lower, upper, work = nil, "", ""
			for _, opt := range strings.Split(m.super, ",") {
				k, v, _ := strings.Cut(opt, "=")
				switch k {
				case "lowerdir":
					lower = strings.Split(v, ":")
				case "upperdir":
					upper = v
				case "workdir":
					work = v
				}
			}
		} else {
			upper, work = "", "" // --read-only with one layer: a read-only bind mount of it
		}
	}
	for _, dir := range lower {
		size, ok := c.lower[dir]
		if !ok {
			size, _, _ = measure(dir, false)
			c.lower[dir] = size // a lower layer is never written: measure it once
		}
		l.Lower = append(l.Lower, size)
	}
	if upper != "" {
		if _, err := os.Stat(upper); err == nil {
			size, wh, opaque := measure(upper, true)
			l.Upper, l.Whiteouts, l.Opaque = &size, wh, opaque
		}
		l.Work = work
	}
	return l, nil
}

// mount is one line of a mount table.
type mount struct{ point, fstype, super string }

// rootMount finds the mount at "/" in a mount table (proc(5), /proc/PID/mountinfo): in the
// container's own mount namespace, after pivot_root, that is the overlay. When several mounts
// are stacked there, the last one listed is the one on top.
func rootMount(path string) (mount, error) {
	f, err := os.Open(path)
	if err != nil {
		return mount{}, fmt.Errorf("read the mount table: %w", err)
	}
	defer f.Close()
	var root mount
	found := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024) // an overlay of many layers has a long line
	for sc.Scan() {
		before, after, ok := strings.Cut(sc.Text(), " - ")
		left, right := strings.Fields(before), strings.Fields(after)
		if !ok || len(left) < 5 || len(right) < 3 || left[4] != "/" {
			continue
		}
		root, found = mount{point: "/", fstype: right[0], super: unescape(right[2])}, true
	}
	if err := sc.Err(); err != nil {
		return mount{}, fmt.Errorf("read %s: %w", path, err)
	}
	if !found {
		return mount{}, fmt.Errorf("%s has no mount at /", path)
	}
	return root, nil
}

// unescape undoes the octal escapes of a mount table field (a space is \040).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			var n int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &n); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// measure walks a layer directory: its entries and the bytes of its regular files, and (for an
// upper layer) its whiteouts and opaque directories.
func measure(dir string, upper bool) (s DirSize, whiteouts, opaque int) {
	s.Path = dir
	buf := make([]byte, 8)
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil // a file removed while we walk: go on
		}
		if s.Entries >= maxEntries {
			s.Partial = true
			return filepath.SkipAll
		}
		s.Entries++
		switch {
		case d.Type().IsRegular():
			if info, err := d.Info(); err == nil {
				s.Bytes += info.Size()
			}
		case upper && d.Type()&fs.ModeCharDevice != 0:
			// overlayfs marks a deleted lower file with a character device 0/0 of its name.
			var st unix.Stat_t
			if unix.Lstat(p, &st) == nil && st.Rdev == 0 {
				whiteouts++
			}
		case upper && d.IsDir():
			if n, err := unix.Lgetxattr(p, "trusted.overlay.opaque", buf); err == nil && n > 0 && buf[0] == 'y' {
				opaque++
			}
		}
		return nil
	})
	return s, whiteouts, opaque
}
