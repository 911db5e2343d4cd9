//mini:chapter 05

package network

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/minikit/kit/mini/explain"
)

// File is one file of the run directory that the init side bind-mounts over the container's.
type File struct {
	Source string // in the run directory, on the host
	Target string // in the container, e.g. /etc/hosts
}

// etcDir makes <root>/network/etc/<id>, the directory of the container's /etc files, and
// removes those of runs whose run directory is gone (a Mini killed with SIGKILL ran no teardown;
// the next run removes its run directory first).
func etcDir(root, id string) (string, error) {
	base := filepath.Join(root, "network", "etc")
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(root, "containers", e.Name())); os.IsNotExist(err) {
			os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
	dir := filepath.Join(base, id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("make the container's /etc directory: %w", err)
	}
	return dir, nil
}

// removeEtcDir is the teardown of etcDir; the parent goes too once it is empty.
func removeEtcDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	os.Remove(filepath.Dir(dir)) // fails, harmlessly, while another container's files are there
	return nil
}

// writeFiles writes the container's /etc/hosts and /etc/resolv.conf into dir (kept with the
// network's state rather than in the run directory, whose contents chapter 04 defines). They are
// bind-mounted over the root filesystem's files rather than written into it: the root
// filesystem is shared by every container (and, from chapter 06, is an image), while these
// files belong to one container. (/etc/hostname is not among them: the init side writes it
// through the overlay into the container's own upper layer, since a bind mount would make
// `rm /etc/hostname` fail with EBUSY. See writeHostname in container/init.go.)
func writeFiles(dir, hostname string, ip netip.Addr, mode string, n *explain.Narrator) ([]File, error) {
	resolv, err := resolvConf("/etc/resolv.conf", mode == Host)
	if err != nil {
		return nil, err
	}
	contents := []struct{ name, data string }{
		{"hosts", hosts(hostname, ip)},
		{"resolv.conf", resolv},
	}
	var files []File
	for _, c := range contents {
		f := File{Source: filepath.Join(dir, c.name), Target: "/etc/" + c.name}
		if err := os.WriteFile(f.Source, []byte(c.data), 0o644); err != nil {
			return nil, fmt.Errorf("write the container's %s: %w", f.Target, err)
		}
		files = append(files, f)
	}
	n.Stepf(explain.Network, explain.Sh("cat "+filepath.Join(dir, "hosts")), "write the container's /etc/hosts and /etc/resolv.conf into %s", dir)
	return files, nil
}

// hosts is the container's /etc/hosts: localhost, and its own name at its address.
func hosts(hostname string, ip netip.Addr) string {
	s := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	if ip.IsValid() {
		return s + fmt.Sprintf("%s\t%s\n", ip, hostname)
	}
	return s + fmt.Sprintf("127.0.1.1\t%s\n", hostname)
}

// resolvConf is the host's resolv.conf without its loopback nameservers: 127.0.0.53
// (systemd-resolved) or ::1 on the host is the host's own resolver, which inside the container's
// namespace is nobody. With the host's network (keepLoopback) they still work. With none left,
// the container has no nameserver: Mini never makes one up (a public resolver would be traffic
// the host's owner did not ask for).
func resolvConf(path string, keepLoopback bool) (string, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return "# the host has no /etc/resolv.conf: no nameserver\n", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the host's resolv.conf: %w", err)
	}
	var out []string
	servers := 0
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			ip, err := netip.ParseAddr(f[1])
			if err == nil && ip.IsLoopback() && !keepLoopback {
				out = append(out, "# "+line+"   (loopback: the host's own resolver, not reachable from the container)")
				continue
			}
			servers++
		}
		out = append(out, line)
	}
	if servers == 0 {
		out = append(out, "# no usable nameserver on the host: names other than those in /etc/hosts do not resolve")
	}
	return strings.Join(out, "\n") + "\n", nil
}
