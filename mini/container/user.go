//mini:chapter 06

package container

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/minikit/kit/mini/explain"
)

// user is who the command runs as: an image's config says it (User: "nobody", "1000:1000",
// "app:staff"), and -u would too.
type user struct {
	uid, gid int
	groups   []int  // supplementary groups, from the container's /etc/group
	home     string // for $HOME when the image's environment has none
}

// lookupUser reads spec the way Docker does, in the container's own /etc/passwd and /etc/group
// (the init side runs it after the root changed: these are the image's files, never the host's).
// A number needs no entry; a name must have one.
func lookupUser(spec string) (user, error) {
	u := user{home: "/"}
	if spec == "" {
		spec = "0"
	}
	name, group, hasGroup := strings.Cut(spec, ":")
	passwd := readDB("/etc/passwd") // name:x:uid:gid:gecos:home:shell
	found := false
	for _, f := range passwd {
		if len(f) >= 6 && (f[0] == name || f[2] == name) {
			u.uid, _ = strconv.Atoi(f[2])
			u.gid, _ = strconv.Atoi(f[3])
			u.home, name, found = f[5], f[0], true
			break
		}
	}
	if !found {
		n, err := strconv.Atoi(name)
		if err != nil || n < 0 {
			return u, fmt.Errorf("unable to find user %s: no matching entries in the image's /etc/passwd", name)
		}
		u.uid = n
	}
	groups := readDB("/etc/group") // name:x:gid:member,member
	if hasGroup {
		gid, ok := -1, false
		for _, f := range groups {
			if len(f) >= 3 && (f[0] == group || f[2] == group) {
				gid, _ = strconv.Atoi(f[2])
				ok = true
				break
			}
		}
		if !ok {
			n, err := strconv.Atoi(group)
			if err != nil || n < 0 {
				return u, fmt.Errorf("unable to find group %s: no matching entries in the image's /etc/group", group)
			}
			gid = n
		}
		u.gid = gid
	}
	// The supplementary groups that list the user by name, as login(1) would give them.
	for _, f := range groups {
		if len(f) < 4 {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if m == name && found {
				if gid, err := strconv.Atoi(f[2]); err == nil && gid != u.gid {
					u.groups = append(u.groups, gid)
				}
			}
		}
	}
	return u, nil
}

// switchTo makes the init process u: groups first, then the group, then the user, because
// each step needs the privilege the next one gives up (setgroups(2) and setgid(2) need
// CAP_SETGID, which setuid(2) to a non-root user clears). The stdlib's calls change every
// thread of the process, not only the one that runs them.
func (u user) switchTo(n *explain.Narrator) error {
	if u.uid == 0 && u.gid == 0 && len(u.groups) == 0 {
		return nil
	}
	groups := fmt.Sprint(u.groups)
	n.Stepf(explain.Process, explain.Sh(fmt.Sprintf("setpriv --reuid=%d --regid=%d --groups=%s -- COMMAND", u.uid, u.gid, strings.Trim(strings.ReplaceAll(groups, " ", ","), "[]"))),
		"become uid %d, gid %d, groups %v: the image's user", u.uid, u.gid, u.groups)
	if err := syscall.Setgroups(u.groups); err != nil {
		return fmt.Errorf("setgroups %v: %w", u.groups, err)
	}
	if err := syscall.Setgid(u.gid); err != nil {
		return fmt.Errorf("setgid %d: %w", u.gid, err)
	}
	if err := syscall.Setuid(u.uid); err != nil {
		return fmt.Errorf("setuid %d: %w", u.uid, err)
	}
	return nil
}

// readDB reads a colon-separated database such as /etc/passwd; a missing file is empty.
func readDB(path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, ":"))
	}
	return rows
}

// withHome adds HOME=home to env when env has no HOME, as Docker does for the image's user.
func withHome(env []string, home string) []string {
	for _, kv := range env {
		if strings.HasPrefix(kv, "HOME=") {
			return env
		}
	}
	return append(env, "HOME="+home)
}
