package gotest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStepOf(t *testing.T) {
	tests := []struct {
		name, chapter, step string
		ok                  bool
	}{
		{"TestCh02Step1Pivot", "02", "02.1", true},
		{"TestCh02Step10Pivot", "02", "02.10", true},
		{"TestCh02Step1", "02", "02.1", true},
		{"TestCh02BadInput", "02", "", true},
		{"TestCh02", "02", "", true},
		{"TestCh02Step1Pivot/subtest", "02", "02.1", true},
		{"TestHelper", "", "", false},
		{"TestCh2Step1", "", "", false},
	}
	for _, tt := range tests {
		ch, step, ok := StepOf(tt.name)
		if ch != tt.chapter || step != tt.step || ok != tt.ok {
			t.Errorf("StepOf(%q) = %q, %q, %v; want %q, %q, %v", tt.name, ch, step, ok, tt.chapter, tt.step, tt.ok)
		}
	}
}

func TestStepsNamed(t *testing.T) {
	got := StepsNamed("pivot: step 02.2: not done yet\nmount: step 02.10: not done yet\nstep 02.2 again; step 3.1 is not an ID")
	if d := cmp.Diff([]string{"02.2", "02.10"}, got); d != "" {
		t.Errorf("StepsNamed (-want +got):\n%s", d)
	}
}

const events = `{"Action":"start","Package":"m/proc"}
{"Action":"run","Package":"m/proc","Test":"TestCh00Step1Greet"}
{"Action":"output","Package":"m/proc","Test":"TestCh00Step1Greet","Output":"=== RUN   TestCh00Step1Greet\n"}
{"Action":"run","Package":"m/proc","Test":"TestCh00Step1Greet/sub"}
{"Action":"output","Package":"m/proc","Test":"TestCh00Step1Greet/sub","Output":"    proc_test.go:10: step 00.1: not done yet\n"}
{"Action":"fail","Package":"m/proc","Test":"TestCh00Step1Greet/sub","Elapsed":0}
{"Action":"fail","Package":"m/proc","Test":"TestCh00Step1Greet","Elapsed":0.5}
{"Action":"pass","Package":"m/proc","Test":"TestCh00Package","Elapsed":0}
{"Action":"output","Package":"m/proc","Output":"FAIL\n"}
{"Action":"fail","Package":"m/proc","Elapsed":0.6}
{"ImportPath":"m/broken [m/broken.test]","Action":"build-output","Output":"broken/b.go:3:1: syntax error\n"}
{"ImportPath":"m/broken [m/broken.test]","Action":"build-fail"}
{"Action":"start","Package":"m/broken"}
{"Action":"output","Package":"m/broken","Output":"FAIL\tm/broken [build failed]\n"}
{"Action":"fail","Package":"m/broken","Elapsed":0}
`

func TestRead(t *testing.T) {
	var seen []string
	run, err := Read(strings.NewReader(events), func(r Result) { seen = append(seen, r.Name+" "+r.Action) })
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"TestCh00Step1Greet fail", "TestCh00Package pass"}, seen); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if !strings.Contains(run.Tests[0].Output, "step 00.1: not done yet") {
		t.Errorf("a subtest's output is not part of its test's output: %q", run.Tests[0].Output)
	}
	// m/proc failed because a test did: only m/broken failed outside any test.
	want := map[string]string{
		"m/broken":                 "FAIL\tm/broken [build failed]\n",
		"m/broken [m/broken.test]": "broken/b.go:3:1: syntax error\n",
	}
	if d := cmp.Diff(want, run.FailedPackages); d != "" {
		t.Errorf("FailedPackages (-want +got):\n%s", d)
	}
}

func TestCompileErrors(t *testing.T) {
	out := "# github.com/minikit/kit/mini/proc\n./proc/proc.go:26:34: undefined: x\nproc/other.go:3: bad\nnot an error\n"
	want := []CompileError{
		{File: "proc/proc.go", Line: 26, Col: 34, Message: "undefined: x"},
		{File: "proc/other.go", Line: 3, Message: "bad"},
	}
	if d := cmp.Diff(want, CompileErrors(out)); d != "" {
		t.Errorf("CompileErrors (-want +got):\n%s", d)
	}
	if got := want[0].String(); got != "proc/proc.go:26:34: undefined: x" {
		t.Errorf("String() = %q", got)
	}
}
