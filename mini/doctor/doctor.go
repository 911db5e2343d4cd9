// Package doctor answers "is this host ready for Mini?" without changing anything on it.
//
// Every chapter leans on a kernel feature: namespaces (02), cgroups (03), overlayfs (04),
// netfilter and IP forwarding (05). Doctor looks at each one the way the engine will use it and
// prints one line per item, with what to do when something is missing. It is strictly
// read-only: it reads files under /proc and /sys, calls statfs(2), and runs
// `iptables --version`; it never writes, mounts or loads anything.
//
// Every check reads through the roots in Options, so the tests drive it with fixture trees.
package doctor

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Options says where doctor looks and where it writes.
type Options struct {
	// Rootfs is the busybox root filesystem the engine would use, "" if none was found.
	Rootfs string
	// RootfsHint is the command that builds it, e.g. "rootfs/build.sh".
	RootfsHint string
	// Out receives the report; nil means os.Stdout.
	Out io.Writer
	// Color colours the level words. The words themselves carry the meaning.
	Color bool

	// ProcRoot and SysRoot default to /proc and /sys. HostRoot (default /) is where
	// /.dockerenv, /run/.containerenv and /lib/modules are looked up.
	ProcRoot, SysRoot, HostRoot string
	// StateRoot is Mini's state root (default /var/lib/mini): overlay upper directories
	// live under it, so the filesystem it sits on matters.
	StateRoot string

	// Statfs returns the filesystem magic (statfs(2) f_type) of path; nil means the real
	// statfs(2). Tests replace it because a fixture tree cannot fake a filesystem type.
	Statfs func(path string) (int64, error)
	// IptablesVersion returns the output of `iptables --version`; nil runs the real one.
	IptablesVersion func() (string, error)
}

// Level is how much a finding matters.
type Level int

const (
	OK      Level = iota // nothing to do
	Warning              // Mini works, with a caveat or a step it takes itself
	Problem              // some chapter cannot work until this is fixed
)

func (l Level) String() string {
	switch l {
	case OK:
		return "ok"
	case Warning:
		return "warning"
	default:
		return "problem"
	}
}

// Result is one line of the report.
type Result struct {
	Level   Level
	Item    string // what was checked: "root", "kernel", "cgroups", ...
	Finding string // what doctor saw
	Fix     string // what to do; empty when there is nothing to do
}

// Run checks the host, writes the report to o.Out and says whether the host is ready: ready
// means no result is a Problem (warnings are allowed).
func Run(o Options) (ready bool) {
	rs := Check(o)
	w := o.Out
	if w == nil {
		w = os.Stdout
	}
	// A report that cannot be written is not a reason to call the host unready.
	_ = Render(w, rs, o.Color)
	return Ready(rs)
}

// Check runs every check and returns one Result per item, in a fixed order.
func Check(o Options) []Result {
	o = o.withDefaults()
	rs := []Result{
		checkRoot(o),
		checkKernel(o),
		checkNamespaces(o),
	}
	rs = append(rs, checkCgroups(o)...)
	rs = append(rs,
		checkOverlay(o),
		checkOverlayUpper(o),
		//mini:begin 04
		checkStaleRuns(o),
		//mini:end 04
		checkIptables(o),
		checkIPForward(o),
		checkRootfs(o),
		checkWSL(o),
		checkContainer(o),
	)
	return rs
}

// Ready reports whether no result is a Problem.
func Ready(rs []Result) bool {
	for _, r := range rs {
		if r.Level == Problem {
			return false
		}
	}
	return true
}

func (o Options) withDefaults() Options {
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.SysRoot == "" {
		o.SysRoot = "/sys"
	}
	if o.HostRoot == "" {
		o.HostRoot = "/"
	}
	if o.StateRoot == "" {
		o.StateRoot = "/var/lib/mini"
	}
	if o.RootfsHint == "" {
		o.RootfsHint = "rootfs/build.sh"
	}
	if o.Statfs == nil {
		o.Statfs = statfsMagic
	}
	if o.IptablesVersion == nil {
		o.IptablesVersion = iptablesVersion
	}
	return o
}

func (o Options) proc(elem ...string) string {
	return filepath.Join(append([]string{o.ProcRoot}, elem...)...)
}

func (o Options) sys(elem ...string) string {
	return filepath.Join(append([]string{o.SysRoot}, elem...)...)
}

func (o Options) host(elem ...string) string {
	return filepath.Join(append([]string{o.HostRoot}, elem...)...)
}

func statfsMagic(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, &os.PathError{Op: "statfs", Path: path, Err: err}
	}
	return int64(st.Type), nil
}

// iptablesVersion runs `iptables --version`, which only prints and changes nothing.
func iptablesVersion() (string, error) {
	path, err := exec.LookPath("iptables")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(path, "--version").CombinedOutput()
	return string(out), err
}
