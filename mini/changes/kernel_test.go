//mini:chapter 07

package changes

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// inPrivateMounts runs a shell script in a mount namespace of its own (unshare(1)), so that its
// overlay mounts die with it and the host's mounts are never touched, whatever happens.
func inPrivateMounts(t *testing.T, script string) string {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatalf("unshare(1) (util-linux) is needed: %v", err)
	}
	out, err := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-euc", script).CombinedOutput()
	if err != nil {
		t.Fatalf("the script failed: %v\n%s", err, out)
	}
	return string(out)
}

// The upper that the kernel's overlayfs writes (shared whiteouts, its own origin/impure xattrs,
// an opaque directory) reads as the container saw it: diff lists what was done, and export is
// exactly what the kernel shows when it merges the same layers.
func TestCh07KernelMadeUpper(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	lower, upper := filepath.Join(dir, "lower"), filepath.Join(dir, "upper")
	build(t, lower, "f etc/passwd root", "f etc/os-release x", "f etc/group g", "f root/.profile P", "f srv/a A", "l bin/sh busybox", "f bin/busybox BB")
	build(t, upper)
	for _, d := range []string{"work", "merged"} {
		build(t, filepath.Join(dir, d))
	}
	inPrivateMounts(t, `cd `+dir+`
mount -t overlay overlay -o lowerdir=lower,upperdir=upper,workdir=work merged
echo hello > merged/etc/motd
echo more >> merged/etc/passwd
rm merged/etc/os-release merged/etc/group
rm -rf merged/root && mkdir merged/root && echo n > merged/root/note
mv merged/srv/a merged/srv/b
umount merged`)
	got, err := Diff([]string{lower}, upper)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range got {
		lines = append(lines, c.String())
	}
	want := []string{
		"C /etc", "D /etc/group", "A /etc/motd", "D /etc/os-release", "C /etc/passwd",
		"C /root", "D /root/.profile", "A /root/note",
		"C /srv", "D /srv/a", "A /srv/b",
	}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("diff of the kernel's upper (-want +got):\n%s", d)
	}

	var b bytes.Buffer
	if err := Export(&b, []string{lower}, upper); err != nil {
		t.Fatal(err)
	}
	var exported []string
	for _, line := range listTar(t, &b) {
		name, _, _ := strings.Cut(line[2:], " ")
		exported = append(exported, strings.TrimSuffix(name, "/"))
	}
	sort.Strings(exported)
	kernel := strings.Fields(inPrivateMounts(t, `cd `+dir+`
mount -t overlay overlay -o ro,lowerdir=upper:lower merged
cd merged && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort`))
	if d := cmp.Diff(kernel, exported); d != "" {
		t.Errorf("export vs the kernel's merged view (-kernel +export):\n%s", d)
	}
}
