package testjson

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const pkg = "github.com/minikit/kit/mini/"

// TestVerifyAccounting reads a recorded run (testdata/mixed.jsonl) with a pass, a failure, a skip,
// a skipped subtest, a panicking test, a package whose tests do not build and one without tests.
func TestVerifyAccounting(t *testing.T) {
	f, err := os.Open("testdata/mixed.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var progress []string
	run, err := Read(f, func(p *Package) { progress = append(progress, p.Summary()) }, nil)
	if err != nil {
		t.Fatal(err)
	}

	got := map[string]string{}
	for _, tt := range run.Tests() {
		got[strings.TrimPrefix(tt.Package, pkg)+" "+tt.Name] = tt.Action
	}
	want := map[string]string{
		"a TestCh02Step1Pivot":    "pass",
		"a TestCh02Step10Late":    "fail",
		"a TestCh02Step2Proc":     "skip",
		"a TestCh02BadInput":      "pass",
		"a TestCh02Step3Sub":      "pass",
		"a TestCh02Step3Sub/ok":   "pass",
		"a TestCh02Step3Sub/root": "skip",
		"b TestCh02Step1Crash":    "fail",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("test results (-want +got):\n%s", diff)
	}

	wantProgress := []string{
		"FAIL  " + pkg + "a  1 failed, 1 skipped, 3 passed: TestCh02Step10Late, TestCh02Step2Proc  (0.0s)",
		"FAIL  " + pkg + "b  1 failed: TestCh02Step1Crash  (0.0s)",
		"FAIL  " + pkg + "c  # " + pkg + "c [" + pkg + "c.test]",
		"-     " + pkg + "d  no tests",
	}
	if diff := cmp.Diff(wantProgress, progress); diff != "" {
		t.Errorf("progress lines (-want +got):\n%s", diff)
	}
	c := run.Packages()[2]
	if !strings.Contains(c.Output, "undefined: undefined") {
		t.Errorf("package c's output lacks its build error:\n%s", c.Output)
	}
	if out := run.Lookup(pkg+"a", "TestCh02Step10Late").Output; !strings.Contains(out, "step 10 is not done") {
		t.Errorf("failing test's output lacks its message:\n%s", out)
	}
}

// TestVerifyUnfinished: a stream cut short (the test binary was killed) leaves a test that
// started without an end and a package that never finished.
func TestVerifyUnfinished(t *testing.T) {
	stream := `{"Action":"start","Package":"p"}
not json: a message from the go command
{"Action":"run","Package":"p","Test":"TestCh03Step1Hang"}
`
	var other []string
	run, err := Read(strings.NewReader(stream), nil, func(l string) { other = append(other, l) })
	if err != nil {
		t.Fatal(err)
	}
	p := run.Packages()[0]
	if p.Action != "" || p.Tests[0].Action != "" {
		t.Errorf("package %q test %q, want both unfinished", p.Action, p.Tests[0].Action)
	}
	if want := "FAIL  p  1 unfinished: TestCh03Step1Hang  (0.0s)"; p.Summary() != want {
		t.Errorf("Summary = %q, want %q", p.Summary(), want)
	}
	if diff := cmp.Diff([]string{"not json: a message from the go command"}, other); diff != "" {
		t.Errorf("other lines (-want +got):\n%s", diff)
	}
}
