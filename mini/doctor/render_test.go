package doctor

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	rs := []Result{
		{Level: OK, Item: "kernel", Finding: "Linux 6.1.0"},
		{Level: Warning, Item: "ip_forward", Finding: "off", Fix: "Mini turns it on"},
		{Level: Problem, Item: "rootfs", Finding: "not built", Fix: "run rootfs/build.sh"},
	}
	var plain bytes.Buffer
	if err := Render(&plain, rs, false); err != nil {
		t.Fatal(err)
	}
	want := "ok       kernel: Linux 6.1.0\n" +
		"warning  ip_forward: off — Mini turns it on\n" +
		"problem  rootfs: not built — run rootfs/build.sh\n" +
		"\nnot ready: 1 ok, 1 warning, 1 problem\n"
	if plain.String() != want {
		t.Errorf("plain render:\n%s\nwant:\n%s", plain.String(), want)
	}
	var colored bytes.Buffer
	if err := Render(&colored, rs, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colored.String(), "\x1b[") || !strings.Contains(colored.String(), "problem") {
		t.Errorf("colour render has no escape codes or lost the level word:\n%q", colored.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderWriteError(t *testing.T) {
	if err := Render(failingWriter{}, []Result{{Item: "x"}}, false); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Render to a failing writer = %v, want the write error", err)
	}
}

// TestRunOnThisHost runs every check against the real machine. Whatever the host is like, the
// report must have a line for every item and a verdict that agrees with Ready.
func TestRunOnThisHost(t *testing.T) {
	var out bytes.Buffer
	ready := Run(Options{Out: &out, RootfsHint: "rootfs/build.sh"})
	t.Logf("doctor on this host:\n%s", out.String())
	items := []string{"root", "kernel", "namespaces", "cgroups", "cgroup memory", "cgroup cpu", "cgroup pids",
		"overlayfs", "overlay upper", "iptables", "ip_forward", "rootfs", "wsl", "container"}
	lines := strings.Split(out.String(), "\n")
	for _, item := range items {
		found := false
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) >= 2 && (f[0] == "ok" || f[0] == "warning" || f[0] == "problem") &&
				strings.HasPrefix(strings.Join(f[1:], " "), item+":") {
				found = true
			}
		}
		// A host whose cgroup layout cannot be read gets a single "cgroups" line.
		if !found && !(strings.HasPrefix(item, "cgroup ") && strings.Contains(out.String(), "problem  cgroups:")) {
			t.Errorf("no line for %q", item)
		}
	}
	// No rootfs was given, so the host can never be ready.
	if ready || !strings.Contains(out.String(), "not ready:") {
		t.Errorf("Run = %v without a rootfs; want false and a \"not ready\" verdict", ready)
	}
}
