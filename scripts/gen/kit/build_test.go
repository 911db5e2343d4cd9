package kit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenTreesBuild writes the fixture's trees and runs the go tool on them as a student would:
// every chapter and exercise builds and passes vet after import pruning, every chapter's tests
// pass, and each exercise's tests fail.
func TestGenTreesBuild(t *testing.T) {
	repo := copyFixture(t)
	out, err := Generate(repo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Write(repo); err != nil {
		t.Fatal(err)
	}
	for _, c := range out.Chapters {
		for _, dir := range []string{c.ChapterDir(), c.ExerciseDir()} {
			goTool(t, filepath.Join(repo, dir), true, "build", "./...")
			goTool(t, filepath.Join(repo, dir), true, "vet", "./...")
		}
		goTool(t, filepath.Join(repo, c.ChapterDir()), true, "test", "-count=1", "./...")
		goTool(t, filepath.Join(repo, c.ExerciseDir()), false, "test", "-count=1", "-run", "^TestCh"+c.Code()+"Step", "./...")
	}
}

// goTool runs the go command in dir and fails the test unless it succeeds (or, with ok false,
// fails).
func goTool(t *testing.T, dir string, ok bool, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	outb, err := cmd.CombinedOutput()
	if (err == nil) != ok {
		rel := filepath.Base(filepath.Dir(dir)) + "/" + filepath.Base(dir)
		t.Errorf("go %s in %s: err = %v, want success %v\n%s", strings.Join(args, " "), rel, err, ok, outb)
	}
}
