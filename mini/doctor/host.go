package doctor

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// checkRoot: creating namespaces other than user namespaces, mounting, pivot_root(2), writing
// cgroup files and changing netfilter all need capabilities (CAP_SYS_ADMIN, CAP_NET_ADMIN) that
// only root has by default. We read the effective UID from /proc/self/status (the second
// number on the "Uid:" line), which a fixture tree can supply.
func checkRoot(o Options) Result {
	r := Result{Item: "root"}
	b, err := os.ReadFile(o.proc("self", "status"))
	if err != nil {
		r.Level, r.Finding = Warning, fmt.Sprintf("cannot read the effective user: %v", err)
		return r
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "Uid:" {
			continue
		}
		if f[2] == "0" {
			r.Level, r.Finding = OK, "running as root"
			return r
		}
		r.Level, r.Finding = Problem, "running as uid "+f[2]
		r.Fix = "run Mini (and this check) as root, e.g. with sudo: namespaces, mounts, cgroups and iptables need CAP_SYS_ADMIN/CAP_NET_ADMIN"
		return r
	}
	r.Level, r.Finding = Warning, "no Uid line in "+o.proc("self", "status")
	return r
}

// checkKernel: the features Mini teaches arrived over many releases (cgroup namespaces in 4.6,
// the cgroup v2 cpu controller in 4.15, overlayfs' redirect_dir and index in 4.10/4.13).
// Older than 4.4 misses too much; 5.4 is the oldest kernel the kit is tested on.
func checkKernel(o Options) Result {
	r := Result{Item: "kernel"}
	b, err := os.ReadFile(o.proc("sys", "kernel", "osrelease"))
	if err != nil {
		r.Level, r.Finding = Warning, fmt.Sprintf("cannot read the kernel release: %v", err)
		return r
	}
	release := strings.TrimSpace(string(b))
	major, minor, ok := parseRelease(release)
	r.Finding = "Linux " + release
	switch {
	case !ok:
		r.Level, r.Fix = Warning, "cannot parse the version; Mini needs Linux 5.4 or newer"
	case major < 4 || major == 4 && minor < 4:
		r.Level, r.Fix = Problem, "Mini needs Linux 4.4 or newer (5.4+ recommended): use a newer distribution or VM"
	case major < 5 || major == 5 && minor < 4:
		r.Level, r.Fix = Warning, "older than 5.4, the oldest kernel the kit is tested on: some cgroup v2 and overlay tests may fail"
	default:
		r.Level = OK
	}
	return r
}

// parseRelease reads "6.1.0-18-amd64" as 6, 1.
func parseRelease(s string) (major, minor int, ok bool) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minorDigits := strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })
	minor, err2 := strconv.Atoi(minorDigits)
	return major, minor, err1 == nil && err2 == nil
}

// checkWSL: WSL 2 runs a real Linux kernel, so Mini works, but its default cgroup layout and
// its iptables setup differ from a plain distribution. WSL 1 translates system calls and has
// no namespaces or cgroups at all.
func checkWSL(o Options) Result {
	r := Result{Item: "wsl", Level: OK, Finding: "not running under WSL"}
	b, err := os.ReadFile(o.proc("version"))
	if err != nil {
		r.Finding = fmt.Sprintf("cannot read %s: %v", o.proc("version"), err)
		return r
	}
	v := string(b)
	switch {
	case strings.Contains(v, "WSL2") || strings.Contains(v, "microsoft-standard"):
		r.Level, r.Finding = Warning, "running under WSL 2"
		r.Fix = "it works; enable systemd in /etc/wsl.conf ([boot] systemd=true) for a cgroup v2 layout, and use iptables-legacy if NAT rules do not apply"
	case strings.Contains(strings.ToLower(v), "microsoft"):
		r.Level, r.Finding = Problem, "running under WSL 1, which has no namespaces or cgroups"
		r.Fix = "convert the distribution to WSL 2: wsl --set-version <distro> 2"
	}
	return r
}

// checkContainer: inside a container, Mini is a container engine inside another one. That works
// only with enough privilege (mounting and cgroup writes need CAP_SYS_ADMIN, which a default
// Docker container drops) and with Mini's state on a non-overlay filesystem.
func checkContainer(o Options) Result {
	r := Result{Item: "container", Level: OK, Finding: "not inside a container"}
	var why string
	switch {
	case exists(o.host(".dockerenv")):
		why = "/.dockerenv exists"
	case exists(o.host("run", ".containerenv")):
		why = "/run/.containerenv exists"
	default:
		if b, err := os.ReadFile(o.proc("1", "cgroup")); err == nil {
			// Words that container managers put into PID 1's cgroup path.
			for _, h := range []string{"docker", "kubepods", "containerd", "libpod", "lxc", "podman"} {
				if strings.Contains(string(b), h) {
					why = "/proc/1/cgroup mentions " + h
					break
				}
			}
		}
	}
	if why != "" {
		r.Level, r.Finding = Warning, "inside a container ("+why+")"
		r.Fix = "run it with --privileged and keep " + o.StateRoot + " on a volume or tmpfs; a VM is the most faithful host"
	}
	return r
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
