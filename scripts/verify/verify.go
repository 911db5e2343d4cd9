package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/minikit/kit/scripts/gen/kit"
	"github.com/minikit/kit/scripts/testjson"
	"github.com/minikit/kit/scripts/verify/steps"
)

// verifier runs the checks in order and keeps the tally.
type verifier struct {
	repo    string
	only    int // the one chapter to verify, or -1 for all
	noTests bool
	run     string // a go test -run pattern limiting the chapter tests, or "" for all
	root    bool   // as root, a skipped test is a failure
	out     io.Writer
	errOut  io.Writer

	passed, skipped int
	failures        []string // one line per failed check, repeated in the summary
	rootSkips       int      // tests skipped because this run is not root
}

// verify runs every check. Stale trees stop it: testing them would test the wrong code.
func (v *verifier) verify() {
	out, ok := v.fresh()
	if !ok {
		fmt.Fprintln(v.out, "  the remaining checks were not run: regenerate first (go run ./scripts/gen)")
		return
	}
	course := v.lessonsTeach()
	found := false
	for _, c := range out.Chapters {
		if v.only >= 0 && c.Number != v.only {
			continue
		}
		found = true
		var chapter *testjson.Run
		if v.noTests {
			// go test would have built the chapter; without it, build and vet it here.
			v.heading(c.ChapterDir() + ": build and vet")
			v.buildAndVet(c.ChapterDir())
		} else {
			chapter = v.chapterTests(c)
		}
		v.exercise(c, chapter)
		if !v.noTests {
			v.hints(c, course)
		}
	}
	if !found {
		v.fail(fmt.Sprintf("there is no chapter %02d (the last one is %s)", v.only, out.Chapters[len(out.Chapters)-1].Code()))
	}
}

// fresh is step 1: the committed trees are what the generator makes of mini/ now.
func (v *verifier) fresh() (*kit.Output, bool) {
	v.heading("generated trees")
	out, err := kit.Generate(v.repo)
	if err != nil {
		v.fail("generate: " + err.Error())
		return nil, false
	}
	changes, err := out.Diff(v.repo)
	if err != nil {
		v.fail("compare generated trees: " + err.Error())
		return nil, false
	}
	for _, c := range changes {
		fmt.Fprintf(v.out, "    %s\n", c)
	}
	if len(changes) > 0 {
		v.fail(fmt.Sprintf("%d generated paths are not up to date (go run ./scripts/gen)", len(changes)))
		return nil, false
	}
	v.pass("chapters, exercises and solutions are fresh")
	return out, true
}

// chapterTests is step 2: every test of the chapter passes; as root none may skip.
func (v *verifier) chapterTests(c kit.Chapter) *testjson.Run {
	v.heading(c.ChapterDir() + ": go test ./...")
	args := []string{"./..."}
	if v.run != "" {
		args = append([]string{"-run", v.run}, args...)
	}
	run, err := v.goTest(c.ChapterDir(), args...)
	if err != nil {
		v.fail(fmt.Sprintf("%s: %v", c.ChapterDir(), err))
		return run
	}
	for _, p := range run.Packages() {
		v.accountPackage(c, p)
	}
	return run
}

// accountPackage counts a package's top-level tests and prints what went wrong.
func (v *verifier) accountPackage(c kit.Chapter, p *testjson.Package) {
	failedTests := 0
	for _, t := range p.Tests {
		if !t.TopLevel() {
			continue
		}
		action := t.Action
		if action == "pass" && skippedSubtest(p, t) {
			action = "skip"
		}
		switch action {
		case "pass":
			v.passed++
		case "skip":
			if !v.root {
				v.skipped++
				v.rootSkips++
				continue
			}
			v.fail(fmt.Sprintf("%s: %s skipped (or skipped a subtest) although running as root", c.Slug, t.Name))
			v.printOutput(t.Output)
		default:
			failedTests++
			what := "failed"
			if action == "" {
				what = "did not finish"
			}
			v.fail(fmt.Sprintf("%s: %s %s", c.Slug, t.Name, what))
			v.printOutput(t.Output)
		}
	}
	if p.Action != "pass" && p.Action != "skip" && failedTests == 0 {
		// A build failure, a TestMain that failed (the e2e host check), a crash outside a test.
		v.fail(fmt.Sprintf("%s: package %s failed outside its tests", c.Slug, p.Path))
		v.printOutput(p.Output)
	}
}

// skippedSubtest reports whether any subtest of t skipped.
func skippedSubtest(p *testjson.Package, t *testjson.Test) bool {
	for _, s := range p.Tests {
		if strings.HasPrefix(s.Name, t.Name+"/") && s.Action == "skip" {
			return true
		}
	}
	return false
}

// exercise is step 3: the exercise builds and passes vet, and each step's tests fail on the
// stubs and passed in the chapter run.
func (v *verifier) exercise(c kit.Chapter, chapter *testjson.Run) {
	dir := c.ExerciseDir()
	v.heading(dir + ": build, vet and steps")
	v.buildAndVet(dir)
	if chapter == nil {
		return
	}
	list, err := kit.ReadSteps(filepath.Join(v.repo, dir))
	if err != nil {
		v.fail(fmt.Sprintf("%s: read steps: %v", c.Slug, err))
		return
	}
	fmt.Fprintln(v.out, "  the chapter's tests on the stubs (step tests must fail):")
	pattern := "^TestCh" + c.Code()
	if v.run != "" {
		pattern = v.run // the chapter ran only these: judge only the steps whose tests they are
	}
	run, err := v.goTest(dir, "-run", pattern, "./...")
	if err != nil {
		v.fail(fmt.Sprintf("%s: %v", dir, err))
		return
	}
	for _, f := range steps.Judge(c.Code(), list, run, chapter, v.root) {
		if v.run != "" && len(f.Tests) == 0 {
			continue // none of its tests matched --run
		}
		label := fmt.Sprintf("step %s (%s)", f.ID, strings.Join(f.Tests, ", "))
		if f.ID == steps.Given {
			label = "given code's test " + strings.Join(f.Tests, ", ")
		}
		switch f.Verdict {
		case steps.Pass:
			if len(f.Why) > 0 {
				label += " (" + strings.Join(f.Why, "; ") + ")"
			}
			v.pass(label)
		case steps.Skip:
			v.skip(label + ": " + strings.Join(f.Why, "; "))
		default:
			v.fail(label + ": " + strings.Join(f.Why, "; "))
		}
	}
}

// buildAndVet checks that a tree builds and passes go vet.
func (v *verifier) buildAndVet(dir string) {
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		if out, err := v.goCmd(dir, args...); err != nil {
			v.fail(fmt.Sprintf("%s: %v", dir, err))
			v.printOutput(out)
		} else {
			v.pass(fmt.Sprintf("%s: go %s", dir, strings.Join(args, " ")))
		}
	}
}

func (v *verifier) heading(s string) { fmt.Fprintf(v.out, "== %s\n", s) }

func (v *verifier) pass(s string) {
	v.passed++
	fmt.Fprintf(v.out, "  PASS %s\n", s)
}

func (v *verifier) skip(s string) {
	v.skipped++
	fmt.Fprintf(v.out, "  SKIP %s\n", s)
}

func (v *verifier) fail(s string) {
	v.failures = append(v.failures, s)
	fmt.Fprintf(v.out, "  FAIL %s\n", s)
}

// printOutput shows a failure's output, indented under it.
func (v *verifier) printOutput(out string) {
	for line := range strings.Lines(strings.TrimRight(out, "\n")) {
		fmt.Fprintf(v.out, "       | %s", line)
	}
	if out != "" {
		fmt.Fprintln(v.out)
	}
}

// summary prints the failures again, the root warning and the final line; it returns the exit
// status.
func (v *verifier) summary() int {
	fmt.Fprintln(v.out)
	if len(v.failures) > 0 {
		fmt.Fprintln(v.out, "failed:")
		for _, f := range v.failures {
			fmt.Fprintf(v.out, "  %s\n", f)
		}
	}
	if v.run != "" {
		fmt.Fprintf(v.out, "the chapters' tests were limited to -run %q: this run does not count\n", v.run)
	}
	if v.rootSkips > 0 {
		fmt.Fprintf(v.out, "not root: %d tests that need root were skipped; this run does not count (run it as root)\n", v.rootSkips)
	}
	line := fmt.Sprintf("verify: %d passed, %d failed", v.passed, len(v.failures))
	if v.skipped > 0 {
		line += fmt.Sprintf(", %d skipped", v.skipped)
	}
	fmt.Fprintln(v.out, line)
	if len(v.failures) > 0 {
		return 1
	}
	return 0
}
