//mini:chapter 02

// Package namespace decides which namespaces a container gets.
//
// A namespace wraps one global resource of the kernel so that the processes inside see their own
// copy: their own hostname, their own process IDs, their own mount table. Namespaces are created
// by clone(2) when the init process starts (the flags below), and they die with their last
// process: there is nothing to tear down. See namespaces(7).
package namespace

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/explain"
)

// Namespace is one kind of namespace.
type Namespace struct {
	Name     string  // as in /proc/<pid>/ns/<name>
	Flag     uintptr // the clone(2) flag that creates a new one
	FlagName string
	Unshare  string // the unshare(1) option that does the same
	Isolates string
}

// All is the namespaces every container gets.
var All = []Namespace{
	{"uts", unix.CLONE_NEWUTS, "CLONE_NEWUTS", "--uts", "the hostname"},
	{"pid", unix.CLONE_NEWPID, "CLONE_NEWPID", "--pid", "process IDs: the command is PID 1 and sees only its own processes"},
	{"mnt", unix.CLONE_NEWNS, "CLONE_NEWNS", "--mount", "the mount table: mounts made inside stay inside"},
	{"ipc", unix.CLONE_NEWIPC, "CLONE_NEWIPC", "--ipc", "System V IPC and POSIX message queues"},
	//mini:begin 05
	{"net", unix.CLONE_NEWNET, "CLONE_NEWNET", "--net", "network devices, addresses, routes, iptables rules and ports"},
	//mini:end 05
}

// CloneFlags returns the clone(2) flags that create every namespace in list.
func CloneFlags(list []Namespace) (uintptr, error) {
	var flags uintptr
	for _, ns := range list {
		flags |= ns.Flag
	}
	return flags, nil
}

// FlagNames is "CLONE_NEWUTS|CLONE_NEWPID|...", for the narration.
func FlagNames(list []Namespace) string {
	names := make([]string, len(list))
	for i, ns := range list {
		names[i] = ns.FlagName
	}
	return strings.Join(names, "|")
}

// UnshareCommand is the unshare(1) command that starts a shell in the same namespaces. --fork
// is needed for a new PID namespace: the caller itself stays in the old one, only its children
// are born in the new one (the first becomes PID 1). --mount-proc does chapter 02's /proc too.
func UnshareCommand(list []Namespace) string {
	opts := make([]string, len(list))
	for i, ns := range list {
		opts[i] = ns.Unshare
	}
	return fmt.Sprintf("unshare %s --fork sh", strings.Join(opts, " "))
}

// CheckHostname refuses a name that is not a valid hostname (RFC 1123: letters, digits, '-' and
// '.', at most 63 characters, not starting with '-'). The kernel would take almost anything up to
// 64 bytes, newlines included, and the name also goes into the container's /etc/hosts.
func CheckHostname(name string) error {
	ok := name != "" && len(name) <= 63 && name[0] != '-' && name[0] != '.'
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("invalid --hostname %q: use letters, digits, '-' and '.', at most 63 characters", name)
	}
	return nil
}

// SetHostname sets the hostname inside the container's UTS namespace. The host's hostname does
// not change: that is what the namespace is for. It runs on the init side.
func SetHostname(name string, n *explain.Narrator) error {
	n.Step(explain.Namespace, explain.Sh("hostname "+name), "set the hostname in the new UTS namespace to "+name)
	if err := unix.Sethostname([]byte(name)); err != nil {
		return fmt.Errorf("set hostname %q: %w", name, err)
	}
	return nil
}
