//mini:chapter 07

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `mini ui` in a real browser: two containers with different limits, one on a bridge with a
// published port and one with no network; headless Chromium renders the page, and the rendered
// DOM must show both containers, the memory limits the kernel holds (read here from the cgroup
// files), their namespaces' inode numbers, their layers and the bridge. MINI_UI_SCREENSHOT=FILE
// keeps the screenshot (1600×1000, a projector's proportions) for a person to look at.
func TestCh07UIInABrowser(t *testing.T) {
	e := engineEnv(t)
	chromium := chromiumPath(t)
	port := uiFreePort(t)
	bridge, subnet := "minitest7ui", "10.201.7.0/24"

	expectOK := func(r result) string {
		t.Helper()
		if r.Status != 0 {
			t.Fatalf("want status 0, got:\n%s", r)
		}
		return strings.TrimSpace(r.Stdout)
	}
	idA := expectOK(e.mini("run", "-d", "--name", "a", "-m", "64m", "busybox", "sleep", "1000"))
	idB := expectOK(e.mini("run", "-d", "--name", "b", "-m", "32m", "--pids-limit", "20", "--cpus", "0.5",
		"--network", "bridge", "--bridge", bridge, "--subnet", subnet, "-p", fmt.Sprintf("127.0.0.1:%d:80", port),
		"busybox", "sh", "-c", "rm /bin/vi; echo hi > /hello; exec sleep 1000"))
	// b deletes a file of its image: a whiteout in its upper layer, once the shell got there.
	eventually(t, "the whiteout of /bin/vi in b's upper layer", func() bool {
		var st syscall.Stat_t
		return syscall.Lstat(filepath.Join(e.root, "containers", idB, "upper", "bin", "vi"), &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFCHR
	})

	// What the kernel says, read by the test itself.
	type truth struct{ id, name, memMax, netns, upper string }
	kernel := map[string]truth{}
	for _, c := range []struct{ id, name string }{{idA, "a"}, {idB, "b"}} {
		pid := e.field(c.name, "{{.State.PID}}")
		link, err := os.Readlink("/proc/" + pid + "/ns/net")
		if err != nil {
			t.Fatal(err)
		}
		kernel[c.name] = truth{id: c.id, name: c.name, memMax: cgroupMemoryMax(t, e.parent, c.id),
			netns: strings.Trim(strings.TrimPrefix(link, "net:"), "[]"), upper: filepath.Join(e.root, "containers", c.id, "upper")}
	}
	if kernel["a"].memMax != strconv.Itoa(64<<20) || kernel["b"].memMax != strconv.Itoa(32<<20) {
		t.Fatalf("the cgroups do not hold the limits asked for: a %s, b %s", kernel["a"].memMax, kernel["b"].memMax)
	}

	uiPort := uiFreePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d/", uiPort)
	startUI(t, e, fmt.Sprintf("127.0.0.1:%d", uiPort))

	// The JSON the page polls agrees with the kernel.
	var snap struct {
		Containers []struct {
			ID, Name string
			Cgroup   struct{ MemoryMax int64 }
			Layers   struct {
				Lower     []struct{ Path string }
				Upper     struct{ Path string }
				Whiteouts int
			}
			Network struct{ Mode, Bridge, IP string }
		}
		Bridges []struct{ Name string }
	}
	uiGetJSON(t, url+"api/snapshot", &snap)
	if len(snap.Containers) != 2 || len(snap.Bridges) != 1 || snap.Bridges[0].Name != bridge {
		t.Fatalf("snapshot: want 2 containers and bridge %s, got %+v", bridge, snap)
	}
	for _, c := range snap.Containers {
		k := kernel[c.Name]
		if c.ID != k.id || strconv.FormatInt(c.Cgroup.MemoryMax, 10) != k.memMax || c.Layers.Upper.Path != k.upper || len(c.Layers.Lower) != 1 {
			t.Errorf("snapshot of %s: %+v; the kernel says %+v", c.Name, c, k)
		}
	}

	dom := runChromium(t, chromium, "--dump-dom", url)
	for _, k := range kernel {
		card := regexp.MustCompile(`<article class="card[^"]*" data-id="` + k.id + `" data-name="` + k.name + `" data-memory-max="(\d+)"`).FindStringSubmatch(dom)
		if card == nil {
			t.Errorf("the page shows no card for container %s (%s)", k.name, k.id)
			continue
		}
		if card[1] != k.memMax {
			t.Errorf("container %s: the page says memory max %s, the cgroup says %s", k.name, card[1], k.memMax)
		}
		for what, s := range map[string]string{"its net namespace's inode": k.netns, "its upper layer": k.upper} {
			if !strings.Contains(dom, s) {
				t.Errorf("container %s: the page does not show %s (%s)", k.name, what, s)
			}
		}
	}
	for what, s := range map[string]string{
		"a's limit":            `<span class="mem-limit">64 MiB</span>`,
		"b's limit":            `<span class="mem-limit">32 MiB</span>`,
		"b's pids limit":       `<span class="pids-limit">20</span>`,
		"the lower layers":     `<div class="layer lower">`,
		"b's whiteout":         `<b class="whiteouts">1 whiteouts</b>`,
		"the bridge":           `data-bridge="` + bridge + `"`,
		"the gateway":          "bridge " + bridge + "  10.201.7.1/24",
		"the published port":   fmt.Sprintf("published -p 127.0.0.1:%d:80", port),
		"that it is read-only": "READ-ONLY",
	} {
		if !strings.Contains(dom, s) {
			t.Errorf("the page does not show %s (%q)", what, s)
		}
	}

	shot := filepath.Join(t.TempDir(), "mini-ui.png")
	runChromium(t, chromium, "--screenshot="+shot, "--window-size=1600,1000", url)
	st, err := os.Stat(shot)
	if err != nil || st.Size() < 20000 {
		t.Fatalf("no screenshot, or an empty one: %v", err)
	}
	if keep := os.Getenv("MINI_UI_SCREENSHOT"); keep != "" {
		data, _ := os.ReadFile(shot)
		if err := os.WriteFile(keep, data, 0o644); err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.Logf("the rendered page:\n%s", dom)
	}
}

// chromiumPath finds Debian's chromium, or skips saying how to get it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("needs chromium for the browser test: run scripts/setup.sh (apt-get install chromium)")
	return ""
}

// uiFreePort returns a loopback TCP port that nothing listens on now.
func uiFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// cgroupMemoryMax reads the memory limit of container id's group from the cgroup filesystem.
func cgroupMemoryMax(t *testing.T, parent, id string) string {
	t.Helper()
	for _, p := range []string{
		filepath.Join("/sys/fs/cgroup/memory", parent, id, "memory.limit_in_bytes"), // v1
		filepath.Join("/sys/fs/cgroup", parent, id, "memory.max"),                   // v2
	} {
		if data, err := os.ReadFile(p); err == nil {
			return strings.TrimSpace(string(data))
		}
	}
	t.Fatalf("no memory limit file for container %s under the cgroup parent %s", id, parent)
	return ""
}

// startUI runs `mini ui` until the test ends, and waits until it answers.
func startUI(t *testing.T, e *env, listen string) {
	t.Helper()
	cmd := e.command(context.Background(), "ui", "--listen", listen)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM is how a teacher's Ctrl-C ends it too: it shuts down and exits 0.
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("mini ui did not end cleanly on SIGTERM: %v\n%s", err, stderr.String())
		}
	})
	eventually(t, "mini ui to answer on "+listen, func() bool {
		r, err := http.Get("http://" + listen + "/api/snapshot")
		if err == nil {
			r.Body.Close()
		}
		return err == nil && r.StatusCode == 200
	})
}

func uiGetJSON(t *testing.T, url string, v any) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// runChromium runs headless Chromium on url with a private profile and returns its stdout. The
// virtual-time budget lets the page poll a few times before the DOM is dumped or the screenshot
// taken.
func runChromium(t *testing.T, chromium string, args ...string) string {
	t.Helper()
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	all := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir=" + filepath.Join(home, "profile"), "--virtual-time-budget=5000"}, args...)
	cmd := exec.CommandContext(ctx, chromium, all...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_CACHE_HOME="+home)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}
