package app

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/minikit/kit/lessons/internal/check"
	"github.com/minikit/kit/lessons/internal/course"
	"github.com/minikit/kit/lessons/internal/gotest"
)

// maxOutput is how many lines of a failing test's output the report shows.
const maxOutput = 15

// report prints what a check found: the build, every step, the chapter's other tests, and then
// where to go next.
func (s *session) report(rep *check.Report) {
	exDir := s.course.Rel(rep.Dir)
	if rep.BuildFailed {
		s.printf("%s\n", s.st.Fail.Sprint("Build failed:"))
		s.compileErrors(exDir, rep.Compile, rep)
		if len(rep.Compile) == 0 {
			s.printf("%s\n", indent(rep.BuildOutput, "  ", maxOutput))
		}
		s.printf("\n")
	}
	done := 0
	for _, st := range rep.Steps {
		if st.Status == check.Done {
			done++
		}
		s.printf("  %s  %s  %s%s\n", s.statusWord(string(st.Status)), st.Step.ID, st.Step.Title, s.st.Faint.Sprint(stepNote(st)))
	}
	s.otherTests(rep)
	s.failedPackages(rep)

	verdict := s.st.Fail.Sprint("FAIL")
	if rep.Passed {
		verdict = s.st.Pass.Sprint("PASS")
	}
	took := s.st.Faint.Sprintf("(%.1fs)", rep.Elapsed.Seconds())
	switch {
	case rep.Step != "":
		s.printf("\nStep %s: %s · %s %s\n", rep.Step, rep.Steps[0].Status, verdict, took)
	case done == len(rep.Steps) && !rep.Passed:
		// Every step is done, so what fails is given code or the build: say so rather than
		// "3 of 3 steps done · FAIL", which reads like a contradiction.
		s.printf("\nChapter %s: all %d steps done, but other tests of the chapter fail · %s %s\n", rep.Chapter.Num, done, verdict, took)
	default:
		s.printf("\nChapter %s: %d of %d steps done · %s %s\n", rep.Chapter.Num, done, len(rep.Steps), verdict, took)
	}

	switch next := rep.FirstUnfinished(); {
	case rep.Passed && rep.Step != "":
		s.printf("Step %s passes. Check the whole chapter: %s\n", rep.Step, s.cmd("check "+rep.Chapter.Num))
	case rep.Passed:
		s.passed(rep)
	case next != nil:
		s.nextStep(exDir, rep, next)
	default:
		s.printf("Every step's tests pass, but the chapter does not: the tests above check code the chapter gives you (or the build); your steps may have changed it. Fix what is shown above.\n")
	}
}

func stepNote(st check.StepResult) string {
	switch {
	case len(st.Compile) > 0:
		return "  (does not compile)"
	case st.NotRun:
		return "  (its tests did not run)"
	case len(st.BlockedBy) > 0:
		return "  (waits for " + strings.Join(st.BlockedBy, ", ") + ")"
	}
	return ""
}

func (s *session) compileErrors(exDir string, errs []gotest.CompileError, rep *check.Report) {
	for _, e := range errs {
		e.File = path.Join(exDir, e.File)
		var owners []string
		for _, st := range rep.Steps {
			if path.Join(exDir, st.Step.File) == e.File {
				owners = append(owners, st.Step.ID)
			}
		}
		note := ""
		if len(owners) > 0 {
			note = s.st.Faint.Sprint("  (the file of step " + strings.Join(owners, ", ") + ")")
		}
		s.printf("  %s%s\n", e, note)
	}
}

// otherTests lists the chapter's tests that belong to no step, when any of them failed.
func (s *session) otherTests(rep *check.Report) {
	anyFailed := false
	for _, t := range rep.Other {
		anyFailed = anyFailed || t.Action == "fail"
	}
	if !anyFailed {
		return
	}
	s.printf("\nChapter tests (not part of a step):\n")
	for _, t := range rep.Other {
		// A test that fails on an unwritten step's todo error says nothing new: name the step.
		if waits := gotest.StepsNamed(t.Output); t.Action == "fail" && len(waits) > 0 {
			s.printf("  %s %s%s\n", s.verdict(t.Action), t.Name, s.st.Faint.Sprint("  (waits for "+strings.Join(waits, ", ")+")"))
			continue
		}
		s.printf("  %s %s\n", s.verdict(t.Action), t.Name)
		if t.Action == "fail" {
			s.printf("%s\n", indent(testOutput(t.Output), "      ", maxOutput))
		}
	}
}

// failedPackages shows packages that failed outside any test (vet errors, a crash, a TestMain).
// When the build already failed, that is the reason and was shown.
func (s *session) failedPackages(rep *check.Report) {
	if rep.BuildFailed {
		return
	}
	for _, pkg := range slices.Sorted(maps.Keys(rep.FailedPackages)) {
		name := pkg
		if name == "" {
			name = "go test"
		}
		s.printf("\n%s %s\n", s.st.Fail.Sprint("FAIL"), name+" failed outside any test:")
		s.printf("%s\n", indent(rep.FailedPackages[pkg], "  ", maxOutput))
	}
}

func (s *session) nextStep(exDir string, rep *check.Report, next *check.StepResult) {
	file := path.Join(exDir, next.Step.File)
	s.printf("\n%s %s %s\n", s.st.Title.Sprint("Next: step"), s.st.Title.Sprint(next.Step.ID), next.Step.Title)
	s.printf("  in %s\n", s.st.Accent.Sprintf("%s:%d", file, s.todoLine(file, next.Step)))
	switch {
	case len(next.Compile) > 0:
		s.printf("  It does not compile:\n")
		for _, e := range next.Compile {
			e.File = path.Join(exDir, e.File)
			s.printf("      %s\n", e)
		}
	case next.NotRun:
		s.printf("  Its tests did not run, because the exercise does not build or a test crashed: fix what is shown above.\n")
	}
	// The first failure's output says the most; the others are named.
	for i, t := range next.FailedTests() {
		s.printf("  %s %s\n", s.verdict("fail"), t.Name)
		if i == 0 {
			s.printf("%s\n", indent(testOutput(t.Output), "      ", maxOutput))
		}
	}
	for _, id := range next.BlockedBy {
		s.printf("  %s\n", s.st.Todo.Sprintf("This failure is caused by step %s, which is not written yet: write step %s first.", id, id))
	}
	s.printf("  Stuck? %s\n", s.cmd("hint "+next.Step.ID))
}

func (s *session) passed(rep *check.Report) {
	s.printf("Chapter %s passes. Compare your code with the reference: %s\n", rep.Chapter.Num, s.cmd("solution "+rep.Chapter.Num))
	chapters, err := s.course.Chapters()
	if err != nil {
		return
	}
	for _, ch := range chapters {
		if ch.Num > rep.Chapter.Num {
			s.printf("On to chapter %s: %s, then %s\n", ch.Num, s.cmd("show "+ch.Num), s.cmd("check "+ch.Num))
			return
		}
	}
	s.printf("That was the last chapter: you have built a container engine.\n")
}

// todoLine is the line of the step's TODO comment in the student's file as it is now, or the line
// steps.json recorded if the comment is gone.
func (s *session) todoLine(file string, step course.Step) int {
	data, err := os.ReadFile(filepath.Join(s.course.Root, filepath.FromSlash(file)))
	if err == nil {
		marker := "TODO(" + step.ID + ")"
		for i, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, marker) {
				return i + 1
			}
		}
	}
	return step.Line
}

func (s *session) verdict(action string) string {
	switch action {
	case "pass":
		return s.st.Pass.Sprint("PASS")
	case "skip":
		return s.st.Todo.Sprint("SKIP")
	}
	return s.st.Fail.Sprint("FAIL")
}

// testOutput drops the lines the testing package adds around a test's own output.
func testOutput(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- FAIL") || strings.HasPrefix(t, "--- PASS") {
			continue
		}
		keep = append(keep, strings.TrimRight(line, " \t"))
	}
	return strings.Join(keep, "\n")
}

// indent removes the lines' common indentation, prefixes every non-empty line, and keeps at most
// max lines, saying how many it dropped.
func indent(text, prefix string, max int) string {
	var lines []string
	common := -1
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		lines = append(lines, l)
		if n := len(l) - len(strings.TrimLeft(l, " \t")); common < 0 || n < common {
			common = n
		}
	}
	var out []string
	for _, l := range lines {
		out = append(out, prefix+l[common:])
	}
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("%s... (%d more lines)", prefix, len(out)-max))
	}
	return strings.Join(out, "\n")
}
