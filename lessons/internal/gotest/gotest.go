// Package gotest reads what the go command reports: the JSON events of `go test -json` (judged per
// test, never by grepping text), the compile errors of `go build`, and the chapter and step a test
// belongs to by its name.
package gotest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Result is the outcome of one top-level test.
type Result struct {
	Package string
	Name    string
	Action  string // "pass", "fail" or "skip"
	Elapsed time.Duration
	Output  string // everything the test printed, including its === RUN and --- FAIL lines
}

// Passed reports whether the test passed.
func (r Result) Passed() bool { return r.Action == "pass" }

// Run is everything one `go test -json` run reported.
type Run struct {
	Tests []Result // top-level tests that ended, in the order they ended
	// FailedPackages maps the import path of each package that failed although none of its tests
	// did (a test binary that did not build, or a TestMain that failed) to the package's output.
	FailedPackages map[string]string
}

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail events (Go 1.24+)
	Test       string
	Elapsed    float64
	Output     string
}

// Read consumes `go test -json` output. onResult, if not nil, is called as each top-level test ends,
// so a caller can show progress. Lines that are not JSON (the go command's own errors) count as
// output of a package named "".
func Read(r io.Reader, onResult func(Result)) (*Run, error) {
	run := &Run{FailedPackages: map[string]string{}}
	testOut := map[string]*strings.Builder{}
	pkgOut := map[string]*strings.Builder{}
	testFailed := map[string]bool{}
	out := func(m map[string]*strings.Builder, key string) *strings.Builder {
		if m[key] == nil {
			m[key] = &strings.Builder{}
		}
		return m[key]
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			out(pkgOut, "").WriteString(sc.Text() + "\n")
			continue
		}
		top, _, sub := strings.Cut(e.Test, "/")
		switch {
		case e.Action == "build-output":
			out(pkgOut, e.ImportPath).WriteString(e.Output)
		case e.Action == "build-fail":
			run.FailedPackages[e.ImportPath] = ""
		case e.Test == "" && e.Action == "output":
			out(pkgOut, e.Package).WriteString(e.Output)
		case e.Test == "" && e.Action == "fail":
			run.FailedPackages[e.Package] = ""
		case e.Action == "output":
			out(testOut, e.Package+" "+top).WriteString(e.Output)
		case e.Test != "" && !sub && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			res := Result{
				Package: e.Package,
				Name:    e.Test,
				Action:  e.Action,
				Elapsed: time.Duration(e.Elapsed * float64(time.Second)),
				Output:  out(testOut, e.Package+" "+top).String(),
			}
			run.Tests = append(run.Tests, res)
			testFailed[e.Package] = testFailed[e.Package] || e.Action == "fail"
			if onResult != nil {
				onResult(res)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return run, fmt.Errorf("read go test -json output: %w", err)
	}
	for pkg := range run.FailedPackages {
		if testFailed[pkg] {
			delete(run.FailedPackages, pkg) // the failed test says why
			continue
		}
		run.FailedPackages[pkg] = out(pkgOut, pkg).String()
	}
	if stray := out(pkgOut, "").String(); stray != "" {
		run.FailedPackages[""] = stray
	}
	return run, nil
}
