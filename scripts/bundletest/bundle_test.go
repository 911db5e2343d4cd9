// Package bundletest tests the offline classroom bundle end to end: scripts/bundle makes one from
// this checkout's HEAD (with the network), and scripts/setup.sh --from installs from it inside a
// network namespace that has no network at all, into an empty Go module cache and an empty Mini
// state root, as a fresh room VM would.
//
// The host's installed packages are not touched: this machine has every package setup.sh lists
// (scripts/test runs setup.sh first), so setup's apt step finds nothing missing and skips; that
// the bundle's local repository alone can install the whole set on a machine with nothing
// installed is proved by `apt-get --simulate` with an empty dpkg status, offline; a real install
// of two packages removed first runs in a copy-on-write overlay over / in a mount namespace of
// its own. dpkg's view of the bundle's packages on this machine is compared before and after.
package bundletest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestBundleOffline makes a bundle, installs from it with no network, and then builds and tests
// offline; a second run changes nothing; a damaged, cut short or other-release bundle is refused
// with one line naming what is wrong.
func TestBundleOffline(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: scripts/bundle builds the busybox image and setup.sh --from installs as root (run: sudo scripts/test)")
	}
	for _, tool := range []string{"apt-get", "dpkg-query", "unshare", "git", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("needs %s (a Debian or Ubuntu machine; run scripts/setup.sh): %v", tool, err)
		}
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	hostGocache := strings.TrimSpace(mustRun(t, nil, repo, "go", "env", "GOCACHE"))
	dpkgBefore := mustRun(t, nil, "/", "dpkg-query", "-W", "-f=${Package}:${Architecture} ${Version} ${db:Status-Abbrev}\n")

	// The bundle, as a teacher makes it (with the Go toolchain, to check it too). In a room with
	// no network, MINI_BUNDLE names the bundle the room was set up from: it is tested instead,
	// and the whole test runs offline (scripts/test).
	bundle := filepath.Join(tmp, "mini-bundle.tar")
	if given := os.Getenv("MINI_BUNDLE"); given != "" {
		if bundle, err = filepath.Abs(given); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(bundle); err != nil || !fi.Mode().IsRegular() {
			t.Fatalf("MINI_BUNDLE=%s: want the bundle's tar, as scripts/bundle wrote it (%v)", given, err)
		}
		t.Logf("testing MINI_BUNDLE=%s", bundle)
	} else {
		start := time.Now()
		out := mustRun(t, nil, repo, "bash", filepath.Join(repo, "scripts", "bundle"), bundle)
		t.Logf("scripts/bundle took %s: %s", time.Since(start).Round(time.Second), lastLine(out))
	}

	// The room: the tar unpacked as a student would. The course in it is HEAD; its setup scripts
	// are replaced by this tree's, so that the test tests the scripts as they are now.
	room := filepath.Join(tmp, "room")
	mkdir(t, room)
	mustRun(t, nil, room, "tar", "-xf", bundle)
	course := filepath.Join(room, "mini")
	for _, f := range []string{"setup.sh", "setup-from.sh"} {
		data, err := os.ReadFile(filepath.Join(repo, "scripts", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(course, "scripts", f), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The student owns the course (here: nobody), as after `tar -xf` in their home; root builds
	// in it, so setup tells git it is safe, in a system config of the test's own.
	mustRun(t, nil, room, "chown", "-R", "65534:65534", course)
	home := filepath.Join(tmp, "home")
	state := filepath.Join(tmp, "state")
	gitconfig := filepath.Join(tmp, "gitconfig")
	mkdir(t, home)
	env := append(roomEnv(home, state, hostGocache, tmp), "GIT_CONFIG_SYSTEM="+gitconfig)
	setup := filepath.Join(course, "scripts", "setup.sh")

	t.Run("apt installs the whole set from the bundle alone", func(t *testing.T) {
		aptSimulate(t, course, filepath.Join(room, "mini-bundle", "debs"), filepath.Join(tmp, "apt"))
	})

	t.Run("setup --from with no network", func(t *testing.T) {
		stdout, stderr, code := offline(t, env, course, "bash", setup, "--from", bundle)
		if code != 0 {
			t.Fatalf("setup.sh --from %s: exit %d\nstdout:\n%s\nstderr:\n%s", bundle, code, stdout, stderr)
		}
		t.Logf("setup.sh --from:\n%s", stdout)
		for _, want := range []string{"root's Go module cache", "the busybox root filesystem", "the image busybox:latest", "safe.directory", "the lab VM's kernel package"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("setup.sh --from did not say it installed %s:\n%s", want, stdout)
			}
		}
		// Setup changes no file of the course that git tracks (go.mod above all), but for the
		// two scripts the test put there.
		if st := mustRun(t, env, course, "git", "status", "--porcelain", "--untracked-files=no", "--",
			".", ":!scripts/setup.sh", ":!scripts/setup-from.sh"); st != "" {
			t.Errorf("setup.sh --from changed files of the course:\n%s", st)
		}
		if safe, _ := os.ReadFile(gitconfig); !strings.Contains(string(safe), "directory = "+course) {
			t.Errorf("setup.sh --from did not add the course to git's safe.directory (GIT_CONFIG_SYSTEM):\n%s", safe)
		}
		if fi, err := os.Stat(filepath.Join(course, "rootfs", "build", "busybox", "bin", "busybox")); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("no executable rootfs/build/busybox/bin/busybox after setup: %v", err)
		}
		images, stderr, code := offline(t, env, course, filepath.Join(course, "bin", "mini"), "images")
		if code != 0 || !regexp.MustCompile(`(?m)^busybox\s+latest\s`).MatchString(images) {
			t.Errorf("mini images (MINI_ROOT=%s) does not list busybox latest (exit %d):\n%s%s", state, code, images, stderr)
		}
		if _, err := os.Stat(filepath.Join(home, "go", "pkg", "mod", "cache", "download")); err != nil {
			t.Errorf("the empty GOPATH's module cache was not filled: %v", err)
		}
		// The bundle's Go toolchain runs.
		mustRun(t, nil, tmp, "tar", "-xzf", filepath.Join(room, "mini-bundle", "go.tar.gz"))
		goEnv := append(roomEnv(home, state, hostGocache, tmp), "GOROOT=")
		if v := mustRun(t, goEnv, tmp, filepath.Join(tmp, "go", "bin", "go"), "env", "GOVERSION", "GOROOT"); !strings.HasPrefix(v, "go1.") || !strings.Contains(v, filepath.Join(tmp, "go")) {
			t.Errorf("the bundle's go.tar.gz: go env GOVERSION GOROOT says %q", v)
		}
	})

	t.Run("build and test offline", func(t *testing.T) {
		// As a student's go runs (GOPROXY=off only makes a missing module fail at once), and
		// with GOFLAGS=-mod=mod as well, which the issue names, last: it may rewrite go.mod.
		goOffline := append(env, "GOPROXY=off")
		for _, c := range []struct {
			dir   string
			flags string
			args  []string
		}{
			{".", "", []string{"build", "./..."}},
			{".", "", []string{"vet", "./scripts/...", "./lessons/..."}},
			{".", "", []string{"test", "-count=1", "./scripts/testjson"}},
			{filepath.Join("chapters", "00-process"), "", []string{"build", "./..."}},
			{filepath.Join("exercises", "06-images"), "", []string{"vet", "./..."}},
			{".", "-mod=mod", []string{"build", "./..."}},
			{".", "-mod=mod", []string{"test", "-count=1", "./scripts/testjson"}},
		} {
			stdout, stderr, code := offline(t, append(goOffline, "GOFLAGS="+c.flags), filepath.Join(course, c.dir), "go", c.args...)
			if code != 0 {
				t.Errorf("offline, in %s: GOFLAGS=%s go %s: exit %d\n%s%s", c.dir, c.flags, strings.Join(c.args, " "), code, stdout, stderr)
			}
		}
		// The lab VM, from the kernel package setup put in the room's VM cache: the VM lab and
		// the test command's cgroup v2 VM need no network either.
		stdout, stderr, code := offline(t, goOffline, course, "bash", filepath.Join("scripts", "vm", "prepare"))
		if code != 0 || !strings.Contains(stderr+stdout, "prepared ") || strings.Contains(stderr+stdout, "downloading") {
			t.Errorf("offline, scripts/vm/prepare: exit %d, want 0, \"prepared\" and no download\n%s%s", code, stdout, stderr)
		}
	})

	t.Run("a second run changes nothing", func(t *testing.T) {
		dirs := []string{home, course, state, gitconfig}
		before := snapshot(t, dirs...)
		// From the directory this time: the unpacked mini-bundle/.
		stdout, stderr, code := offline(t, env, course, "bash", setup, "--from", filepath.Join(room, "mini-bundle"))
		if code != 0 || !strings.Contains(stdout, "nothing changed") {
			t.Errorf("second setup.sh --from: exit %d, want 0 and \"nothing changed\":\n%s%s", code, stdout, stderr)
		}
		if diff := compare(before, snapshot(t, dirs...)); diff != "" {
			t.Errorf("the second setup.sh --from changed files:\n%s", diff)
		}
	})

	t.Run("Go from the bundle on a machine with none", func(t *testing.T) {
		// A mount namespace of its own with empty tmpfs over /usr/local (no /usr/local/go) and
		// /etc/profile.d: the host's stay as they are, and go is nowhere on PATH.
		script := `mount -t tmpfs tmpfs /usr/local && mount -t tmpfs tmpfs /etc/profile.d &&
if command -v go; then echo "go is still on PATH"; exit 1; fi
bash "$0" --from "$1" && /usr/local/go/bin/go version && cat /etc/profile.d/mini-go.sh`
		noGo := append(env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
		stdout, stderr, code := offline(t, noGo, course, "unshare", "--mount", "--propagation", "private", "--",
			"bash", "-c", script, setup, bundle)
		if code != 0 {
			t.Fatalf("setup.sh --from with no Go: exit %d\n%s%s", code, stdout, stderr)
		}
		for _, want := range []string{"installing Go from the bundle", "installed: Go (go1.", "go version go1.", "/usr/local/go/bin"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("setup.sh --from with no Go did not say %q:\n%s%s", want, stdout, stderr)
			}
		}
	})

	t.Run("apt installs what is missing from the bundle", func(t *testing.T) {
		// A real install, in a copy-on-write view of this machine: a mount namespace where an
		// overlay with a tmpfs upper layer covers /, chrooted into. strace and attr are removed
		// there, and setup must install them from the bundle with no network; the host's own
		// packages never see it.
		script := `set -e
ovl=$0 tmp=$1
mount -t tmpfs tmpfs "$ovl"
mkdir "$ovl/upper" "$ovl/work" "$ovl/root"
m=$ovl/root
mount -t overlay overlay -o "lowerdir=/,upperdir=$ovl/upper,workdir=$ovl/work" "$m"
mount --rbind /dev "$m/dev"
mount -t proc proc "$m/proc"
mkdir -p "$m$tmp" && mount --bind "$tmp" "$m$tmp"
exec chroot "$m" bash -c '
dpkg --remove strace attr >/dev/null
if command -v strace; then echo "strace is still there"; exit 1; fi
cd "$3" && bash "$1" --from "$2"
dpkg-query -W -f="\${Package} \${db:Status-Abbrev}\n" strace attr
strace -V | head -n1' _ "$2" "$3" "$4"`
		ovl := filepath.Join(tmp, "overlay")
		mkdir(t, ovl)
		stdout, stderr, code := offline(t, env, course, "unshare", "--mount", "--propagation", "private", "--",
			"bash", "-c", script, ovl, tmp, setup, bundle, course)
		if code != 0 {
			t.Fatalf("setup.sh --from with strace and attr removed: exit %d\n%s%s", code, stdout, stderr)
		}
		for _, want := range []string{"installing strace attr from the bundle", "installed: 2 packages", "strace ii ", "attr ii ", "strace -- version"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("setup.sh --from with strace and attr removed did not say %q:\n%s%s", want, stdout, stderr)
			}
		}
	})

	t.Run("a bad bundle is refused with one line", func(t *testing.T) {
		badHome, badState := filepath.Join(tmp, "bad-home"), filepath.Join(tmp, "bad-state")
		mkdir(t, badHome)
		badEnv := append(roomEnv(badHome, badState, hostGocache, tmp), "GIT_CONFIG_SYSTEM="+gitconfig)
		refused := func(t *testing.T, from string, want ...string) {
			t.Helper()
			stdout, stderr, code := offline(t, badEnv, course, "bash", setup, "--from", from)
			line := strings.TrimSpace(stderr)
			if code == 0 || strings.Contains(line, "\n") {
				t.Errorf("setup.sh --from %s: exit %d, want an error of one line; stderr:\n%s\nstdout:\n%s", from, code, stderr, stdout)
			}
			for _, w := range want {
				if !strings.Contains(line, w) {
					t.Errorf("setup.sh --from %s: the error %q does not say %q", from, line, w)
				}
			}
			t.Logf("refused: %s", line)
			if entries, _ := os.ReadDir(badHome); len(entries) > 0 {
				t.Errorf("setup.sh --from a bad bundle wrote into HOME: %v", entries)
			}
			if _, err := os.Stat(badState); err == nil {
				t.Errorf("setup.sh --from a bad bundle made the Mini state root %s", badState)
			}
		}

		// One byte flipped in the middle of the saved image.
		flipped := filepath.Join(tmp, "flipped.tar")
		copyFile(t, bundle, flipped)
		const member = "mini-bundle/images/busybox.tar"
		off, size := memberOffset(t, flipped, member)
		flipByte(t, flipped, off+size/2)
		refused(t, flipped, member, "damaged", "sha256")

		// Cut short, as a copy that stopped half way.
		short := filepath.Join(tmp, "short.tar")
		copyFile(t, bundle, short)
		fi, err := os.Stat(short)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(short, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
		refused(t, short, short)

		// The unpacked directory, with one file damaged.
		dir := filepath.Join(room, "mini-bundle")
		packages := filepath.Join(dir, "debs", "Packages")
		flipByte(t, packages, 100)
		refused(t, dir, "debs/Packages", "damaged")
		flipByte(t, packages, 100) // and back

		// Made for another release: a bookworm bundle on jammy, say.
		manifest := filepath.Join(dir, "MANIFEST")
		orig, err := os.ReadFile(manifest)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.WriteFile(manifest, orig, 0o644) })
		other := regexp.MustCompile(`(?m)^# release: .*$`).ReplaceAll(orig, []byte("# release: ubuntu jammy amd64"))
		if err := os.WriteFile(manifest, other, 0o644); err != nil {
			t.Fatal(err)
		}
		refused(t, dir, "made for ubuntu jammy amd64", "this machine is")
	})

	// Setup could only have installed packages of the bundle's repository: those must be as they
	// were. (Other packages may change meanwhile: another job on the machine may run apt.)
	index, err := os.ReadFile(filepath.Join(room, "mini-bundle", "debs", "Packages"))
	if err != nil {
		t.Fatal(err)
	}
	inBundle := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^Package: (\S+)$`).FindAllStringSubmatch(string(index), -1) {
		inBundle[m[1]] = true
	}
	dpkgAfter := mustRun(t, nil, "/", "dpkg-query", "-W", "-f=${Package}:${Architecture} ${Version} ${db:Status-Abbrev}\n")
	if diff := compare(dpkgLines(dpkgBefore, inBundle), dpkgLines(dpkgAfter, inBundle)); diff != "" {
		t.Errorf("packages of the bundle changed on the host during the test:\n%s", diff)
	}
}

// dpkgLines: dpkg-query's lines (package:arch version status) of the packages named in keep.
func dpkgLines(out string, keep map[string]bool) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		pkg, rest, _ := strings.Cut(line, " ")
		if name, _, _ := strings.Cut(pkg, ":"); keep[name] {
			m[pkg] = rest
		}
	}
	return m
}

// aptSimulate: on a machine with nothing installed (an empty dpkg status), apt resolves every
// package setup.sh lists from the bundle's repository alone, with no network.
func aptSimulate(t *testing.T, course, debs, dir string) {
	for _, d := range []string{"lists/partial", "cache/archives/partial"} {
		mkdir(t, filepath.Join(dir, d))
	}
	status := filepath.Join(dir, "status")
	sources := filepath.Join(dir, "sources.list")
	if err := os.WriteFile(status, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sources, []byte("deb [trusted=yes] file:"+debs+" ./\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := []string{"-o", "Dir::Etc::sourcelist=" + sources, "-o", "Dir::Etc::sourceparts=-",
		"-o", "Dir::State::Lists=" + filepath.Join(dir, "lists"), "-o", "Dir::Cache=" + filepath.Join(dir, "cache"),
		"-o", "Dir::State::status=" + status, "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root"}
	packages := strings.Fields(mustRun(t, nil, course, "bash", "scripts/setup.sh", "--print-packages"))
	if len(packages) < 10 {
		t.Fatalf("setup.sh --print-packages listed %d packages: %q", len(packages), packages)
	}
	if stdout, stderr, code := offline(t, nil, dir, "apt-get", append(append([]string{"-q"}, opts...), "update")...); code != 0 {
		t.Fatalf("apt-get update from the bundle's debs/, offline: exit %d\n%s%s", code, stdout, stderr)
	}
	args := append(append([]string{"-q", "--simulate"}, opts...), append([]string{"install", "--no-install-recommends"}, packages...)...)
	stdout, stderr, code := offline(t, nil, dir, "apt-get", args...)
	if code != 0 {
		t.Fatalf("apt-get --simulate install, nothing installed, from the bundle alone: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, p := range packages {
		if !regexp.MustCompile(`(?m)^Inst ` + regexp.QuoteMeta(p) + ` `).MatchString(stdout) {
			t.Errorf("apt-get --simulate would not install %s from the bundle", p)
		}
	}
	t.Logf("apt would install %d packages from the bundle on an empty machine", strings.Count(stdout, "\nInst "))
}

// roomEnv is this process's environment with an empty HOME and GOPATH (so an empty module
// cache), its own Mini state root, the host's build cache (compiled packages, not modules:
// it only saves time) and no sudo user.
func roomEnv(home, state, gocache, tmp string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "HOME", "GOPATH", "GOMODCACHE", "GOFLAGS", "GOPROXY", "GOCACHE", "GOENV", "MINI_ROOT", "TMPDIR", "GIT_CONFIG_SYSTEM", "MINI_VM_CACHE",
			"SUDO_USER", "SUDO_UID", "SUDO_GID", "SUDO_COMMAND":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home, "GOPATH="+filepath.Join(home, "go"), "GOCACHE="+gocache,
		"MINI_ROOT="+state, "TMPDIR="+tmp, "GOTOOLCHAIN=local")
}

// offline runs a command in a new network namespace: only a loopback device, and that one down.
func offline(t *testing.T, env []string, dir, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command("unshare", append([]string{"--net", "--", name}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), exit.ExitCode()
	} else if err != nil {
		t.Fatalf("unshare --net %s: %v", name, err)
	}
	return o.String(), e.String(), 0
}

func mustRun(t *testing.T, env []string, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, o.String(), e.String())
	}
	return o.String() + e.String()
}

// memberOffset is where a tar member's content starts in the file, and its size.
func memberOffset(t *testing.T, path, name string) (int64, int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := &countingReader{r: f}
	tr := tar.NewReader(cr)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no %s in %s: %v", name, path, err)
		}
		if h.Name == name {
			// tar.Reader reads whole 512-byte blocks and nothing ahead: the header's end is here.
			return cr.n, h.Size
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// snapshot records every file's mode, size, modification time and link target under dirs.
func snapshot(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && path == dir {
					return nil
				}
				return err
			}
			if d.IsDir() && strings.HasSuffix(path, filepath.Join(".config", "go", "telemetry")) {
				return fs.SkipDir // the go command's own usage counters, written by every go run
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			v := fmt.Sprintf("%v %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
			if fi.Mode()&fs.ModeSymlink != 0 {
				target, _ := os.Readlink(path)
				v += " -> " + target
			}
			m[path] = v
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func compare(before, after map[string]string) string {
	var diffs []string
	for p, v := range before {
		if w, ok := after[p]; !ok {
			diffs = append(diffs, "removed "+p)
		} else if v != w {
			diffs = append(diffs, fmt.Sprintf("changed %s: %s, now %s", p, v, w))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, "added "+p)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 20 {
		diffs = append(diffs[:20], fmt.Sprintf("… and %d more", len(diffs)-20))
	}
	return strings.Join(diffs, "\n")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
