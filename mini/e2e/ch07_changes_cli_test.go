//mini:chapter 07

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// changeLines is `mini diff`'s output without /etc/hostname, which the init side writes into
// every container's root (Docker bind-mounts it instead, so its diff never shows it).
func changeLines(t *testing.T, e *env, ctr string) []string {
	t.Helper()
	r := e.mini("diff", ctr)
	if r.Status != 0 {
		t.Fatalf("diff %s:\n%s", ctr, r)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		if l != "C /etc/hostname" && l != "" {
			out = append(out, l)
		}
	}
	return out
}

// A container's changes through the command line: diff lists them, commit makes an image that
// runs with them, export → import → run sees the same files, cp copies both ways into a
// stopped and a running container.
func TestCh07Step1DiffCommitExportCp(t *testing.T) {
	e := engineEnv(t)
	expect(t, e.mini("run", "--name", "w1", "busybox", "sh", "-c", "echo hi > /etc/motd; rm /etc/os-release; mkdir -p /srv/app; echo x > /srv/app/f"), 0, "")
	want := []string{"C /etc", "A /etc/motd", "D /etc/os-release", "A /srv", "A /srv/app", "A /srv/app/f"}
	if got := changeLines(t, e, "w1"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diff w1: %q, want %q", got, want)
	}

	if r := e.mini("commit", "-m", "e2e", "-c", "CMD cat /etc/motd", "w1", "e2e/w1:1"); r.Status != 0 || !strings.HasPrefix(r.Stdout, "sha256:") {
		t.Fatalf("commit: want the image ID, got:\n%s", r)
	}
	expect(t, e.mini("run", "--rm", "e2e/w1:1"), 0, "hi\n")
	expect(t, e.mini("run", "--rm", "e2e/w1:1", "sh", "-c", "test -e /etc/os-release || echo gone; cat /srv/app/f"), 0, "gone\nx\n")

	file := filepath.Join(t.TempDir(), "w1.tar")
	if r := e.mini("export", "-o", file, "w1"); r.Status != 0 {
		t.Fatalf("export: %s", r)
	}
	if r := e.mini("import", file, "e2e/flat:1"); r.Status != 0 {
		t.Fatalf("import: %s", r)
	}
	expect(t, e.mini("run", "--rm", "e2e/flat:1", "sh", "-c", "cat /etc/motd /srv/app/f; test -e /etc/os-release || echo gone"), 0, "hi\nx\ngone\n")

	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "in.txt"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Stopped: into the upper layer, read back through the merged view.
	if r := e.mini("cp", filepath.Join(host, "in.txt"), "w1:/srv/app/"); r.Status != 0 {
		t.Fatalf("cp into a stopped container: %s", r)
	}
	if r := e.mini("cp", "w1:/srv/app", host); r.Status != 0 {
		t.Fatalf("cp out of a stopped container: %s", r)
	}
	for name, want := range map[string]string{"app/f": "x\n", "app/in.txt": "from the host\n"} {
		if b, err := os.ReadFile(filepath.Join(host, name)); err != nil || string(b) != want {
			t.Errorf("cp w1:/srv/app: %s is %q (%v), want %q", name, b, err, want)
		}
	}
	// Running: through /proc/PID/root; the container sees the file at once.
	if r := e.mini("run", "-d", "--name", "w2", "busybox", "sh", "-c", "while ! test -e /tmp/in.txt; do sleep 0.1; done; cat /tmp/in.txt"); r.Status != 0 {
		t.Fatalf("run -d: %s", r)
	}
	if r := e.mini("cp", filepath.Join(host, "in.txt"), "w2:/tmp/"); r.Status != 0 {
		t.Fatalf("cp into a running container: %s", r)
	}
	eventually(t, "w2 to see the file and exit", func() bool { return e.field("w2", "{{.State.Status}}") == "exited" })
	if r := e.mini("logs", "w2"); r.Stdout != "from the host\n" {
		t.Errorf("logs w2: want the copied file's content, got:\n%s", r)
	}

	expectError(t, e.mini("diff", "nope"), 125, "no such container")
	expectError(t, e.mini("cp", "w1:/a", "w2:/b"), 125, "between two containers")
	expectError(t, e.mini("cp", filepath.Join(host, "in.txt"), "w1:../../../etc"), 125, "climbs above the container's root")
	expectError(t, e.mini("cp", "w1:/nope", host), 125, "no such file or directory in the container")
	expectError(t, e.mini("commit", "w1", "Bad Name"), 125, "commit")
}
