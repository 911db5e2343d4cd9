package explain

import (
	"strings"
	"testing"
)

func TestCh00NarratorPlainText(t *testing.T) {
	var b strings.Builder
	n := New(&b, false)
	n.Step(Mount, Sh("mount -t proc proc /x/proc"), "mount proc on /x/proc")
	n.Stepf(Cgroup, Sh("echo 1 > f\nrmdir g"), "write %d", 1)
	want := "mount     mount proc on /x/proc\n" +
		"            $ mount -t proc proc /x/proc\n" +
		"cgroup    write 1\n" +
		"            $ echo 1 > f\n" +
		"            $ rmdir g\n"
	if b.String() != want {
		t.Errorf("narration:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestCh00NarratorColourAndSilence(t *testing.T) {
	var b strings.Builder
	New(&b, true).Step(Process, Sh("y"), "x")
	if !strings.Contains(b.String(), "\x1b[") {
		t.Errorf("want colour codes, got %q", b.String())
	}
	var nilN *Narrator
	nilN.Step(Process, Sh("y"), "x") // must not panic
	if nilN.Enabled() {
		t.Error("a nil narrator is not enabled")
	}
}
