package check

import (
	"slices"
	"time"

	"github.com/minikit/kit/lessons/internal/course"
	"github.com/minikit/kit/lessons/internal/gotest"
)

// Status is how far a step has come.
type Status string

const (
	Done       Status = "done"        // its tests pass
	Failing    Status = "failing"     // written, but its tests fail or it does not compile
	NotStarted Status = "not started" // its stub still returns todo.Step (or it was never checked)
)

// Report is the outcome of checking one chapter.
type Report struct {
	Chapter *course.Chapter // with only the checked step when Step is set
	Step    string          // the one step checked ("03.1"), or "" for the whole chapter
	Dir     string          // the exercise directory
	Started time.Time
	Elapsed time.Duration

	BuildFailed bool
	BuildOutput string
	Compile     []gotest.CompileError // file names relative to Dir

	Steps []StepResult
	// Other holds the chapter's tests that belong to no step (TestCh02BadInput) or to a step that
	// steps.json does not list.
	Other []gotest.Result
	// FailedPackages maps each package that failed outside any test to its output.
	FailedPackages map[string]string
	Passed         bool
}

// StepResult is the verdict on one step.
type StepResult struct {
	Step    course.Step
	Status  Status
	Tests   []gotest.Result
	Compile []gotest.CompileError // errors in the step's file
	// BlockedBy lists other steps whose todo error a failing test printed: the failure is caused by
	// those unwritten steps, not (necessarily) by this one.
	BlockedBy []string
	NotRun    bool // no test of the step ran, because a package did not build or crashed
}

// FailedTests returns the step's tests that failed.
func (s StepResult) FailedTests() []gotest.Result {
	var failed []gotest.Result
	for _, t := range s.Tests {
		if t.Action == "fail" {
			failed = append(failed, t)
		}
	}
	return failed
}

// FirstUnfinished returns the first step that is not done, or nil.
func (r *Report) FirstUnfinished() *StepResult {
	for i := range r.Steps {
		if r.Steps[i].Status != Done {
			return &r.Steps[i]
		}
	}
	return nil
}

// StepStatus returns every step's status by ID.
func (r *Report) StepStatus() map[string]Status {
	m := map[string]Status{}
	for _, s := range r.Steps {
		m[s.Step.ID] = s.Status
	}
	return m
}

// judge sorts the run's results into steps and decides each step's status. testsOK is whether the
// go test command itself succeeded.
func (r *Report) judge(run *gotest.Run, testsOK bool) {
	r.FailedPackages = run.FailedPackages
	byStep := map[string][]gotest.Result{}
	known := map[string]bool{}
	for _, s := range r.Chapter.Steps {
		known[s.ID] = true
	}
	anyFailed := false
	for _, t := range run.Tests {
		anyFailed = anyFailed || t.Action == "fail"
		_, step, _ := gotest.StepOf(t.Name)
		if known[step] {
			byStep[step] = append(byStep[step], t)
		} else {
			r.Other = append(r.Other, t)
		}
	}
	brokenBuild := r.BuildFailed || len(run.FailedPackages) > 0
	for _, s := range r.Chapter.Steps {
		res := StepResult{Step: s, Tests: byStep[s.ID], Status: Done}
		for _, e := range r.Compile {
			if e.File == s.File {
				res.Compile = append(res.Compile, e)
			}
		}
		res.judge(known, brokenBuild)
		r.Steps = append(r.Steps, res)
	}
	r.Passed = testsOK && !brokenBuild && !anyFailed
}

func (s *StepResult) judge(known map[string]bool, brokenBuild bool) {
	failed := s.FailedTests()
	switch {
	case len(s.Compile) > 0:
		s.Status = Failing
	case len(failed) > 0:
		s.Status = Failing
		for _, t := range failed {
			for _, id := range gotest.StepsNamed(t.Output) {
				if id == s.Step.ID {
					s.Status = NotStarted
				} else if known[id] && !slices.Contains(s.BlockedBy, id) {
					s.BlockedBy = append(s.BlockedBy, id)
				}
			}
		}
	case len(s.Tests) == 0 && brokenBuild:
		s.Status = Failing
		s.NotRun = true
	}
}
