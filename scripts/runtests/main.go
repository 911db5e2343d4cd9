// Command runtests runs `go test -json` over the given packages, one package at a time (the
// engine's black-box tests change the host while they run and compare it before and after, so
// two packages must not do that at once), and prints a short readable report: a line per
// package, the output of every failing test, and a closing count.
//
// As root, a skipped test is a failure: every test can run, so one that did not is a hole in
// the run. Not as root, the root tests skip, and the report says that the run does not count.
//
//	go run ./scripts/runtests [packages...]   (default ./...)
package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/minikit/kit/scripts/testjson"
)

func main() {
	pkgs := os.Args[1:]
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	args := append([]string{"test", "-json", "-count=1", "-p", "1"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fatal(err)
	}
	if err := cmd.Start(); err != nil {
		fatal(fmt.Errorf("start go test: %w", err))
	}
	run, err := testjson.Read(stdout, func(p *testjson.Package) { reportPackage(os.Stdout, p) },
		func(line string) { fmt.Println(line) })
	if err != nil {
		fatal(err)
	}
	waitErr := cmd.Wait()
	os.Exit(summarise(os.Stdout, run, os.Geteuid() == 0, waitErr))
}

// reportPackage prints a finished package: its summary line, the output of each failing test,
// and, when it failed outside any test, its own output (a build error, or TestMain's verdict on
// what the tests left behind on the host).
func reportPackage(w io.Writer, p *testjson.Package) {
	fmt.Fprintln(w, p.Summary())
	failedTests := false
	for _, t := range p.Tests {
		if t.TopLevel() && t.Action == "fail" {
			failedTests = true
			fmt.Fprintf(w, "--- FAIL: %s\n%s", t.Name, indent(t.Output))
		}
	}
	if p.Action == "fail" && !failedTests {
		fmt.Fprint(w, indent(p.Output))
	}
}

// summarise prints the closing count and returns the exit status.
func summarise(w io.Writer, run *testjson.Run, root bool, waitErr error) int {
	n := map[string]int{}
	var skipped []*testjson.Test
	status := 0
	for _, t := range run.Tests() {
		n[t.Action]++
		if t.Action == "skip" {
			skipped = append(skipped, t)
		}
	}
	for _, p := range run.Packages() {
		if p.Action != "pass" && p.Action != "skip" {
			status = 1
		}
	}
	if n["fail"] > 0 || n[""] > 0 || waitErr != nil {
		status = 1
	}
	if len(skipped) > 0 {
		if root {
			fmt.Fprintf(w, "\nrunning as root, no test may skip, but these did:\n")
			for _, t := range skipped {
				fmt.Fprintf(w, "  %s %s: %s\n", t.Package, t.Name, lastLine(t.Output))
			}
			status = 1
		} else {
			fmt.Fprintf(w, "\n%d tests skipped because they need root: this run does not count. Run: sudo scripts/test\n", len(skipped))
		}
	}
	fmt.Fprintf(w, "\ntests: %d passed, %d failed, %d skipped\n", n["pass"], n["fail"]+n[""], n["skip"])
	return status
}

func indent(s string) string {
	var out strings.Builder
	for line := range strings.Lines(s) {
		if !strings.HasPrefix(line, "=== ") {
			out.WriteString("    " + line)
		}
	}
	return out.String()
}

// lastLine is the skip reason: the last line a skipped test printed.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "runtests:", err)
	os.Exit(2)
}
