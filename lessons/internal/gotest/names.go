package gotest

import (
	"fmt"
	"regexp"
	"strconv"
)

// testName matches TestChNN and TestChNNStepS at the start of a test's name. The step number takes
// every digit that follows "Step", so TestCh02Step10Foo is step 02.10, never 02.1.
var testName = regexp.MustCompile(`^TestCh(\d{2})(?:Step(\d+))?`)

// StepOf returns the chapter ("02") and step ("02.1") a test belongs to by its name. step is "" for
// a chapter test with no step (TestCh02BadInput); ok is false for a test outside the scheme.
func StepOf(test string) (chapter, step string, ok bool) {
	m := testName.FindStringSubmatch(test)
	if m == nil {
		return "", "", false
	}
	if m[2] == "" {
		return m[1], "", true
	}
	n, err := strconv.Atoi(m[2])
	if err != nil || n < 1 {
		return m[1], "", true
	}
	return m[1], fmt.Sprintf("%s.%d", m[1], n), true
}

// todoError matches what a stub returns from todo.Step("02.2"): its message names the step as
// "step 02.2". A failing test whose output names another step failed because that step is unwritten.
var todoError = regexp.MustCompile(`\bstep (\d{2}\.\d+)\b`)

// StepsNamed returns the step IDs named as "step NN.S" in a test's output, in order, without repeats.
func StepsNamed(output string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range todoError.FindAllStringSubmatch(output, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			ids = append(ids, m[1])
		}
	}
	return ids
}
