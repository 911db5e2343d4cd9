//mini:chapter 06

package e2e

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// imageEnv is an env that runs images: no MINI_ROOTFS, so `mini run NAME` reads NAME as an
// image (chapters 01-05's tests set MINI_ROOTFS and keep running directories).
func imageEnv(t *testing.T) *env {
	e := newEnv(t)
	e.extra = append(e.extra, "MINI_ROOTFS=", "MINI_NETWORK=none", "MINI_BUSYBOX_DIR="+h.rootfs)
	return e
}

// `mini run busybox` needs no network and no registry: the kit's root filesystem is imported as
// busybox:latest the first time, and used as it is the next.
func TestCh06RunBusyboxOffline(t *testing.T) {
	e := imageEnv(t)
	r := e.mini("run", "busybox", "echo", "hi")
	if r.Status != 0 || r.Stdout != "hi\n" || !strings.Contains(r.Stderr, "importing the kit's busybox") {
		t.Fatalf("want hi, after importing the kit's busybox, got:\n%s", r)
	}
	expect(t, e.mini("run", "busybox", "echo", "again"), 0, "again\n")
	// The image's Cmd (sh) is the default command.
	expect(t, e.miniIn(strings.NewReader("echo from sh\n"), "run", "-i", "busybox"), 0, "from sh\n")
	rows := e.imageRows()
	if len(rows) != 1 || rows[0][0] != "busybox" || rows[0][1] != "latest" {
		t.Errorf("want busybox:latest in mini images, got %v", rows)
	}
}

// An image pulled from a registry runs with its config: Entrypoint and Cmd, Env, WorkingDir
// (made when the image lacks it) and User (looked up in the image's own /etc/passwd and
// /etc/group, supplementary groups included).
func TestCh06RunImageConfig(t *testing.T) {
	e := imageEnv(t)
	reg := registrytest.Start(t, registrytest.Anonymous)
	l := registrytest.NewLayout(t)
	users := registrytest.Tar(t, map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1234:1234:app:/home/app:/bin/sh\n",
		"etc/group":  "root:x:0:\napp:x:1234:\nextra:x:2000:app\n",
	})
	cfg := v1.Image{Platform: v1.Platform{OS: "linux", Architecture: "amd64"}, Config: v1.ImageConfig{
		Env:        []string{"GREETING=hello", "PATH=/bin:/usr/bin"},
		Entrypoint: []string{"/bin/sh", "-c"},
		Cmd:        []string{`echo "$GREETING $(id -u):$(id -g) $(id -G) $(pwd) $HOME"`},
		WorkingDir: "/srv/app",
		User:       "app",
	}}
	l.Index(t, l.ImageWithConfig(t, cfg, tarDir(t, h.rootfs), users))
	reg.Push(t, l.Dir, "e2e/cfg:1")
	name := reg.Host + "/e2e/cfg:1"

	r := e.mini("run", name)
	if r.Status != 0 || r.Stdout != "hello 1234:1234 1234 2000 /srv/app /home/app\n" {
		t.Fatalf("want the image's env, user, groups, working directory and HOME, got:\n%s\nregistry log:\n%s", r, reg.Log.String())
	}
	if !strings.Contains(r.Stderr, "Unable to find image") {
		t.Errorf("want the pull announced on stderr (stdout is the container's), got %q", r.Stderr)
	}
	// Arguments replace Cmd and follow the Entrypoint.
	expect(t, e.mini("run", name, "echo args $GREETING"), 0, "args hello\n")
}

// tarDir archives dir (regular files, directories and symbolic links) as an image layer.
func tarDir(t *testing.T, dir string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		link := ""
		if fi.Mode()&os.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		} else if !fi.Mode().IsRegular() && !fi.IsDir() {
			return nil // device nodes and the like: an image has none
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		if fi.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A running container's image is not deleted under it (its layers are the container's root):
// rmi refuses, even with -f, and says which run uses it; once the run has ended, rmi deletes the
// image. A run that was killed holds nothing.
func TestCh06RmiRefusedWhileARunUsesIt(t *testing.T) {
	e := imageEnv(t)
	expect(t, e.mini("run", "busybox", "true"), 0, "") // imports busybox:latest
	run := e.start("run", "-i", "busybox", "sh", "-c", "echo ready; read x; true")
	run.waitFor("ready")
	for _, args := range [][]string{{"rmi", "busybox"}, {"rmi", "-f", "busybox"}, {"image", "prune"}} {
		r := e.mini(args...)
		if args[1] == "prune" {
			if r.Status != 0 {
				t.Errorf("image prune while a run uses busybox:\n%s", r)
			}
			continue
		}
		if r.Status == 0 || !strings.Contains(r.Stderr, "running container") || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("%v while a run uses the image: want one line saying a running container uses it, got:\n%s", args, r)
		}
	}
	if rows := e.imageRows(); len(rows) != 1 || rows[0][0] != "busybox" {
		t.Errorf("after the refused rmi: want busybox:latest still there, got %v", rows)
	}
	expect(t, run.wait(), 0, "ready\n")

	// A run killed with SIGKILL: its lease's lock died with it.
	killed := e.start("run", "-i", "busybox", "sh", "-c", "echo ready; read x")
	killed.waitFor("ready")
	killed.signal(syscall.SIGKILL)
	killed.wait()
	// The next run sweeps up what the killed one left (chapter 04), and leases the image only
	// while it runs.
	expect(t, e.mini("run", "busybox", "true"), 0, "")
	if r := e.mini("rmi", "busybox"); r.Status != 0 || !strings.Contains(r.Stdout, "Deleted: ") {
		t.Errorf("rmi once no run uses the image: want it deleted, got:\n%s", r)
	}
}
