//mini:chapter 07

package main

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
)

func TestCh07SplitContainerPath(t *testing.T) {
	for _, c := range []struct {
		arg, ctr, path string
		in             bool
	}{
		{"web:/etc/hosts", "web", "/etc/hosts", true},
		{"3f2a:etc", "3f2a", "etc", true},
		{"web:", "web", "", true},
		{"/tmp/a:b", "", "/tmp/a:b", false},
		{"./a:b", "", "./a:b", false},
		{"dir/a:b", "", "dir/a:b", false},
		{"file", "", "file", false},
		{":x", "", ":x", false},
		{"-", "", "-", false},
	} {
		ctr, p, in := splitContainerPath(c.arg)
		if ctr != c.ctr || p != c.path || in != c.in {
			t.Errorf("splitContainerPath(%q) = %q, %q, %v; want %q, %q, %v", c.arg, ctr, p, in, c.ctr, c.path, c.in)
		}
	}
}

// runMini runs the command line with the change commands registered, and returns its stdout.
func runMini(t *testing.T, args ...string) (string, error) {
	t.Helper()
	app := newApp()
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	stdout := os.Stdout
	os.Stdout = out
	err = app.Run(append([]string{"mini"}, args...))
	os.Stdout = stdout
	b, _ := os.ReadFile(out.Name())
	return string(b), err
}

// The four commands, on a stopped container that lookupContainer stands in for until the
// engine's records exist: diff prints docker diff's lines, commit prints the new image's ID and
// the image is in the store, export writes the merged view, cp goes both ways.
func TestCh07ChangeCommands(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: a whiteout is a device node (mknod c 0 0 takes CAP_MKNOD)")
	}
	root, dir := t.TempDir(), t.TempDir()
	lowerDir, upper := filepath.Join(dir, "lower"), filepath.Join(dir, "upper")
	for _, d := range []string{"lower/etc", "upper/etc", "host"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(lowerDir, "etc", "passwd"), []byte("root\n"), 0o644)
	os.WriteFile(filepath.Join(lowerDir, "etc", "os-release"), []byte("x\n"), 0o644)
	os.WriteFile(filepath.Join(upper, "etc", "motd"), []byte("hi\n"), 0o644)
	if err := unix.Mknod(filepath.Join(upper, "etc", "os-release"), unix.S_IFCHR, 0); err != nil {
		t.Fatal(err)
	}
	store, err := image.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := reference.Parse("base:1")
	base, err := store.ImportDir(lowerDir, image.ImportOptions{Ref: ref, Cmd: []string{"sh"}})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	saved := lookupContainer
	t.Cleanup(func() { lookupContainer = saved })
	lookupContainer = func(c *cli.Context, name string) (containerFS, error) {
		switch name {
		case "c1":
			return containerFS{Lower: base.Lowers(), Upper: upper, Image: "base:1", ImageID: base.ID.String()}, nil
		case "stale": // a record that says running, with a PID that is now a host process's
			return containerFS{Lower: base.Lowers(), Upper: upper, Running: true, PID: os.Getpid()}, nil
		case "never-started": // the engine makes the upper at the first start
			return containerFS{Lower: base.Lowers(), Upper: filepath.Join(dir, "not-yet"), Image: "base:1", ImageID: base.ID.String()}, nil
		}
		return saved(c, name)
	}

	out, err := runMini(t, "--root", root, "diff", "c1")
	if want := "C /etc\nA /etc/motd\nD /etc/os-release\n"; err != nil || out != want {
		t.Errorf("mini diff c1: %q, %v; want %q", out, err, want)
	}
	out, err = runMini(t, "--root", root, "commit", "-m", "msg", "-c", "CMD cat /etc/motd", "c1", "committed:2")
	if err != nil || !strings.HasPrefix(out, "sha256:") {
		t.Fatalf("mini commit: %q, %v; want the image ID", out, err)
	}
	store, err = image.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	img, err := store.Resolve("committed:2")
	store.Close()
	if err != nil || img.ID.String() != strings.TrimSpace(out) || len(img.Layers) != 2 {
		t.Errorf("committed:2 in the store: %+v, %v; want ID %s with 2 layers", img, err, out)
	}

	file := filepath.Join(dir, "fs.tar")
	if _, err := runMini(t, "--root", root, "export", "-o", file, "c1"); err != nil {
		t.Fatalf("mini export: %v", err)
	}
	f, _ := os.Open(file)
	defer f.Close()
	var names []string
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
	}
	if d := cmp.Diff([]string{"etc/", "etc/motd", "etc/passwd"}, names); d != "" {
		t.Errorf("export (-want +got):\n%s", d)
	}

	// A container that never started has no upper yet: no changes, and cp must not make one.
	if out, err := runMini(t, "--root", root, "diff", "never-started"); err != nil || out != "" {
		t.Errorf("diff of a container that never started: %q, %v; want nothing", out, err)
	}
	if out, err := runMini(t, "--root", root, "commit", "never-started", "empty:1"); err != nil || !strings.HasPrefix(out, "sha256:") {
		t.Errorf("commit of a container that never started: %q, %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "not-yet")); err == nil {
		t.Errorf("commit made the upper of a container that never started")
	}

	host := filepath.Join(dir, "host")
	if _, err := runMini(t, "--root", root, "cp", "c1:/etc/passwd", host); err != nil {
		t.Errorf("cp out: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(host, "passwd")); string(b) != "root\n" {
		t.Errorf("cp c1:/etc/passwd: %q", b)
	}
	if _, err := runMini(t, "--root", root, "cp", filepath.Join(host, "passwd"), "c1:/etc/copied"); err != nil {
		t.Errorf("cp in: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(upper, "etc", "copied")); string(b) != "root\n" {
		t.Errorf("cp in: upper/etc/copied: %q", b)
	}
	out, err = runMini(t, "--root", root, "cp", "c1:/etc", "-")
	if tr := tar.NewReader(strings.NewReader(out)); err != nil {
		t.Errorf("cp c1:/etc -: %v", err)
	} else if hdr, err := tr.Next(); err != nil || hdr.Name != "etc/" {
		t.Errorf("cp c1:/etc -: the first entry is %+v (%v), want etc/", hdr, err)
	}
	// cp - CTR:DIR reads a tar on stdin: the one cp c1:/etc - wrote, unpacked into /etc.
	tarFile := filepath.Join(dir, "etc.tar")
	os.WriteFile(tarFile, []byte(out), 0o644)
	stdin := os.Stdin
	os.Stdin, _ = os.Open(tarFile)
	_, err = runMini(t, "--root", root, "cp", "-", "c1:/etc")
	os.Stdin.Close()
	os.Stdin = stdin
	if err != nil {
		t.Errorf("cp - c1:/etc: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(upper, "etc", "etc", "copied")); string(b) != "root\n" {
		t.Errorf("cp - c1:/etc: upper/etc/etc/copied is %q", b)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", "nope"}, "no such container: nope"}, // the engine's own lookup
		{[]string{"cp", "c1:/a", "c1:/b"}, "between two containers"},
		{[]string{"cp", "a", "b"}, "must be CONTAINER:PATH"},
		{[]string{"cp", filepath.Join(host, "passwd"), "c1:../../../etc"}, "climbs above the container's root"},
		{[]string{"commit", "c1", "Bad Name"}, "commit"},
		{[]string{"commit", "c1"}, "give a container and a name"},
		{[]string{"export", "c1", "c2"}, "name one container"},
		{[]string{"cp", filepath.Join(host, "passwd"), "never-started:/etc"}, "has not run yet"},
		{[]string{"cp", filepath.Join(host, "passwd"), "stale:/tmp"}, "is gone"},
		{[]string{"cp", "stale:/etc/passwd", host}, "is gone"},
	} {
		_, err := runMini(t, append([]string{"--root", root}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("mini %v: %v; want an error with %q", c.args, err, c.want)
		}
	}
}
