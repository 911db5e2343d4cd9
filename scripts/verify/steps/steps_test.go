package steps

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/minikit/kit/scripts/gen/kit"
	"github.com/minikit/kit/scripts/testjson"
)

func TestVerifyStepMatches(t *testing.T) {
	tests := []struct {
		test, prefix string
		want         bool
	}{
		{"TestCh02Step1", "TestCh02Step1", true},
		{"TestCh02Step1Pivot", "TestCh02Step1", true},
		{"TestCh02Step1_pivot", "TestCh02Step1", true},
		{"TestCh02Step10Late", "TestCh02Step1", false},
		{"TestCh02Step10Late", "TestCh02Step10", true},
		{"TestCh02Step2", "TestCh02Step1", false},
		{"TestCh12Step1", "TestCh02Step1", false},
	}
	for _, tt := range tests {
		if got := Matches(tt.test, tt.prefix); got != tt.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tt.test, tt.prefix, got, tt.want)
		}
	}
}

func TestVerifyStepPrefix(t *testing.T) {
	if got, err := Prefix("02.10"); err != nil || got != "TestCh02Step10" {
		t.Errorf("Prefix(02.10) = %q, %v", got, err)
	}
	if _, err := Prefix("2.1"); err == nil {
		t.Errorf("Prefix(2.1) succeeded")
	}
}

// TestVerifyJudge judges a chapter's steps from recorded go test -json runs of its exercise and
// its chapter (testdata/*.jsonl).
func TestVerifyJudge(t *testing.T) {
	exercise, chapter := load(t, "testdata/exercise.jsonl"), load(t, "testdata/chapter.jsonl")
	steps := []kit.Step{{ID: "02.1"}, {ID: "02.2"}, {ID: "02.3"}, {ID: "02.4"}, {ID: "02.10"}}
	want := []Finding{
		{ID: "02.1", Verdict: Pass, Tests: []string{"TestCh02Step1Pivot", "TestCh02Step1PivotKeepsOld"}},
		{ID: "02.2", Verdict: Fail, Tests: []string{"TestCh02Step2Proc"},
			Why: []string{"TestCh02Step2Proc passes on the stub: it does not test this step"}},
		{ID: "02.3", Verdict: Fail, Why: []string{"no test named TestCh02Step3… among the exercise's tests"}},
		{ID: "02.4", Verdict: Skip, Tests: []string{"TestCh02Step4Dev"},
			Why: []string{"TestCh02Step4Dev skipped on the exercise"}},
		{ID: "02.10", Verdict: Fail, Tests: []string{"TestCh02Step10Late"},
			Why: []string{"TestCh02Step10Late does not pass in the chapter"}},
		{ID: "02.7", Verdict: Fail, Tests: []string{"TestCh02Step7Orphan"},
			Why: []string{"TestCh02Step7Orphan names step 02.7, which steps.json does not have"}},
		{ID: Given, Verdict: Pass, Tests: []string{"TestCh02BadInput"}},
		{ID: Given, Verdict: Fail, Tests: []string{"TestCh02NeedsAStep"},
			Why: []string{"TestCh02NeedsAStep names no step, so it tests given code, but it fails on the exercise, and not because a step is unwritten: name it after the step whose code it tests (TestChNNStepS…)"}},
		{ID: Given, Verdict: Pass, Tests: []string{"TestCh02WaitsForAStep"}, Why: []string{"waits for step 02.1 on the exercise"}},
		{ID: Given, Verdict: Pass, Tests: []string{"TestCh02TableWaits"}, Why: []string{"waits for step 02.2 on the exercise"}},
	}
	if diff := cmp.Diff(want, Judge("02", steps, exercise, chapter, false)); diff != "" {
		t.Errorf("Judge not as root (-want +got):\n%s", diff)
	}
	// As root a skip is a failure.
	got := Judge("02", steps, exercise, chapter, true)
	if got[3].Verdict != Fail {
		t.Errorf("as root, a skipped step test gives %s, want FAIL", got[3].Verdict)
	}
}

func load(t *testing.T, name string) *testjson.Run {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run, err := testjson.Read(f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return run
}
