package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenCommand runs the command on a fixture: --check fails listing paths until the trees are
// written, then passes.
func TestGenCommand(t *testing.T) {
	repo := t.TempDir()
	write(t, filepath.Join(repo, "go.mod"), "module github.com/minikit/kit\n\ngo 1.26.0\n")
	write(t, filepath.Join(repo, "mini", "todo", "todo.go"), "package todo\n")
	write(t, filepath.Join(repo, "mini", "a", "a.go"), "//mini:chapter 01\npackage a\n")

	var stdout, stderr bytes.Buffer
	if code := run([]string{"--repo", repo, "--check"}, &stdout, &stderr); code != 1 {
		t.Fatalf("--check on an empty checkout exited %d, want 1\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "missing chapters/01-chroot/a/a.go") {
		t.Errorf("--check output does not list the missing file:\n%s", stdout.String())
	}
	if code := run([]string{"--repo", repo}, &stdout, &stderr); code != 0 {
		t.Fatalf("gen exited %d\n%s", code, stderr.String())
	}
	stdout.Reset()
	if code := run([]string{"--repo", repo, "--check"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--check after gen exited %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if want := "gen: chapters 00..01 are up to date\n"; stdout.String() != want {
		t.Errorf("--check printed %q, want %q", stdout.String(), want)
	}
}

func TestGenCommandMalformed(t *testing.T) {
	repo := t.TempDir()
	write(t, filepath.Join(repo, "go.mod"), "module github.com/minikit/kit\n")
	write(t, filepath.Join(repo, "mini", "a.go"), "package a\n//mini:begin 01\n")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--repo", repo, "--check"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if want := "gen: mini/a.go:2: mini:begin 01 is never closed (want mini:end 01)\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
