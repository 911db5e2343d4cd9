//mini:chapter 05

package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
)

// Every container gets /etc/hosts (localhost and its own name), /etc/hostname and
// /etc/resolv.conf, in every network mode, whether the root filesystem has them or not (a
// debootstrap minbase root has no /etc/hosts).
func TestCh05EtcFilesInEveryMode(t *testing.T) {
	e := newEnv(t)
	rootfs := copyRootfs(t, "rootfs")
	for _, f := range []string{"hosts", "hostname", "resolv.conf"} {
		os.Remove(filepath.Join(rootfs, "etc", f))
	}
	for _, mode := range []string{"none", "host", "bridge"} {
		r := e.mini("run", "--rootfs", rootfs, "--network", mode, "--hostname", "box", "--",
			"sh", "-c", "grep -c localhost /etc/hosts; grep -c box /etc/hosts; cat /etc/hostname; test -f /etc/resolv.conf && echo resolv")
		if r.Status != 0 || r.Stdout != "2\n1\nbox\nresolv\n" {
			t.Errorf("--network %s: want /etc/hosts with localhost and box, /etc/hostname and /etc/resolv.conf, got:\n%s", mode, r)
		}
	}
	// Created in the container's own layer: the root filesystem still has none.
	for _, f := range []string{"hosts", "hostname", "resolv.conf"} {
		if _, err := os.Lstat(filepath.Join(rootfs, "etc", f)); err == nil {
			t.Errorf("the root filesystem got an /etc/%s", f)
		}
	}
}

// An image whose etc/hosts and etc/resolv.conf are symbolic links pointing out (absolute, and
// with ../..) gets its files mounted where the links lead *inside* the root, never on the
// host's files.
func TestCh05EtcSymlinksResolveInsideTheRoot(t *testing.T) {
	e := newEnv(t)
	outside := t.TempDir()
	hostHosts, hostResolv := filepath.Join(outside, "hosts"), filepath.Join(outside, "resolv")
	for _, f := range []string{hostHosts, hostResolv} {
		if err := os.WriteFile(f, []byte("the host's own\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rootfs := copyRootfs(t, "rootfs")
	os.Remove(filepath.Join(rootfs, "etc", "hosts"))
	os.Remove(filepath.Join(rootfs, "etc", "resolv.conf"))
	if err := os.Symlink(hostHosts, filepath.Join(rootfs, "etc", "hosts")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../.."+hostResolv, filepath.Join(rootfs, "etc", "resolv.conf")); err != nil {
		t.Fatal(err)
	}
	r := e.mini("run", "--rootfs", rootfs, "--network", "none", "--hostname", "box", "--", "sh", "-c", "grep -c box /etc/hosts; cat "+hostHosts)
	if r.Status != 0 || !strings.HasPrefix(r.Stdout, "1\n") || strings.Contains(r.Stdout, "the host's own") {
		t.Errorf("want Mini's /etc/hosts, and the host's file out of the container's reach, got:\n%s", r)
	}
	for _, f := range []string{hostHosts, hostResolv} {
		if data, _ := os.ReadFile(f); string(data) != "the host's own\n" {
			t.Errorf("the host's %s changed: %q", f, data)
		}
	}
	noMountUnder(t, outside)
}

// Mini uses and deletes only the bridges it made: a bridge of Docker's, libvirt's or the LAN's
// is refused by name, and is still there afterwards.
func TestCh05ForeignBridgeRefused(t *testing.T) {
	e := newEnv(t)
	name := "minitest-fb"
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
	if err := netlink.LinkAdd(br); err != nil {
		t.Fatalf("make a bridge that is not Mini's: %v", err)
	}
	t.Cleanup(func() { netlink.LinkDel(br) })
	expectError(t, e.mini("run", "--bridge", name, "--", "true"), 125, name, "not made by Mini")
	if _, err := netlink.LinkByName(name); err != nil {
		t.Errorf("the foreign bridge %s is gone: %v", name, err)
	}
}

// Mini's bridge ignores IPv6 router advertisements (CVE-2020-13401), and is marked as Mini's.
func TestCh05BridgeIgnoresRouterAdvertisements(t *testing.T) {
	e := newEnv(t)
	br := bridgeName()
	b := e.start("run", "-i", "--", "sh", "-c", "echo ready; read x; true")
	b.waitFor("ready")
	ra, raErr := os.ReadFile("/proc/sys/net/ipv6/conf/" + br + "/accept_ra")
	link, linkErr := netlink.LinkByName(br)
	expect(t, b.wait(), 0, "ready\n")
	if linkErr != nil || link.Attrs().Alias != "mini-bridge" {
		t.Errorf("want bridge %s marked with the alias mini-bridge, got %v", br, linkErr)
	}
	if _, err := os.Stat("/proc/sys/net/ipv6"); err != nil {
		return // no IPv6 on this host: nothing to advertise
	}
	if raErr != nil || strings.TrimSpace(string(ra)) != "0" {
		t.Errorf("want accept_ra=0 on %s, got %q, %v", br, ra, raErr)
	}
}

// A Mini whose stderr closes early (`| head`) still tears down everything: SIGPIPE must not
// kill it half-way. The command itself still gets SIGPIPE's default action.
func TestCh05ClosedStderrStillTearsDown(t *testing.T) {
	e := newEnv(t)
	//mini:begin 07
	e.defaultNetwork() // from chapter 07 on, the default network outlives its containers
	//mini:end 07
	before := netState(t)
	cmd := e.command(t.Context(), "run", "--explain", "-p", "18084:80", "--", "true")
	cmd.Args = append([]string{"sh", "-c", `"$0" "$@" 2>&1 | head -2 >/dev/null`}, cmd.Args...)
	cmd.Path = "/bin/sh"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mini run --explain ... | head: %v\n%s", err, out)
	}
	if diff := cmp.Diff(before, netState(t)); diff != "" {
		t.Errorf("the host changed (-before +after):\n%s", diff)
	}
	// SIGPIPE (13) is not ignored in the container: bit 12 of SigIgn is clear.
	r := e.mini("run", "--network", "none", "--", "grep", "SigIgn", "/proc/self/status")
	ign, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(r.Stdout, "SigIgn:")), 16, 64)
	if err != nil || ign&(1<<(13-1)) != 0 {
		t.Errorf("want SIGPIPE not ignored in the container, got:\n%s", r)
	}
}

// -p 0.0.0.0:H:C publishes on every address, like -p H:C (it used to make a rule for the
// address 0.0.0.0/32, which no packet has).
func TestCh05PublishOnAllAddresses(t *testing.T) {
	e := newEnv(t)
	web := e.start("run", "-i", "--hostname", "web", "-p", "0.0.0.0:18085:80", "--", "sh", "-c", "httpd -p 80 -h /etc && echo ready; read x; true")
	web.waitFor("ready")
	got, err := httpGet(net.Dial, "127.0.0.1:18085", "/hosts")
	if r := web.wait(); r.Status != 0 {
		t.Errorf("the web container: %s", r)
	}
	if err != nil || !strings.Contains(got, "\tweb\n") {
		t.Errorf("via 127.0.0.1:18085 with -p 0.0.0.0:18085:80: want the container's /etc/hosts, got %q, %v", got, err)
	}
}
