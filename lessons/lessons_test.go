package main

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/minikit/kit/lessons/internal/progress"
)

func TestListBeforeAnyCheck(t *testing.T) {
	f := newFixture(t)
	r := f.run("", "list")
	r.wantCode(t, 0)
	r.wantOut(t,
		"Mini lessons: 0 of 2 steps done (0%)",
		"00 process · A process of its own",
		"not checked yet",
		"not started  00.1  Greet by name",
		"not started  00.2  Shout the greeting",
		"Next: lessons check 00",
	)
}

func TestCheckOnStubs(t *testing.T) {
	f := newFixture(t)
	r := f.run("", "check") // no chapter: the first one not done
	r.wantCode(t, 1)
	r.wantOut(t,
		"not started  00.1  Greet by name",
		"not started  00.2  Shout the greeting",
		"Chapter 00: 0 of 2 steps done · FAIL",
		"Next: step 00.1 Greet by name",
		"in exercises/00-process/proc/proc.go:16",
		"FAIL TestCh00Step1Greet",
		"proc_test.go:10: Greet: step 00.1: not done yet",
		"Stuck? lessons hint 00.1",
	)
	if strings.Contains(r.stdout, "TestNotAChapter") {
		t.Errorf("check ran a test outside chapter 00:\n%s", r.stdout)
	}
	want := map[string]*progress.Chapter{"00": {Passed: false, Steps: map[string]string{"00.1": "not started", "00.2": "not started"}}}
	got := f.progress().Chapters
	got["00"].Checked = want["00"].Checked
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("progress (-want +got):\n%s", d)
	}
}

func TestCheckNamesTheUnwrittenStepThatCausesAFailure(t *testing.T) {
	f := newFixture(t)
	f.solve("00.2") // Shout calls Greet, which is still a stub
	r := f.run("", "check", "00")
	r.wantCode(t, 1)
	r.wantOut(t,
		"failing      00.2  Shout the greeting  (waits for 00.1)",
		"Next: step 00.1",
	)
}

func TestCheckFollowsTheFirstFailingStep(t *testing.T) {
	f := newFixture(t)
	f.solve("00.1")
	r := f.run("", "check", "00")
	r.wantCode(t, 1)
	r.wantOut(t,
		"done         00.1",
		"not started  00.2",
		"Next: step 00.2 Shout the greeting",
		// The TODO moved up when 00.1's stub lines went away: the report follows it.
		"in exercises/00-process/proc/proc.go:21",
		"Stuck? lessons hint 00.2",
	)
	r = f.run("", "list")
	r.wantOut(t, "1 of 2 steps done (50%)", "1/2  50%  failing", "done         00.1", "not started  00.2")
}

func TestCheckPasses(t *testing.T) {
	f := newFixture(t)
	f.solveAll()
	r := f.run("", "check", "--verbose", "00")
	r.wantCode(t, 0)
	r.wantOut(t,
		"PASS TestCh00Step1Greet",
		"done         00.1",
		"done         00.2",
		"Chapter 00: 2 of 2 steps done · PASS",
		"Compare your code with the reference: lessons solution 00",
		"That was the last chapter",
	)
	if !f.progress().Chapters["00"].Passed {
		t.Error("the progress file does not record the pass")
	}
	f.run("", "list").wantOut(t, "2 of 2 steps done (100%)", "2/2 100%  passed", "Every chapter passes")
}

func TestCheckCompileError(t *testing.T) {
	f := newFixture(t)
	f.edit(procFile, `return "", todo.Step("00.2")`, `return "", todo.Step("00.2"), oops`)
	r := f.run("", "check", "00")
	r.wantCode(t, 1)
	r.wantOut(t,
		"Build failed:",
		"exercises/00-process/proc/proc.go:23:",
		"(the file of step 00.1, 00.2)",
		"failing      00.1  Greet by name  (does not compile)",
		"It does not compile:",
	)
}

func TestCheckMachineNotReady(t *testing.T) {
	f := newFixture(t)
	f.ready = errors.New("run as root (sudo)")
	r := f.run("", "check", "00")
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "the machine is not ready: run as root (sudo)") {
		t.Errorf("stderr does not say the machine is not ready:\n%s", r.stderr)
	}
	if len(f.progress().Chapters) != 0 {
		t.Error("a check that did not run changed the progress")
	}
}

func TestCheckUnknownChapter(t *testing.T) {
	f := newFixture(t)
	r := f.run("", "check", "05")
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "chapter 05 does not exist: the chapters are 00") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

func TestHintsAreProgressive(t *testing.T) {
	f := newFixture(t)
	r := f.run("", "hint", "00.1")
	r.wantCode(t, 0)
	r.wantOut(t, "Step 00.1 Greet by name", "Hint 1 of 3", "put two strings together", "lessons hint 00.1 shows the next hint (2 more)")
	if strings.Contains(r.stdout, "Hint 2") {
		t.Errorf("the first call shows more than one hint:\n%s", r.stdout)
	}
	r = f.run("", "hint", "0.1") // the ID is normalised
	r.wantOut(t, "Hint 1 of 3 (shown before)", "Hint 2 of 3", "Go joins strings with `+`.")
	if strings.Contains(r.stdout, "Hint 3") {
		t.Errorf("the second call shows the third hint:\n%s", r.stdout)
	}
	r = f.run("", "hint", "00.1")
	r.wantOut(t, "Hint 3 of 3", `return "hello, " + name, nil`, "That was the last hint", "lessons solution 00 --peek")
	f.run("", "hint", "00.1").wantOut(t, "Hint 3 of 3") // stays at the last one

	r = f.run("", "hint", "--all", "00.2")
	r.wantOut(t, "Hint 1 of 2", "Hint 2 of 2", "That was the last hint")
	if d := cmp.Diff(map[string]int{"00.1": 3, "00.2": 2}, f.progress().Hints); d != "" {
		t.Errorf("hints in progress (-want +got):\n%s", d)
	}

	r = f.run("", "hint", "00.7")
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "step 00.7 does not exist: chapter 00 has steps 00.1, 00.2") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

func TestSolutionIsLockedUntilTheChapterPasses(t *testing.T) {
	f := newFixture(t)
	r := f.run("", "solution", "00")
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "the solution of chapter 00 is locked until `lessons check 00` passes (it has not been checked yet): add --peek") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	f.run("", "check", "00").wantCode(t, 1)
	r = f.run("", "solution", "00")
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "(its last check failed)") {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	f.solve("00.2")
	r = f.run("", "solution", "00", "--peek") // a flag after the argument works too
	r.wantCode(t, 0)
	want := `--- exercises/00-process/proc/proc.go
+++ solutions/00-process/proc/proc.go
@@ -5,16 +5,13 @@
 
 import (
 	"strings"
-
-	"github.com/minikit/kit/mini/todo"
 )
 
 var _ = strings.ToUpper
 
 // Greet returns the greeting for name.
 func Greet(name string) (string, error) {
-	// TODO(00.1): Return "hello, " followed by the name.
-	return "", todo.Step("00.1")
+	return "hello, " + name, nil
 }
 
 // Shout returns the greeting for name in capitals.

`
	if d := cmp.Diff(want, r.stdout); d != "" {
		t.Errorf("solution --peek (-want +got):\n%s", d)
	}

	f.solve("00.1")
	f.dropTodoImport()
	f.run("", "check", "00").wantCode(t, 0)
	r = f.run("", "solution", "00")
	r.wantCode(t, 0)
	r.wantOut(t, "exercises/00-process/proc/proc.go is the same as the solution.")
}

func TestResetStep(t *testing.T) {
	f := newFixture(t)
	stub := f.read(procFile)
	f.solve("00.1")
	solved := f.read(procFile)
	f.run("", "check", "00")

	r := f.run("n\n", "reset", "00.1")
	r.wantCode(t, 0)
	r.wantOut(t,
		"This resets step 00.1 (a file is restored as a whole, so this also resets 00.2 in the same file)",
		"  exercises/00-process/proc/proc.go\n",
		"Continue? [y/N]",
		"Nothing was changed.",
	)
	if f.read(procFile) != solved {
		t.Fatal("reset changed the file although the answer was no")
	}

	r = f.run("y\n", "reset", "00.1")
	r.wantCode(t, 0)
	r.wantOut(t, "Restored exercises/00-process/proc/proc.go")
	if d := cmp.Diff(stub, f.read(procFile)); d != "" {
		t.Errorf("after reset (-stub +got):\n%s", d)
	}
	if f.progress().Chapters["00"] != nil {
		t.Error("reset kept the chapter's progress, which described the old files")
	}
}

func TestResetChapterWithYes(t *testing.T) {
	f := newFixture(t)
	stub := f.read(procFile)
	f.solve("00.1")
	r := f.run("", "reset", "--yes", "00")
	r.wantCode(t, 0)
	if strings.Contains(r.stdout, "[y/N]") {
		t.Errorf("--yes still asked:\n%s", r.stdout)
	}
	if d := cmp.Diff(stub, f.read(procFile)); d != "" {
		t.Errorf("after reset (-stub +got):\n%s", d)
	}
}

func TestShow(t *testing.T) {
	f := newFixture(t)
	r := f.run("", "show", "00")
	r.wantCode(t, 0)
	r.wantOut(t,
		"A process of its own\n════",
		"This fixture lesson has bold, emphasis, `code` and a link <https://example.org>.",
		"  • `Greet` returns a greeting.",
		"  1. First step.",
		"    func Greet(name string) (string, error) {",
		"Write the steps in exercises/00-process, then run lessons check 00.",
	)
	for _, s := range []string{"```", "<!--", "**", "\x1b["} {
		if strings.Contains(r.stdout, s) {
			t.Errorf("show's plain output contains %q:\n%s", s, r.stdout)
		}
	}
}

// TestShowLang: --lang zh shows the Chinese lesson where there is one, and otherwise says so in
// one line on stderr and shows the English one.
func TestShowLang(t *testing.T) {
	f := newFixture(t)
	r := f.run("", "show", "00", "--lang", "zh")
	r.wantCode(t, 0)
	r.wantOut(t, "A process of its own\n════")
	want := "lessons: chapter 00 has no zh-CN translation yet (lessons/00-process/README.zh-CN.md): showing the English lesson\n"
	if r.stderr != want {
		t.Errorf("stderr %q, want the one line %q", r.stderr, want)
	}

	f.write("lessons/00-process/README.zh-CN.md", "# 自己的进程\n\n这是一个**测试**课程。\n")
	r = f.run("", "show", "--lang", "zh", "00")
	r.wantCode(t, 0)
	r.wantOut(t, "自己的进程", "这是一个测试课程。")
	if strings.Contains(r.stdout, "A process of its own") || r.stderr != "" {
		t.Errorf("--lang zh with a translation: want only the Chinese lesson, got stdout:\n%s\nstderr: %q", r.stdout, r.stderr)
	}
	r = f.run("", "show", "00")
	r.wantCode(t, 0)
	r.wantOut(t, "A process of its own")

	r = f.run("", "show", "00", "--lang", "fr")
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, `unknown --lang "fr": use en or zh`) {
		t.Errorf("--lang fr: want an error naming the languages, got %q", r.stderr)
	}
}

func TestExcerpts(t *testing.T) {
	f := newFixture(t)
	r := f.run("", "excerpts")
	r.wantCode(t, 0)
	r.wantOut(t, "all 1 code excerpts in the lessons match the code")

	f.edit("chapters/00-process/proc/proc.go", `return "hello, " + name, nil`, `return "hi, " + name, nil`)
	r = f.run("", "excerpts")
	r.wantCode(t, 1)
	r.wantOut(t, `FAIL lessons/00-process/README.md:15: chapters/00-process/proc/proc.go: the solution of step 00.1 (mini/proc/proc.go) is not in this file`)

	f.edit("chapters/00-process/proc/proc.go", `return "hi, " + name, nil`, `return "hello, " + name, nil`)
	f.edit("lessons/00-process/README.md", "// your code here", "// write it here")
	r = f.run("", "excerpts")
	r.wantCode(t, 1)
	r.wantOut(t, `FAIL lessons/00-process/README.md:15: chapters/00-process/proc/proc.go: block line 4 "\t// write it here" differs from file line 15 "\t// your code here"`)
}

// TestShowRevealsAnElidedExcerptOnceItsStepPasses: before step 00.1 passes, the lesson shows
// Greet with the student's part elided; after, the whole function.
func TestShowRevealsAnElidedExcerptOnceItsStepPasses(t *testing.T) {
	f := newFixture(t)
	answer := `return "hello, " + name, nil`
	r := f.run("", "show", "00")
	r.wantCode(t, 0)
	r.wantOut(t, "// TODO(00.1): Return \"hello, \" followed by the name.", "// your code here")
	if strings.Contains(r.stdout, answer) {
		t.Errorf("show prints step 00.1's solution before it passes:\n%s", r.stdout)
	}
	f.solve("00.1")
	f.run("", "check", "00").wantCode(t, 1)
	r = f.run("", "show", "00")
	r.wantCode(t, 0)
	r.wantOut(t, "Step 00.1 passes: the reference code in full", answer)
	if strings.Contains(r.stdout, "your code here") {
		t.Errorf("show still elides step 00.1 after it passed:\n%s", r.stdout)
	}
}

// TestCheckOneStep: check NN.S runs that step's tests only and records that step only.
func TestCheckOneStep(t *testing.T) {
	f := newFixture(t)
	f.solve("00.1")
	r := f.run("", "check", "00.1")
	r.wantCode(t, 0)
	r.wantOut(t, "Checking step 00.1 of chapter process", "-run '^TestCh00Step1([^0-9]|$)'", "Step 00.1: done · PASS", "Check the whole chapter: lessons check 00")
	if strings.Contains(r.stdout, "00.2") {
		t.Errorf("check 00.1 judged another step:\n%s", r.stdout)
	}
	got := f.progress().Chapters["00"]
	if got == nil || got.Passed || len(got.Steps) != 1 || got.Steps["00.1"] != "done" {
		t.Errorf("progress after check 00.1 = %+v; want 00.1 done, nothing else, not passed", got)
	}
	r = f.run("", "check", "0.2")
	r.wantCode(t, 1)
	r.wantOut(t, "Step 00.2: not started · FAIL", "Next: step 00.2")
	if got := f.progress().Chapters["00"].Steps; got["00.1"] != "done" || got["00.2"] != "not started" {
		t.Errorf("progress after check 00.2 = %v; want 00.1 kept done", got)
	}
	f.run("", "check", "00.7").wantCode(t, 1)
}

// TestProgressFileIsReadable: the progress file is 0644 (a temporary file starts 0600), so the
// student can read what a `sudo lessons check` wrote.
func TestProgressFileIsReadable(t *testing.T) {
	f := newFixture(t)
	f.run("", "hint", "00.1").wantCode(t, 0)
	st, err := os.Stat(f.path(progress.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("progress file mode %v, want 0644", st.Mode().Perm())
	}
}

// TestProgressBelongsToTheSudoUser: run as root under sudo (SUDO_UID/SUDO_GID), the files the
// tool writes belong to the user who ran sudo, or their next run without sudo loses progress.
func TestProgressBelongsToTheSudoUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: only root can give a file to another user (run the tests with sudo)")
	}
	f := newFixture(t)
	f.env["SUDO_UID"], f.env["SUDO_GID"] = "4242", "4343"
	f.run("", "check", "00").wantCode(t, 1)
	if err := os.Remove(f.path(procFile)); err != nil {
		t.Fatal(err)
	}
	f.run("y\n", "reset", "00").wantCode(t, 0)
	for _, rel := range []string{progress.FileName, procFile} {
		st, err := os.Stat(f.path(rel))
		if err != nil {
			t.Fatal(err)
		}
		sys := st.Sys().(*syscall.Stat_t)
		if sys.Uid != 4242 || sys.Gid != 4343 || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: owner %d:%d mode %v; want 4242:4343 0644", rel, sys.Uid, sys.Gid, st.Mode().Perm())
		}
	}
}

func TestColor(t *testing.T) {
	tests := []struct {
		name  string
		tty   bool
		env   map[string]string
		args  []string
		color bool
	}{
		{"terminal", true, nil, nil, true},
		{"pipe", false, nil, nil, false},
		{"NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, nil, false},
		{"--no-color", true, nil, []string{"--no-color"}, false},
		{"dumb terminal", true, map[string]string{"TERM": "dumb"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.tty = tt.tty
			for k, v := range tt.env {
				f.env[k] = v
			}
			for _, cmd := range [][]string{{"list"}, {"hint", "00.1"}} {
				r := f.run("", append(append([]string{}, tt.args...), cmd...)...)
				r.wantCode(t, 0)
				if got := strings.Contains(r.stdout, "\x1b["); got != tt.color {
					t.Errorf("%s: colour %v, want %v:\n%q", cmd[0], got, tt.color, r.stdout)
				}
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	f := newFixture(t)
	r := f.run("", "completion", "bash")
	r.wantCode(t, 0)
	r.wantOut(t, "complete -o bashdefault -o default -F _lessons_complete lessons")
	f.run("", "completion", "zsh").wantOut(t, "compdef _lessons lessons")
	f.run("", "completion", "fish").wantCode(t, 1)

	r = f.run("", "hint", "--generate-bash-completion")
	r.wantOut(t, "00\n00.1\n00.2\n")
	r = f.run("", "--generate-bash-completion")
	r.wantOut(t, "check\n", "hint\n", "solution\n")
}
