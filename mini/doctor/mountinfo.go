package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// mount is one line of /proc/self/mountinfo (see proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//	(1)(2)(3)   (4)   (5)      (6)      (7)  (8) (9)   (10)         (11)
type mount struct {
	point     string // (5) the mount point, relative to the process's root
	fstype    string // (9)
	source    string // (10)
	superOpts string // (11) per-superblock options; for cgroup v1 they name the controllers
}

func readMounts(path string) ([]mount, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mount table: %w", err)
	}
	var ms []mount
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		// Field 7 is a variable number of optional fields ending with "-".
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || len(f) < sep+4 {
			continue
		}
		ms = append(ms, mount{
			point:     unescapeOctal(f[4]),
			fstype:    f[sep+1],
			source:    unescapeOctal(f[sep+2]),
			superOpts: f[sep+3],
		})
	}
	return ms, nil
}

// mountOf returns the mount that holds path: the last-mounted entry whose mount point is the
// longest prefix of path. Later lines win because a later mount hides an earlier one.
func mountOf(ms []mount, path string) (mount, bool) {
	path = filepath.Clean(path)
	best, found := mount{}, false
	for _, m := range ms {
		if !under(path, m.point) {
			continue
		}
		if !found || len(m.point) >= len(best.point) {
			best, found = m, true
		}
	}
	return best, found
}

// under reports whether path is dir or inside it.
func under(path, dir string) bool {
	if dir == "/" {
		return strings.HasPrefix(path, "/")
	}
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// hasOpt reports whether the comma-separated option list opts contains opt.
func hasOpt(opts, opt string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == opt {
			return true
		}
	}
	return false
}

// unescapeOctal undoes the kernel's escaping of space, tab, newline and backslash in
// mountinfo paths ("\040" for a space).
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
