//mini:chapter 07

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// -v mounts a host directory, read-write or read-only, and named volumes keep what containers
// write there from one container to the next.
func TestCh07Volumes(t *testing.T) {
	e := removeContainersAtEnd(newEnv(t))
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "f"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	expect(t, e.mini("run", "--rm", "-v", host+":/data", "--", "sh", "-c", "cat /data/f; echo from the container > /data/g"), 0, "from the host\n")
	if data, err := os.ReadFile(filepath.Join(host, "g")); err != nil || string(data) != "from the container\n" {
		t.Errorf("the host's directory after the run: %q, %v", data, err)
	}
	r := e.mini("run", "--rm", "-v", host+":/data:ro", "--", "sh", "-c", "echo no > /data/h")
	if r.Status == 0 || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Errorf("writing to a :ro volume: want Read-only file system, got:\n%s", r)
	}
	// A single file can be mounted too.
	expect(t, e.mini("run", "--rm", "-v", filepath.Join(host, "f")+":/etc/motd:ro", "--", "cat", "/etc/motd"), 0, "from the host\n")

	// A named volume outlives the containers that use it.
	expect(t, e.mini("run", "--rm", "-v", "notes:/notes", "--", "sh", "-c", "echo kept > /notes/n"), 0, "")
	expect(t, e.mini("run", "--rm", "-v", "notes:/n2", "--", "cat", "/n2/n"), 0, "kept\n")
	expect(t, e.mini("volume", "ls", "-q"), 0, "notes\n")
	if r := e.mini("volume", "inspect", "notes"); !strings.Contains(r.Stdout, filepath.Join(e.root, "volumes", "notes", "_data")) {
		t.Errorf("volume inspect: want the mount point under the state root, got:\n%s", r)
	}
	// An anonymous volume of a --rm run goes with the run.
	expect(t, e.mini("run", "--rm", "-v", "/scratch", "--", "sh", "-c", "echo x > /scratch/x"), 0, "")
	expect(t, e.mini("volume", "ls", "-q"), 0, "notes\n")

	// A container record keeps its volumes: rm -v removes the anonymous ones, never a named one.
	if r := e.mini("create", "--name", "user", "-v", "notes:/notes", "-v", "/anon", "--", "true"); r.Status != 0 {
		t.Fatalf("create with volumes:\n%s", r)
	}
	if n := len(strings.Fields(e.mini("volume", "ls", "-q").Stdout)); n != 2 {
		t.Errorf("after create: %d volumes, want notes and the anonymous one", n)
	}
	expectError(t, e.mini("volume", "rm", "notes"), 1, "in use by container user")
	expect(t, e.mini("rm", "-v", "user"), 0, "user\n")
	expect(t, e.mini("volume", "ls", "-q"), 0, "notes\n")
	expect(t, e.mini("volume", "rm", "notes"), 0, "notes\n")
	expect(t, e.mini("volume", "ls", "-q"), 0, "")
}

// Bad -v: a clear message, exit 125, nothing made.
func TestCh07VolumesBadInput(t *testing.T) {
	e := removeContainersAtEnd(newEnv(t))
	expectError(t, e.mini("run", "-v", "/no/such/dir:/data", "--", "true"), 125, "/no/such/dir does not exist")
	expectError(t, e.mini("run", "-v", "data:relative", "--", "true"), 125, "must be absolute")
	expectError(t, e.mini("run", "-v", "a:/b:c", "--", "true"), 125, "ro or rw")
	expectError(t, e.mini("run", "-v", "../up:/b", "--", "true"), 125, "neither an absolute host path nor a volume name")
	expectError(t, e.mini("volume", "create", "a/b"), 125, "invalid volume name")
	expectError(t, e.mini("volume", "rm", "nosuch"), 1, "no such volume")
	expect(t, e.mini("volume", "ls", "-q"), 0, "")
}

// A mount point is looked up inside the container's root: an image's symbolic link that points
// out of it leads to a directory inside it, never to the host's.
func TestCh07VolumeTargetStaysInside(t *testing.T) {
	e := removeContainersAtEnd(newEnv(t))
	rootfs := copyRootfs(t, "rootfs")
	outside := t.TempDir()
	if err := os.Symlink("../../../../../../.."+outside, filepath.Join(rootfs, "mnt", "out")); err != nil {
		if err := os.MkdirAll(filepath.Join(rootfs, "mnt"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../../../../../../.."+outside, filepath.Join(rootfs, "mnt", "out")); err != nil {
			t.Fatal(err)
		}
	}
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "f"), []byte("volume\n"), 0o644)
	// The container finds the volume at the link's target as the container resolves it: the
	// mount went on a directory inside its root (made in its upper layer).
	expect(t, e.mini("run", "--rm", "--rootfs", rootfs, "-v", host+":/mnt/out", "--", "cat", outside+"/f"), 0, "volume\n")
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("the host's %s got %d entries: the volume went outside the root", outside, len(entries))
	}
}
