package kit

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the fixture repository")

// fixture is the tiny fake repository the tests generate from: chapters 00 to 02, Go files with
// steps in functions and methods, a script, YAML and JSON.
const fixture = "../testdata/repo"

// TestGenGolden compares every generated file of the fixture with testdata/golden.
func TestGenGolden(t *testing.T) {
	out, err := Generate(fixture)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for p, f := range out.Files {
		got[p] = string(f.Data)
	}
	golden := filepath.Join("..", "testdata", "golden")
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		writeTree(t, golden, got)
	}
	if diff := cmp.Diff(readTree(t, golden), got); diff != "" {
		t.Errorf("generated files differ from testdata/golden (-want +got; go test -run TestGenGolden -update rewrites it):\n%s", diff)
	}
	if !out.Files["chapters/01-chroot/run.sh"].Exec {
		t.Errorf("run.sh lost its executable bit")
	}
	var slugs []string
	for _, c := range out.Chapters {
		slugs = append(slugs, c.Slug)
	}
	if diff := cmp.Diff([]string{"00-process", "01-chroot", "02-namespaces"}, slugs); diff != "" {
		t.Errorf("chapters (-want +got):\n%s", diff)
	}
}

// TestGenSteps checks that steps.json points at the TODO line of each step, in step order.
func TestGenSteps(t *testing.T) {
	repo := copyFixture(t)
	out, err := Generate(repo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Write(repo); err != nil {
		t.Fatal(err)
	}
	steps, err := ReadSteps(filepath.Join(repo, "exercises", "01-chroot"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"01.1 greet/greet.go", "01.2 limit/limit.go"}
	var got []string
	for _, s := range steps {
		got = append(got, s.ID+" "+s.File)
		data, err := os.ReadFile(filepath.Join(repo, "exercises", "01-chroot", s.File))
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Split(string(data), "\n")[s.Line-1]
		if !strings.Contains(line, "// TODO("+s.ID+"): "+s.Title) {
			t.Errorf("step %s: line %d is %q, want its TODO comment", s.ID, s.Line, line)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
}

// TestGenCheck changes generated trees behind the generator's back and expects Diff to name
// every change, Write to repair it, and neither to touch a file outside the generated trees.
func TestGenCheck(t *testing.T) {
	repo := copyFixture(t)
	out, err := Generate(repo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Write(repo); err != nil {
		t.Fatal(err)
	}
	if changes, err := out.Diff(repo); err != nil || len(changes) != 0 {
		t.Fatalf("Diff right after Write = %v, %v; want nothing", changes, err)
	}

	mustWrite(t, filepath.Join(repo, "chapters/00-process/greet/greet.go"), "package greet\n")
	mustWrite(t, filepath.Join(repo, "chapters/01-chroot/limit/old.go"), "package limit\n")
	mustWrite(t, filepath.Join(repo, "solutions/05-network/net/net.go"), "package net\n")
	mustWrite(t, filepath.Join(repo, "chapters/README.md"), "not generated\n")
	mustWrite(t, filepath.Join(repo, "exercises/notes/a.txt"), "not generated\n")
	if err := os.Remove(filepath.Join(repo, "exercises/02-namespaces/steps.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(repo, "chapters/02-namespaces/run.sh"), 0o644); err != nil {
		t.Fatal(err)
	}

	want := []string{
		"stale   chapters/00-process/greet/greet.go",
		"extra   chapters/01-chroot/limit/old.go",
		"stale   chapters/02-namespaces/run.sh",
		"missing exercises/02-namespaces/steps.json",
		"extra   solutions/05-network/net/net.go",
	}
	changes, err := out.Diff(repo)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, changeStrings(changes)); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}
	if _, err := out.Write(repo); err != nil {
		t.Fatal(err)
	}
	if changes, err := out.Diff(repo); err != nil || len(changes) != 0 {
		t.Errorf("Diff after repairing Write = %v, %v; want nothing", changes, err)
	}
	if _, err := os.Stat(filepath.Join(repo, "solutions/05-network")); !os.IsNotExist(err) {
		t.Errorf("the stale tree solutions/05-network is still there (%v)", err)
	}
	for _, keep := range []string{"chapters/README.md", "exercises/notes/a.txt"} {
		if _, err := os.Stat(filepath.Join(repo, keep)); err != nil {
			t.Errorf("a file outside the generated trees was touched: %v", err)
		}
	}
}

func TestGenFindRepo(t *testing.T) {
	repo := copyFixture(t)
	got, err := FindRepo(filepath.Join(repo, "mini", "greet"))
	if err != nil || got != repo {
		t.Errorf("FindRepo = %q, %v; want %q", got, err, repo)
	}
	if _, err := FindRepo(t.TempDir()); err == nil {
		t.Errorf("FindRepo outside any repository succeeded")
	}
}

// copyFixture copies the fixture repository into a temporary directory, modes included.
func copyFixture(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(fixture, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(fixture, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		mustWrite(t, filepath.Join(dir, filepath.FromSlash(p)), data)
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func changeStrings(changes []Change) []string {
	var s []string
	for _, c := range changes {
		s = append(s, c.String())
	}
	return s
}
