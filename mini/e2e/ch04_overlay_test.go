//mini:chapter 04

package e2e

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestCh04Step1ExplainShowsOverlayMount(t *testing.T) {
	e := newEnv(t)
	r := e.mini("run", "--explain", "--", "true")
	if r.Status != 0 {
		t.Fatalf("want status 0, got:\n%s", r)
	}
	line := strings.TrimSpace(grep(r.Stderr, "mount -t overlay overlay -o "))
	dir := filepath.Join(e.root, "containers", runID(line))
	want := fmt.Sprintf("$ mount -t overlay overlay -o lowerdir=%s,upperdir=%s/upper,workdir=%s/work %s/merged", h.rootfs, dir, dir, dir)
	if line != want {
		t.Errorf("want the overlay mount narrated as\n%s\ngot\n%s\nall:\n%s", want, line, r.Stderr)
	}
}

func TestCh04Step2WriteGoesToUpper(t *testing.T) {
	e := newEnv(t)
	lower := privateLower(t)
	before := treeSum(t, lower)
	b := e.start("run", "-i", "--rootfs", lower, "--", "sh", "-c",
		"echo changed > /etc/hostname; echo new > /new; echo ready; read x; cat /etc/hostname /new")
	b.waitFor("ready")
	upper := filepath.Join(runDir(t, e), "upper")
	for name, want := range map[string]string{"etc/hostname": "changed\n", "new": "new\n"} {
		if got, err := os.ReadFile(filepath.Join(upper, name)); err != nil || string(got) != want {
			t.Errorf("upper/%s: want %q (the write lands in the upper), got %q, %v", name, want, got, err)
		}
	}
	noOverlayOnHost(t, e)
	expect(t, b.wait(), 0, "ready\nchanged\nnew\n")
	if after := treeSum(t, lower); after != before {
		t.Errorf("the lower layer changed (bytes, modes or times):\n%s", diffLines(before, after))
	}
	noOverlayOnHost(t, e)
}

func TestCh04TwoContainersAtOnce(t *testing.T) {
	e := newEnv(t)
	lower := privateLower(t)
	before := treeSum(t, lower)
	var bs []*bg
	for _, name := range []string{"a", "b"} {
		script := fmt.Sprintf("echo %s > /etc/hostname; touch /only-%s; echo ready; read x; cat /etc/hostname; ls / | grep only-", name, name)
		bs = append(bs, e.start("run", "-i", "--rootfs", lower, "--", "sh", "-c", script))
	}
	// Both run at the same time from the same lower before either is let go.
	for _, b := range bs {
		b.waitFor("ready")
	}
	expect(t, bs[0].wait(), 0, "ready\na\nonly-a\n")
	expect(t, bs[1].wait(), 0, "ready\nb\nonly-b\n")
	if after := treeSum(t, lower); after != before {
		t.Errorf("the lower layer changed:\n%s", diffLines(before, after))
	}
}

func TestCh04WhiteoutAndOpaqueDirectory(t *testing.T) {
	e := newEnv(t)
	lower := privateLower(t)
	if err := os.MkdirAll(filepath.Join(lower, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(lower, "data", "old"), []byte("old\n"), 0o644)
	before := treeSum(t, lower)
	b := e.start("run", "-i", "--rootfs", lower, "--", "sh", "-c",
		"rm /etc/hostname && rm -r /data && mkdir /data && echo new > /data/new && echo ready; read x; ls /data; ls /etc")
	b.waitFor("ready")
	upper := filepath.Join(runDir(t, e), "upper")
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(upper, "etc", "hostname"), &st); err != nil ||
		st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 0 || unix.Minor(st.Rdev) != 0 {
		t.Errorf("want a whiteout (character device 0/0) at upper/etc/hostname, got mode %o rdev %d, %v", st.Mode, st.Rdev, err)
	}
	buf := make([]byte, 8)
	k, err := unix.Lgetxattr(filepath.Join(upper, "data"), "trusted.overlay.opaque", buf)
	if err != nil || string(buf[:k]) != "y" {
		t.Errorf("want upper/data opaque (trusted.overlay.opaque=y), got %q, %v", buf[:max(k, 0)], err)
	}
	r := b.wait()
	if r.Status != 0 || !strings.HasPrefix(r.Stdout, "ready\nnew\n") || strings.Contains(r.Stdout, "hostname") {
		t.Errorf("in the container: want /data to hold only new and /etc no hostname, got:\n%s", r)
	}
	if after := treeSum(t, lower); after != before {
		t.Errorf("the lower layer changed:\n%s", diffLines(before, after))
	}
}

func TestCh04TenContainersCostOnlyTheirUppers(t *testing.T) {
	e := newEnv(t)
	var bs []*bg
	for range 10 {
		bs = append(bs, e.start("run", "-i", "--", "sh", "-c", "hostname > /etc/hostname; echo ready; read x; true"))
	}
	for _, b := range bs {
		b.waitFor("ready")
	}
	runs, _ := filepath.Glob(filepath.Join(e.root, "containers", "*", "upper"))
	if len(runs) != 10 {
		t.Fatalf("want 10 upper directories while the containers run, found %v", runs)
	}
	lowerSize := diskUsage(t, h.rootfs)
	var total int64
	for _, upper := range runs {
		size := diskUsage(t, upper)
		total += size
		// A copied-up /etc/hostname and the /etc directory: a few blocks, not a root filesystem.
		if size > 64<<10 {
			t.Errorf("%s uses %d bytes: want a few KiB (only what the container changed)", upper, size)
		}
	}
	t.Logf("lower: %d KiB; the 10 uppers together: %d KiB", lowerSize>>10, total>>10)
	if total >= lowerSize {
		t.Errorf("10 uppers use %d bytes, more than one copy of the lower (%d): they are copies, not overlays", total, lowerSize)
	}
	for _, b := range bs {
		expect(t, b.wait(), 0, "ready\n")
	}
}

func TestCh04ReadOnly(t *testing.T) {
	e := newEnv(t)
	lower := privateLower(t)
	before := treeSum(t, lower)
	r := e.mini("run", "--read-only", "--rootfs", lower, "--", "sh", "-c", "echo x > /etc/hostname")
	if r.Status == 0 || r.Status == 125 || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Errorf("want the command to fail with EROFS (Read-only file system) and report it, got:\n%s", r)
	}
	r = e.mini("run", "--read-only", "--rootfs", lower, "--", "touch", "/new")
	if r.Status == 0 || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Errorf("want touch to fail with EROFS, got:\n%s", r)
	}
	// Reading works, and there is no upper at all.
	b := e.start("run", "-i", "--read-only", "--rootfs", lower, "--", "sh", "-c", "cat /etc/os-release >/dev/null && echo ready; read x; true")
	b.waitFor("ready")
	for _, d := range []string{"upper", "work"} {
		if _, err := os.Stat(filepath.Join(runDir(t, e), d)); !os.IsNotExist(err) {
			t.Errorf("read-only: want no %s/ in the run directory, got %v", d, err)
		}
	}
	expect(t, b.wait(), 0, "ready\n")
	if after := treeSum(t, lower); after != before {
		t.Errorf("the lower layer changed:\n%s", diffLines(before, after))
	}
}

func TestCh04NothingSurvivesAFailedStart(t *testing.T) {
	e := newEnv(t)
	// The overlay is mounted and the upper exists when the command is looked up.
	expectError(t, e.mini("run", "--", "no-such-command"), 127, "no-such-command")
	expectError(t, e.mini("run", "--read-only", "--", "no-such-command"), 127, "no-such-command")
	expectError(t, e.mini("run", "--read-only=maybe", "--", "true"), 125, "read-only")
	noOverlayOnHost(t, e)
	// newEnv's cleanup checks that no run directory (and so no upper) is left.
}

func TestCh04BadInput(t *testing.T) {
	e := newEnv(t)
	lower := privateLower(t)
	before := treeSum(t, lower)
	expectError(t, e.mini("run", "--rootfs", "/no/such/layer", "--", "true"), 125, "/no/such/layer")
	expectError(t, e.mini("run", "--read-only", "--rootfs", "/no/such/layer", "--", "true"), 125, "/no/such/layer")
	colon := filepath.Join(t.TempDir(), "a:b")
	if out, err := exec.Command("cp", "-a", lower, colon).CombinedOutput(); err != nil {
		t.Fatalf("copy the rootfs: %v\n%s", err, out)
	}
	expectError(t, e.mini("run", "--rootfs", colon, "--", "true"), 125, colon, `":"`)
	// A state root inside the lower: Mini would write its uppers into a read-only layer.
	state := filepath.Join(lower, "state")
	expectError(t, e.mini("--root", state, "run", "--rootfs", lower, "--", "true"), 125, state, "--root")
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("the refused run made %s in the lower", state)
	}
	if after := treeSum(t, lower); after != before {
		t.Errorf("the lower layer changed:\n%s", diffLines(before, after))
	}
}

func TestCh04StateRootOnOverlay(t *testing.T) {
	e := newEnv(t)
	// An overlay of the test's own, like the root of a Docker container Mini might run in.
	base := t.TempDir()
	for _, d := range []string{"l", "u", "w", "m"} {
		os.Mkdir(filepath.Join(base, d), 0o755)
	}
	m := filepath.Join(base, "m")
	if err := unix.Mount("overlay", m, "overlay", 0, fmt.Sprintf("lowerdir=%s/l,upperdir=%s/u,workdir=%s/w", base, base, base)); err != nil {
		t.Fatalf("mount the test's overlay: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(m, 0); err != nil {
			t.Errorf("unmount the test's overlay %s: %v", m, err)
		}
	})
	state := filepath.Join(m, "state")
	expectError(t, e.mini("--root", state, "run", "--", "true"), 125, "overlay filesystem", "tmpfs")
	if entries, _ := os.ReadDir(filepath.Join(state, "containers")); len(entries) != 0 {
		t.Errorf("a refused run left %v in %s", entries, state)
	}
	// Read-only needs no upper, so it works there.
	r := e.mini("--root", state, "run", "--read-only", "--", "cat", "/etc/hostname")
	if r.Status != 0 {
		t.Errorf("--read-only with the state root on an overlay: want status 0, got:\n%s", r)
	}
}

func TestCh04KilledMiniLeavesNothingMounted(t *testing.T) {
	e := newEnv(t)
	b := e.start("run", "-i", "--", "sh", "-c", "echo data > /data; echo ready; read x; true")
	b.waitFor("ready")
	run := runDir(t, e)
	pid := b.containerPID()
	t.Cleanup(func() { removeGroups(t, e) })
	b.signal(syscall.SIGKILL)
	// The container dies with its mini (the parent-death signal), even though its stdin is
	// still open; with its last process, its mount namespace goes, and the overlay with it.
	for i := 0; processAlive(pid); i++ {
		if i == 1000 {
			t.Fatalf("the container (pid %d) outlived its killed mini", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.wait()
	noOverlayOnHost(t, e)
	if _, err := os.Stat(filepath.Join(run, "upper", "data")); err != nil {
		t.Fatalf("want the killed run's directory left behind (nothing could remove it), got %v", err)
	}
	r := e.mini("doctor")
	if line := grep(r.Stdout, "stale runs"); !strings.Contains(line, run) {
		t.Errorf("want mini doctor to report %s as a stale run, got %q", run, line)
	}
	// The next run removes it.
	expect(t, e.mini("run", "--", "true"), 0, "")
	if _, err := os.Stat(run); !os.IsNotExist(err) {
		t.Errorf("the next run did not remove the stale run directory %s", run)
	}
	// ... and the killed run's cgroup.
	e.parentGone()
}

// processAlive reports whether pid is a live process (not gone, not a zombie).
func processAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// privateLower copies the kit's busybox rootfs into the test's own directory, so that a test
// that checks the lower is never written neither depends on nor touches the shared one.
func privateLower(t *testing.T) string {
	t.Helper()
	return copyRootfs(t, "lower")
}

// treeSum describes every entry of dir, one line each: type and mode, owner, size, device,
// modification and change times, extended attributes, and the bytes (or link target). Two
// equal sums mean nothing in the tree was written, renamed, chmod'ed or touched.
func treeSum(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		content := ""
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			content = fmt.Sprintf("%x", sha256.Sum256(b))
		case unix.S_IFLNK:
			content, _ = os.Readlink(path)
		}
		lines = append(lines, fmt.Sprintf("%s mode=%o uid=%d gid=%d size=%d rdev=%d mtime=%d.%09d ctime=%d.%09d xattrs=%s %s",
			rel, st.Mode, st.Uid, st.Gid, st.Size, st.Rdev, st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec, xattrs(path), content))
		return nil
	})
	if err != nil {
		t.Fatalf("checksum %s: %v", dir, err)
	}
	return strings.Join(lines, "\n")
}

// xattrs lists a file's extended attributes with their values.
func xattrs(path string) string {
	buf := make([]byte, 4096)
	k, err := unix.Llistxattr(path, buf)
	if err != nil || k <= 0 {
		return "-"
	}
	var out []string
	for _, name := range strings.Split(strings.TrimRight(string(buf[:k]), "\x00"), "\x00") {
		val := make([]byte, 4096)
		vk, _ := unix.Lgetxattr(path, name, val)
		out = append(out, fmt.Sprintf("%s=%q", name, val[:max(vk, 0)]))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// diffLines shows the lines of two tree sums that differ.
func diffLines(a, b string) string {
	in := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		in[l]--
	}
	for _, l := range strings.Split(b, "\n") {
		in[l]++
	}
	var out []string
	for l, k := range in {
		if k < 0 {
			out = append(out, "- "+l)
		} else if k > 0 {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// runDir is the one run directory under the test's state root, while its container runs.
func runDir(t *testing.T, e *env) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(e.root, "containers", "*"))
	if len(dirs) != 1 {
		t.Fatalf("want one run directory under %s, found %v", e.root, dirs)
	}
	return dirs[0]
}

// runID picks the run ID out of a narrated overlay mount command.
func runID(line string) string {
	_, after, _ := strings.Cut(line, "/containers/")
	id, _, _ := strings.Cut(after, "/")
	return id
}

// noOverlayOnHost fails the test if the host's mount table has anything under the test's
// state root: the overlay lives only in the container's mount namespace.
func noOverlayOnHost(t *testing.T, e *env) {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), e.root) {
			t.Errorf("mounted on the host: %s", sc.Text())
		}
	}
}

// diskUsage is what dir takes on disk, in bytes, as du counts it: allocated blocks.
func diskUsage(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return err
		}
		total += st.Blocks * 512
		return nil
	})
	if err != nil {
		t.Fatalf("measure %s: %v", dir, err)
	}
	return total
}

// removeGroups removes the cgroups of a killed mini, which could not remove them itself. Its
// container is dead, so they are empty.
func removeGroups(t *testing.T, e *env) {
	parents, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", e.parent))
	if v2 := filepath.Join("/sys/fs/cgroup", e.parent); dirExists(v2) {
		parents = append(parents, v2)
	}
	for _, p := range parents {
		groups, _ := filepath.Glob(filepath.Join(p, "*"))
		for _, g := range append(groups, p) {
			if !dirExists(g) {
				continue
			}
			if err := os.Remove(g); err != nil {
				t.Errorf("remove the killed run's cgroup %s: %v", g, err)
			}
		}
	}
}

func dirExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
