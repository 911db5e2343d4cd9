package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// hostState is what a container engine may change on the host while a container runs, and
// must have put back when it is gone.
type hostState struct {
	Mounts    []string // "mountpoint fstype", from /proc/self/mountinfo
	Cgroups   []string // cgroup directories whose name mentions mini
	Links     []string // network interfaces
	Netns     []string // named network namespaces (/run/netns)
	Iptables  []string // iptables-save, without counters and comments
	Processes []string // processes running the test binary or a program of the test rootfs
	Forward   string   // /proc/sys/net/ipv4/ip_forward: chapter 05 turns it on, and back off
}

func snapshotHost() hostState {
	awaitUnpluggedVeths()
	return hostState{
		Mounts:    mounts(),
		Cgroups:   miniCgroups(),
		Links:     dirNames("/sys/class/net"),
		Netns:     dirNames("/run/netns"),
		Iptables:  iptablesRules(),
		Processes: leftoverProcesses(),
		Forward:   readTrimmed("/proc/sys/net/ipv4/ip_forward"),
	}
}

// awaitUnpluggedVeths waits, for at most 5 seconds, until the kernel has deleted the veths
// that Mini unplugged from a kept network's bridge when their containers ended: the kernel
// deletes such a veth with the container's network namespace a few milliseconds later, in the
// background (network.unplugVeth). One that is still there after that is a leak, and shows in
// the snapshot.
func awaitUnpluggedVeths() {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if len(unpluggedVeths()) == 0 {
			return
		}
	}
}

// unpluggedVeths lists the links labelled as a container's ("mini ID ADDRESS", see network's
// label) that are plugged into no bridge.
func unpluggedVeths() []string {
	var out []string
	for _, l := range dirNames("/sys/class/net") {
		alias, _ := os.ReadFile(filepath.Join("/sys/class/net", l, "ifalias"))
		if !strings.HasPrefix(string(alias), "mini ") {
			continue
		}
		if _, err := os.Lstat(filepath.Join("/sys/class/net", l, "master")); os.IsNotExist(err) {
			out = append(out, l)
		}
	}
	return out
}

func mounts() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		before, after, _ := strings.Cut(sc.Text(), " - ")
		l, r := strings.Fields(before), strings.Fields(after)
		if len(l) > 4 && len(r) > 0 {
			out = append(out, l[4]+" "+r[0])
		}
	}
	sort.Strings(out)
	return out
}

// miniCgroups lists the cgroup directories, at any of the first three levels, whose name
// mentions mini: only Mini creates those. (Other groups come and go with the host's own work.)
func miniCgroups() []string {
	var out []string
	filepath.WalkDir("/sys/fs/cgroup", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if strings.Count(strings.TrimPrefix(path, "/sys/fs/cgroup"), "/") > 3 {
			return filepath.SkipDir
		}
		if strings.Contains(strings.ToLower(d.Name()), "mini") {
			out = append(out, path)
		}
		return nil
	})
	return out
}

func dirNames(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func iptablesRules() []string {
	if _, err := exec.LookPath("iptables-save"); err != nil {
		return nil
	}
	data, err := exec.Command("iptables-save").Output()
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	// Keep the rules and the user-defined chains. Built-in chains and empty tables are left out:
	// iptables-save itself loads a table (nat, say) the first time it looks, which is no leak.
	var out []string
	table := ""
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			table = line
		case strings.HasPrefix(line, "-A "):
			out = append(out, table+" "+line)
		case strings.HasPrefix(line, ":") && strings.Contains(line, " - "):
			out = append(out, table+" "+strings.Fields(line)[0])
		}
	}
	return out
}

// leftoverProcesses lists processes whose program is the mini binary under test (or the
// monitor's shim beside it) or a program of the test rootfs: any of them still running after the tests is a container that escaped.
func leftoverProcesses() []string {
	if h.bin == "" {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' || e.Name() == strconv.Itoa(os.Getpid()) {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil {
			continue
		}
		if exe == h.bin || exe == filepath.Join(filepath.Dir(h.bin), "mini-shim") || strings.HasPrefix(exe, h.rootfs+"/") || exe == "/bin/busybox" && inContainer(e.Name()) {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			out = append(out, e.Name()+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}

// inContainer reports whether process pid runs in a PID namespace other than ours.
func inContainer(pid string) bool {
	mine, _ := os.Readlink("/proc/self/ns/pid")
	theirs, err := os.Readlink(filepath.Join("/proc", pid, "ns", "pid"))
	return err == nil && theirs != mine
}

func readTrimmed(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "error: " + err.Error()
	}
	return strings.TrimSpace(string(data))
}
