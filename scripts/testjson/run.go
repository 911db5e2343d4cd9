// Package testjson accounts for the events of `go test -json` (see `go doc test2json`): which
// test passed, failed or skipped, in which package, with what output. Results are judged per test
// from the events, never by searching the text a test printed.
package testjson

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Read consumes a go test -json stream. For every package that finishes it calls progress with
// the package's result, so that a long run can show where it is. A line that is not JSON (a
// message from the go command itself) is passed to other, if it is not nil.
func Read(r io.Reader, progress func(*Package), other func(line string)) (*Run, error) {
	run := NewRun()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024) // a test may print long lines
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			if other != nil {
				other(sc.Text())
			}
			continue
		}
		if p := run.Add(e); p != nil && progress != nil {
			progress(p)
		}
	}
	if err := sc.Err(); err != nil {
		return run, fmt.Errorf("read go test -json output: %w", err)
	}
	return run, nil
}

// Event is one line of go test -json.
type Event struct {
	Action      string
	Package     string
	ImportPath  string // build-output and build-fail events name the package this way
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string // on a package's fail event: the build that failed
}

// Run is what the events of one go test -json run add up to.
type Run struct {
	packages map[string]*Package
	order    []string          // packages in the order they started
	builds   map[string]string // build output by import path ("x [x.test]")
}

// Package is the result of one package.
type Package struct {
	Path    string
	Action  string // pass, fail or skip (no test files); "" if the package never finished
	Elapsed float64
	Output  string // the package's own output, and the build's when the build failed
	Tests   []*Test
	byName  map[string]*Test
}

// Test is the result of one test (subtests are tests of their own, named "TestX/sub").
type Test struct {
	Package string
	Name    string
	Action  string // pass, fail or skip; "" if the test started and never finished (a crash)
	Output  string
}

// TopLevel reports whether the test is not a subtest.
func (t *Test) TopLevel() bool { return !strings.Contains(t.Name, "/") }

// NewRun returns an empty run.
func NewRun() *Run {
	return &Run{packages: map[string]*Package{}, builds: map[string]string{}}
}

// Add records one event. It returns the package when the event finishes it.
func (r *Run) Add(e Event) *Package {
	switch e.Action {
	case "build-output":
		r.builds[e.ImportPath] += e.Output
		return nil
	case "build-fail":
		return nil
	}
	p := r.pkg(e.Package)
	if e.Test == "" {
		switch e.Action {
		case "output":
			p.Output += e.Output
		case "pass", "fail", "skip":
			p.Action, p.Elapsed = e.Action, e.Elapsed
			if e.FailedBuild != "" {
				p.Output = r.builds[e.FailedBuild] + p.Output
			}
			return p
		}
		return nil
	}
	t := p.test(e.Test)
	switch e.Action {
	case "output":
		t.Output += e.Output
	case "pass", "fail", "skip":
		t.Action = e.Action
	}
	return nil
}

// Packages returns every package in the order they started.
func (r *Run) Packages() []*Package {
	var ps []*Package
	for _, path := range r.order {
		ps = append(ps, r.packages[path])
	}
	return ps
}

// Tests returns every test of every package, in the order they started.
func (r *Run) Tests() []*Test {
	var ts []*Test
	for _, p := range r.Packages() {
		ts = append(ts, p.Tests...)
	}
	return ts
}

// Lookup returns the test named name in package path, or nil.
func (r *Run) Lookup(path, name string) *Test {
	if p, ok := r.packages[path]; ok {
		return p.byName[name]
	}
	return nil
}

func (r *Run) pkg(path string) *Package {
	p, ok := r.packages[path]
	if !ok {
		p = &Package{Path: path, byName: map[string]*Test{}}
		r.packages[path] = p
		r.order = append(r.order, path)
	}
	return p
}

func (p *Package) test(name string) *Test {
	t, ok := p.byName[name]
	if !ok {
		t = &Test{Package: p.Path, Name: name}
		p.byName[name] = t
		p.Tests = append(p.Tests, t)
	}
	return t
}

// Count returns how many of the package's top-level tests ended with each action ("" for the
// ones that never finished).
func (p *Package) Count() map[string]int {
	n := map[string]int{}
	for _, t := range p.Tests {
		if t.TopLevel() {
			n[t.Action]++
		}
	}
	return n
}

// Summary is a one-line account of the package, for progress output:
//
//	ok    github.com/minikit/kit/mini/cgroup  4 passed  (1.2s)
//	FAIL  github.com/minikit/kit/mini/e2e  1 failed, 3 passed: TestCh03Step1MemoryLimit  (9.0s)
func (p *Package) Summary() string {
	n := p.Count()
	if len(p.Tests) == 0 {
		switch p.Action {
		case "skip":
			return fmt.Sprintf("-     %s  no tests", p.Path)
		case "fail":
			return fmt.Sprintf("FAIL  %s  %s", p.Path, firstLine(p.Output, "failed before any test ran"))
		}
	}
	status := "ok   "
	if p.Action != "pass" {
		status = "FAIL "
	}
	var parts []string
	for _, a := range []struct{ action, word string }{{"fail", "failed"}, {"", "unfinished"}, {"skip", "skipped"}, {"pass", "passed"}} {
		if n[a.action] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[a.action], a.word))
		}
	}
	if len(parts) == 0 {
		parts = []string{"no tests ran"}
	}
	line := fmt.Sprintf("%s %s  %s", status, p.Path, strings.Join(parts, ", "))
	if names := p.names("fail", "skip", ""); len(names) > 0 {
		line += ": " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s  (%.1fs)", line, p.Elapsed)
}

// names lists the top-level tests that ended with one of the actions.
func (p *Package) names(actions ...string) []string {
	var names []string
	for _, t := range p.Tests {
		if t.TopLevel() && slices.Contains(actions, t.Action) {
			names = append(names, t.Name)
		}
	}
	return names
}

// firstLine returns the first non-empty line of s, or def.
func firstLine(s, def string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return def
}
