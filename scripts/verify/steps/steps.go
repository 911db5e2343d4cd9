// Package steps judges the exercise steps of a chapter: every step has tests, named after it,
// that fail on the exercise's stub and pass on the chapter's solution; every other test of the
// chapter (TestChNN without a step: a test of given code) passes on the untouched exercise, so a
// student who has done every step never sees the chapter fail.
package steps

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/minikit/kit/scripts/gen/kit"
	"github.com/minikit/kit/scripts/testjson"
)

// Verdict is the outcome of judging one step.
type Verdict string

const (
	Pass Verdict = "PASS"
	Fail Verdict = "FAIL"
	Skip Verdict = "SKIP" // a test skipped when not running as root: the step could not be judged
)

// Finding is the verdict on one step, or on a test that names a step that does not exist.
type Finding struct {
	ID      string
	Verdict Verdict
	Tests   []string // the step's tests
	Why     []string // what is wrong, one entry per problem
}

// Prefix returns the test-name prefix of a step: "02.1" gives "TestCh02Step1".
func Prefix(id string) (string, error) {
	m := idRE.FindStringSubmatch(id)
	if m == nil {
		return "", fmt.Errorf("bad step ID %q (want NN.S)", id)
	}
	return "TestCh" + m[1] + "Step" + m[2], nil
}

// Matches reports whether test belongs to the step whose prefix is given: the prefix followed by
// a non-digit or nothing, so TestCh02Step1 does not claim TestCh02Step10Late.
func Matches(test, prefix string) bool {
	rest, ok := strings.CutPrefix(test, prefix)
	return ok && (rest == "" || rest[0] < '0' || rest[0] > '9')
}

var (
	idRE       = regexp.MustCompile(`^([0-9]{2})\.([1-9][0-9]*)$`)
	stepTestRE = regexp.MustCompile(`^TestCh([0-9]{2})Step([0-9]+)`)
)

// Judge checks every step of chapter code ("02") from its exercise run and its chapter run.
// Only top-level tests count. root says whether a skipped test is a failure (as root, no test
// may skip) or leaves the step unjudged.
func Judge(code string, steps []kit.Step, exercise, chapter *testjson.Run, root bool) []Finding {
	var findings []Finding
	known := map[string]bool{}
	for _, s := range steps {
		known[s.ID] = true
		findings = append(findings, judgeStep(s.ID, exercise, chapter, root))
	}
	for _, t := range exercise.Tests() {
		if !t.TopLevel() {
			continue
		}
		m := stepTestRE.FindStringSubmatch(t.Name)
		if m == nil && strings.HasPrefix(t.Name, "TestCh"+code) {
			findings = append(findings, judgeGiven(t, subtestOutput(exercise, t), root))
			continue
		}
		if m == nil || m[1] != code {
			continue
		}
		if id := m[1] + "." + m[2]; !known[id] {
			findings = append(findings, Finding{ID: id, Verdict: Fail, Tests: []string{t.Name},
				Why: []string{fmt.Sprintf("%s names step %s, which steps.json does not have", t.Name, id)}})
		}
	}
	return findings
}

// Given is the ID of the findings on tests of given code.
const Given = "given"

// judgeGiven: a chapter test that names no step tests given code. On the exercise it must pass,
// or fail only because a step is not written yet: its output names that step ("step 03.2: not
// done yet", the todo error), so `lessons check` says it waits for the step. A failure that names
// no step means the test needs something the student writes: name it after that step.
func judgeGiven(t *testjson.Test, output string, root bool) Finding {
	f := Finding{ID: Given, Tests: []string{t.Name}}
	switch t.Action {
	case "pass":
		f.Verdict = Pass
	case "skip":
		f.Verdict, f.Why = Skip, []string{t.Name + " skipped on the exercise"}
		if root {
			f.Verdict = Fail
		}
	default:
		if waits := todoRE.FindAllStringSubmatch(output, -1); len(waits) > 0 && t.Action == "fail" {
			f.Verdict = Pass
			f.Why = []string{"waits for step " + waits[0][1] + " on the exercise"}
			break
		}
		f.Verdict = Fail
		f.Why = []string{t.Name + " names no step, so it tests given code, but it fails on the exercise, and not because a step is unwritten: " +
			"name it after the step whose code it tests (TestChNNStepS…)"}
	}
	return f
}

// subtestOutput is the output of t and of all its subtests, where a table test's failures are.
func subtestOutput(run *testjson.Run, t *testjson.Test) string {
	out := t.Output
	for _, s := range run.Tests() {
		if s.Package == t.Package && strings.HasPrefix(s.Name, t.Name+"/") {
			out += s.Output
		}
	}
	return out
}

// todoRE finds the error of an unwritten step's stub (todo.Step) in a test's output.
var todoRE = regexp.MustCompile(`step ([0-9]{2}\.[0-9]+): not done yet`)

func judgeStep(id string, exercise, chapter *testjson.Run, root bool) Finding {
	f := Finding{ID: id}
	prefix, err := Prefix(id)
	if err != nil {
		return Finding{ID: id, Verdict: Fail, Why: []string{err.Error()}}
	}
	// problems fail the step; skips fail it only as root, where no test may skip.
	var problems, skips []string
	for _, t := range exercise.Tests() {
		if !t.TopLevel() || !Matches(t.Name, prefix) {
			continue
		}
		f.Tests = append(f.Tests, t.Name)
		switch t.Action {
		case "fail":
		case "pass":
			problems = append(problems, t.Name+" passes on the stub: it does not test this step")
		case "skip":
			skips = append(skips, t.Name+" skipped on the exercise")
		default:
			problems = append(problems, t.Name+" did not finish on the exercise (did a stub panic?)")
		}
		switch c := chapter.Lookup(t.Package, t.Name); {
		case c == nil:
			problems = append(problems, t.Name+" did not run in the chapter")
		case c.Action == "pass":
		case c.Action == "skip":
			skips = append(skips, t.Name+" skipped in the chapter")
		default:
			problems = append(problems, t.Name+" does not pass in the chapter")
		}
	}
	if len(f.Tests) == 0 {
		problems = append(problems, "no test named "+prefix+"… among the exercise's tests")
	}
	f.Why = append(problems, skips...)
	switch {
	case len(problems) > 0 || (root && len(skips) > 0):
		f.Verdict = Fail
	case len(skips) > 0:
		f.Verdict = Skip
	default:
		f.Verdict = Pass
	}
	return f
}
