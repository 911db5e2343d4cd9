//mini:chapter 06

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// push sends what the registry lacks, then the manifest; skopeo, which Mini did not write, reads
// back the same manifest digest and config, and umoci unpacks the same files.
func TestCh06Push(t *testing.T) {
	registrytest.NeedTools(t, "skopeo", "umoci")
	e := imageEnv(t)
	reg := registrytest.Start(t, registrytest.Anonymous)
	id := e.importBusybox("busybox:latest")
	name := reg.Host + "/e2e/bb:1"
	if r := e.mini("tag", "busybox", name); r.Status != 0 {
		t.Fatalf("tag: %s", r)
	}
	r := e.mini("push", name)
	m := regexp.MustCompile(`(?m)^1: digest: (sha256:[0-9a-f]{64}) size: \d+$`).FindStringSubmatch(r.Stdout)
	if r.Status != 0 || m == nil || !strings.Contains(r.Stdout, ": Pushed\n") || !strings.HasPrefix(r.Stdout, "The push refers to repository ["+reg.Host+"/e2e/bb]\n") {
		t.Fatalf("push: want docker push's lines, got:\n%s\nregistry log:\n%s", r, reg.Log.String())
	}
	out, err := exec.Command("skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://"+name).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != m[1] {
		t.Errorf("skopeo inspect: want the manifest digest %s, got %q, %v", m[1], out, err)
	}
	cfg, err := exec.Command("skopeo", "inspect", "--tls-verify=false", "--raw", "--config", "docker://"+name).Output()
	if err != nil || "sha256:"+sha256hex(cfg) != id {
		t.Errorf("skopeo's config has the digest sha256:%s, want the image ID %s (%v)", sha256hex(cfg), id, err)
	}
	// Again: every blob is there already.
	r = e.mini("push", name)
	if r.Status != 0 || strings.Count(r.Stdout, ": Layer already exists\n") != 2 || strings.Contains(r.Stdout, "Pushed") {
		t.Errorf("second push: want every blob skipped, got:\n%s", r)
	}
	// To another repository of the same registry: mounted, not sent.
	other := reg.Host + "/e2e/other:1"
	e.mini("tag", name, other)
	if r = e.mini("push", other); r.Status != 0 || !strings.Contains(r.Stdout, ": Mounted\n") {
		t.Errorf("push to another repository: want the blobs mounted, got:\n%s", r)
	}
	// umoci unpacks what skopeo copies back: the busybox files are there.
	dir := t.TempDir()
	if out, err := exec.Command("skopeo", "copy", "--src-tls-verify=false", "docker://"+name, "oci:"+filepath.Join(dir, "oci")+":bb").CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	bundle := filepath.Join(dir, "bundle")
	if out, err := exec.Command("umoci", "unpack", "--image", filepath.Join(dir, "oci")+":bb", bundle).CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(bundle, "rootfs", "bin", "busybox")); err != nil {
		t.Errorf("umoci's unpacked rootfs lacks bin/busybox: %v", err)
	}
	// Bad input: no tag, no such image.
	expectError(t, e.mini("push", reg.Host+"/e2e/none:1"), 125, "no such image")
}

// TestCh06Step5PodmanLoadsMiniSave: `podman load` takes what `mini save` writes (it reads
// manifest.json first), keeps the image ID, and `podman run` of it prints what `mini run` prints.
// Podman runs under a cgroup parent of the test's own, removed after.
func TestCh06Step5PodmanLoadsMiniSave(t *testing.T) {
	registrytest.NeedTools(t, "podman", "runc")
	e := imageEnv(t)
	id := e.importBusybox("busybox:latest")
	file := filepath.Join(t.TempDir(), "bb.tar")
	if r := e.mini("save", "-o", file, "busybox"); r.Status != 0 {
		t.Fatalf("save: %s", r)
	}
	// Podman wants a short runroot (at most 50 characters): not t.TempDir()'s long name.
	dir, err := os.MkdirTemp("", "podman-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	parent := e.parent + "-podman"
	t.Cleanup(func() { removeCgroupParent(t, parent) })
	podman := func(args ...string) (string, error) {
		base := []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "runroot"),
			"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file"}
		out, err := exec.Command("podman", append(base, args...)...).CombinedOutput()
		return string(out), err
	}
	out, err := podman("load", "-q", "-i", file)
	if err != nil || !strings.Contains(out, "busybox:latest") {
		t.Fatalf("podman load: %v\n%s", err, out)
	}
	out, err = podman("image", "inspect", "--format", "{{.Id}}", "busybox:latest")
	if err != nil || "sha256:"+strings.TrimSpace(out) != id {
		t.Errorf("podman's image ID %q, want %s (%v)", out, id, err)
	}
	script := "echo $((6*7)); ls /bin/busybox"
	got, err := podman("run", "--rm", "--runtime", "runc", "--cgroup-parent", "/"+parent, "--network", "none",
		"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "busybox:latest", "sh", "-c", script)
	want := e.mini("run", "busybox", "sh", "-c", script)
	if err != nil || got != want.Stdout {
		t.Errorf("podman run printed %q (%v), mini run %q", got, err, want.Stdout)
	}
	// And back: what podman saves, in both its formats, loads into another Mini store and runs.
	for _, format := range []string{"docker-archive", "oci-archive"} {
		saved := filepath.Join(dir, format+".tar")
		if out, err := podman("save", "--format", format, "-o", saved, "busybox:latest"); err != nil {
			t.Fatalf("podman save --format %s: %v\n%s", format, err, out)
		}
		other := imageEnv(t)
		if r := other.mini("load", "-i", saved); r.Status != 0 || !strings.Contains(r.Stdout, "Loaded image: busybox:latest") {
			t.Errorf("mini load of podman's %s: %s", format, r)
			continue
		}
		expect(t, other.mini("run", "busybox", "sh", "-c", script), 0, want.Stdout)
	}
}

// removeCgroupParent removes a parent group (in every hierarchy) that a tool made under a name
// of the test's own, once its children are gone.
func removeCgroupParent(t *testing.T, name string) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", name))
	if v2 := filepath.Join("/sys/fs/cgroup", name); dirExists(v2) {
		dirs = append(dirs, v2)
	}
	for _, d := range dirs {
		children, _ := filepath.Glob(filepath.Join(d, "*", "cgroup.procs"))
		for _, c := range children {
			os.Remove(filepath.Dir(c))
		}
		if err := os.Remove(d); err != nil {
			t.Errorf("remove the cgroup %s: %v", d, err)
		}
	}
}

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
