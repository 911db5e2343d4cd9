package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/minikit/kit/lessons/teach"
	"github.com/minikit/kit/scripts/gen/gosrc"
	"github.com/minikit/kit/scripts/gen/kit"
	"github.com/minikit/kit/scripts/verify/steps"
)

// lessonsTeach checks that no lesson and no early hint prints a step's solution before the step
// passes, and that no last hint gives all of it (lessons/teach, docs/lessons-format.md).
func (v *verifier) lessonsTeach() *teach.Course {
	v.heading("lessons and hints: no answer before its step passes")
	c, err := teach.Open(v.repo)
	if err != nil {
		v.fail("lessons: " + err.Error())
		return nil
	}
	leaks, err := c.CheckLessons()
	if err != nil {
		v.fail("lessons: " + err.Error())
		return c
	}
	n := 0
	for _, l := range leaks {
		if v.only >= 0 && !strings.HasPrefix(l.File, fmt.Sprintf("lessons/%02d-", v.only)) {
			continue
		}
		n++
		v.fail(l.String())
	}
	if n == 0 {
		v.pass("the lessons and hints give no answer away")
	}
	return c
}

// hints applies each step's last hint, when it is Go code, to a copy of the chapter in place of
// the step's solution, and runs the chapter's tests there. The step's tests must pass, and so must
// every other test of the chapter: a hint that passes its step but fails a given-code test that
// checks the same code is how a student ends with "3 of 3 steps done · FAIL".
func (v *verifier) hints(c kit.Chapter, course *teach.Course) {
	if course == nil {
		return
	}
	path := filepath.Join(v.repo, "lessons", c.Slug)
	if _, err := os.Stat(filepath.Join(path, "hints.md")); err != nil {
		return
	}
	hints, err := teach.LoadHints(path)
	if err != nil {
		v.fail(fmt.Sprintf("%s: %v", c.Slug, err))
		return
	}
	v.heading(c.Slug + ": the last hints pass their steps' tests")
	for _, s := range course.Steps.InChapter(c.Number) {
		code, ok := teach.LastCode(hints[s.ID])
		if !ok {
			continue
		}
		v.hint(c, s, code)
	}
}

// hint checks the last hint of one step.
func (v *verifier) hint(c kit.Chapter, s *teach.Step, code []string) {
	label := fmt.Sprintf("the last hint of step %s", s.ID)
	tmp, err := os.MkdirTemp("", "verify-hint-")
	if err != nil {
		v.fail(fmt.Sprintf("%s: %v", label, err))
		return
	}
	defer os.RemoveAll(tmp)
	if err := os.CopyFS(tmp, os.DirFS(filepath.Join(v.repo, c.ChapterDir()))); err != nil {
		v.fail(fmt.Sprintf("%s: copy the chapter: %v", label, err))
		return
	}
	file := filepath.Join(tmp, filepath.FromSlash(s.File))
	orig, err := os.ReadFile(file)
	if err != nil {
		v.fail(fmt.Sprintf("%s: %v", label, err))
		return
	}
	src, err := teach.Apply(string(orig), s, code)
	if err == nil && strings.HasSuffix(s.File, ".go") {
		var out []byte
		out, err = gosrc.FixImports(s.File, []byte(src), orig, gosrc.Options{TodoPath: "github.com/minikit/kit/mini/todo"})
		src = string(out)
	}
	if err == nil {
		err = os.WriteFile(file, []byte(src), 0o644)
	}
	if err != nil {
		v.fail(fmt.Sprintf("%s: apply it: %v", label, err))
		return
	}
	env, err := v.e2eEnv(tmp)
	if err != nil {
		v.fail(fmt.Sprintf("%s: %v", label, err))
		return
	}
	prefix, _ := steps.Prefix(s.ID)
	run, err := v.goTestEnv(tmp, env, "-run", "^TestCh"+c.Code(), "./...")
	if err != nil {
		v.fail(fmt.Sprintf("%s: %v", label, err))
		return
	}
	var failed, skipped, passed []string
	for _, t := range run.Tests() {
		if !t.TopLevel() {
			continue
		}
		switch t.Action {
		case "pass":
			if steps.Matches(t.Name, prefix) {
				passed = append(passed, t.Name)
			}
		case "skip":
			skipped = append(skipped, t.Name)
		default:
			failed = append(failed, t.Name)
			v.printOutput(t.Output)
		}
	}
	for _, p := range run.Packages() {
		if p.Action == "fail" && len(failed) == 0 {
			failed = append(failed, "package "+p.Path+" (does the hint's code compile?)")
			v.printOutput(p.Output)
		}
	}
	switch {
	case len(failed) > 0:
		v.fail(fmt.Sprintf("%s, applied to the chapter, fails %s", label, strings.Join(failed, ", ")))
	case len(skipped) > 0 && v.root:
		v.fail(fmt.Sprintf("%s: %s skipped although running as root", label, strings.Join(skipped, ", ")))
	case len(skipped) > 0:
		v.skip(fmt.Sprintf("%s: %s need root", label, strings.Join(skipped, ", ")))
	case len(passed) == 0:
		v.fail(fmt.Sprintf("%s: no test named %s… ran", label, prefix))
	default:
		v.pass(fmt.Sprintf("%s passes %s", label, strings.Join(passed, ", ")))
	}
}

// e2eEnv prepares the black-box tests of a chapter copied out of the repository: they look for the
// repository above their directory to build the engine and the busybox root filesystem, so they
// are given both instead (MINI_E2E_BIN, MINI_E2E_ROOTFS), the engine built from the copy. A
// repository without rootfs/build.sh (the verifier's own fixture) needs neither.
func (v *verifier) e2eEnv(tree string) ([]string, error) {
	script := filepath.Join(v.repo, "rootfs", "build.sh")
	if _, err := os.Stat(script); err != nil {
		return nil, nil
	}
	if _, err := os.Stat(filepath.Join(tree, "cmd", "mini")); err != nil {
		return nil, nil
	}
	if out, err := exec.Command("bash", script).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the busybox rootfs: %v\n%s", err, out)
	}
	bin := filepath.Join(tree, "mini.bin")
	if out, err := v.goCmd(tree, "build", "-o", bin, "github.com/minikit/kit/mini/cmd/mini"); err != nil {
		return nil, fmt.Errorf("build mini with the hint: %v\n%s", err, out)
	}
	// From chapter 07, the monitor's shim, beside mini where the monitor looks for it.
	if _, err := os.Stat(filepath.Join(tree, "cmd", "mini-shim")); err == nil {
		if out, err := v.goCmd(tree, "build", "-o", filepath.Join(tree, "mini-shim"), "github.com/minikit/kit/mini/cmd/mini-shim"); err != nil {
			return nil, fmt.Errorf("build mini-shim with the hint: %v\n%s", err, out)
		}
	}
	return []string{"MINI_E2E_BIN=" + bin, "MINI_E2E_ROOTFS=" + filepath.Join(v.repo, "rootfs", "build", "busybox")}, nil
}
