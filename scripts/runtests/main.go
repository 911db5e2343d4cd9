// Command runtests runs `go test -json` over the given packages, one package at a time (the
// engine's black-box tests change the host while they run and compare it before and after, so
// two packages must not do that at once), and prints a short readable report.
//
// As root, a skipped test is a failure: every test can run, so one that did not is a hole in
// the run. Not as root, the root tests skip, and the report says that the run does not count.
//
//	go run ./scripts/runtests [packages...]   (default ./...)
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// report accumulates the results.
type report struct {
	passed, failed []string
	skipped        []string
	output         map[string]*strings.Builder // test or package → its output
	failedPackages []string
	out            io.Writer
}

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
	r := &report{output: map[string]*strings.Builder{}, out: os.Stdout}
	if err := r.read(stdout); err != nil {
		fatal(err)
	}
	waitErr := cmd.Wait()
	os.Exit(r.finish(os.Geteuid() == 0, waitErr))
}

func (r *report) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(r.out, sc.Text()) // not JSON: a build error, say; show it as it is
			continue
		}
		r.add(e)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read go test's output: %w", err)
	}
	return nil
}

func (r *report) add(e event) {
	key := e.Package
	if e.Test != "" {
		key += "." + e.Test
	}
	switch e.Action {
	case "output":
		if r.output[key] == nil {
			r.output[key] = &strings.Builder{}
		}
		r.output[key].WriteString(e.Output)
	case "pass", "fail", "skip":
		if e.Test == "" {
			r.packageDone(e)
			return
		}
		switch e.Action {
		case "pass":
			r.passed = append(r.passed, key)
		case "fail":
			r.failed = append(r.failed, key)
			fmt.Fprintf(r.out, "--- FAIL: %s\n%s", key, indent(r.output[key]))
		case "skip":
			r.skipped = append(r.skipped, key)
		}
	}
}

func (r *report) packageDone(e event) {
	switch e.Action {
	case "pass":
		fmt.Fprintf(r.out, "ok    %s (%.1fs)\n", e.Package, e.Elapsed)
	case "skip":
		// no test files
	case "fail":
		r.failedPackages = append(r.failedPackages, e.Package)
		fmt.Fprintf(r.out, "FAIL  %s (%.1fs)\n", e.Package, e.Elapsed)
		// What the package printed outside any test: a build error, or TestMain's verdict on
		// what the tests left behind on the host.
		if b := r.output[e.Package]; b != nil {
			fmt.Fprint(r.out, indent(b))
		}
	}
}

// finish prints the summary and returns the exit status.
func (r *report) finish(root bool, waitErr error) int {
	status := 0
	if len(r.failed) > 0 || len(r.failedPackages) > 0 || waitErr != nil {
		status = 1
	}
	if len(r.skipped) > 0 {
		sort.Strings(r.skipped)
		if root {
			fmt.Fprintf(r.out, "\nrunning as root, no test may skip, but these did:\n")
			for _, s := range r.skipped {
				fmt.Fprintf(r.out, "  %s: %s", s, lastLine(r.output[s]))
			}
			status = 1
		} else {
			fmt.Fprintf(r.out, "\n%d tests skipped because they need root: this run does not count. Run: sudo scripts/test\n", len(r.skipped))
		}
	}
	if len(r.failedPackages) > 0 && len(r.failed) == 0 {
		fmt.Fprintf(r.out, "\npackages failed outside any test: %s\n", strings.Join(r.failedPackages, ", "))
	}
	fmt.Fprintf(r.out, "\ntests: %d passed, %d failed, %d skipped\n", len(r.passed), len(r.failed), len(r.skipped))
	return status
}

func indent(b *strings.Builder) string {
	if b == nil {
		return ""
	}
	var out strings.Builder
	for _, l := range strings.SplitAfter(b.String(), "\n") {
		if l != "" && !strings.HasPrefix(l, "=== ") {
			out.WriteString("    " + l)
		}
	}
	return out.String()
}

// lastLine is the skip reason: the last line a skipped test printed.
func lastLine(b *strings.Builder) string {
	if b == nil {
		return "(no reason given)\n"
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1]) + "\n"
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "runtests:", err)
	os.Exit(2)
}
