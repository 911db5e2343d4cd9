package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minikit/kit/lessons/internal/app"
	"github.com/minikit/kit/lessons/internal/progress"
)

// fixture is a copy of testdata/repo, committed to a fresh git repository so that reset can
// restore from HEAD.
type fixture struct {
	t     *testing.T
	root  string
	env   map[string]string // what Getenv sees; nothing from the real environment
	tty   bool              // whether stdout claims to be a terminal
	ready error             // what the machine check returns
}

// result is one run of the lessons command.
type result struct {
	code           int
	stdout, stderr string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS("testdata/repo")); err != nil {
		t.Fatalf("copy the fixture: %v", err)
	}
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "fixture")
	return &fixture{t: t, root: root, env: map[string]string{}}
}

// run runs `lessons --repo <fixture> args...` with stdin.
func (f *fixture) run(stdin string, args ...string) result {
	f.t.Helper()
	var stdout, stderr bytes.Buffer
	code := app.Run(context.Background(), app.Options{
		Args:       append([]string{"lessons", "--repo", f.root}, args...),
		Stdin:      strings.NewReader(stdin),
		Stdout:     &stdout,
		Stderr:     &stderr,
		Getenv:     func(k string) string { return f.env[k] },
		IsTerminal: func(io.Writer) bool { return f.tty },
		Machine:    func() error { return f.ready },
		Self:       "lessons",
	})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// path is a file of the fixture.
func (f *fixture) path(rel string) string { return filepath.Join(f.root, filepath.FromSlash(rel)) }

func (f *fixture) read(rel string) string {
	f.t.Helper()
	data, err := os.ReadFile(f.path(rel))
	if err != nil {
		f.t.Fatal(err)
	}
	return string(data)
}

func (f *fixture) write(rel, text string) {
	f.t.Helper()
	if err := os.WriteFile(f.path(rel), []byte(text), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// edit replaces old with new in a fixture file; old must be there.
func (f *fixture) edit(rel, old, new string) {
	f.t.Helper()
	text := f.read(rel)
	if !strings.Contains(text, old) {
		f.t.Fatalf("%s does not contain %q", rel, old)
	}
	f.write(rel, strings.Replace(text, old, new, 1))
}

// solve writes the solution of a step into the exercise.
func (f *fixture) solve(step string) {
	f.t.Helper()
	switch step {
	case "00.1":
		f.edit(procFile, "// TODO(00.1): Return \"hello, \" followed by the name.\n\treturn \"\", todo.Step(\"00.1\")", "return \"hello, \" + name, nil")
	case "00.2":
		f.edit(procFile, "// TODO(00.2): Greet the name, then turn the greeting into capitals.\n\treturn \"\", todo.Step(\"00.2\")",
			"g, err := Greet(name)\n\tif err != nil {\n\t\treturn \"\", err\n\t}\n\treturn strings.ToUpper(g), nil")
	default:
		f.t.Fatalf("no solution for step %s", step)
	}
}

// solveAll writes every step, and then drops the import of todo, which nothing uses any more.
func (f *fixture) solveAll() {
	f.t.Helper()
	f.solve("00.1")
	f.solve("00.2")
	f.dropTodoImport()
}

func (f *fixture) dropTodoImport() {
	f.t.Helper()
	f.edit(procFile, "\n\t\"github.com/minikit/kit/mini/todo\"\n", "")
}

func (f *fixture) progress() *progress.Progress {
	f.t.Helper()
	data, err := os.ReadFile(f.path(progress.FileName))
	if errors.Is(err, os.ErrNotExist) {
		return &progress.Progress{}
	}
	if err != nil {
		f.t.Fatal(err)
	}
	var p progress.Progress
	if err := json.Unmarshal(data, &p); err != nil {
		f.t.Fatalf("the progress file is not JSON: %v", err)
	}
	return &p
}

const procFile = "exercises/00-process/proc/proc.go"

// wantCode fails the test unless r exited with code.
func (r result) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// wantOut fails the test unless stdout contains every one of the strings.
func (r result) wantOut(t *testing.T, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout does not contain %q:\n%s", s, r.stdout)
		}
	}
}
