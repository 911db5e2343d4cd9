// Command verify checks the kit (shared/KIT.md): the generated trees are fresh, no lesson or early
// hint prints a step's solution before the step passes, every chapter's tests pass with no skips,
// every exercise builds and passes vet, every step's tests fail on the stub and pass in the
// chapter, every other chapter test (given code's) passes on the exercise, and every last hint
// that is Go code passes its step's tests. It is part of the project's test command and runs as root
// in CI; the chapters' black-box tests need root.
//
//	go run ./scripts/verify                 everything
//	go run ./scripts/verify --chapter 03    only chapter 03 (freshness is always checked)
//	go run ./scripts/verify --no-tests      only freshness, build and vet
//	go run ./scripts/verify --chapter 03 --run '^TestCh03'   only chapter 03's own tests (does not count)
//
// The last line is "verify: N passed, N failed" (", N skipped" when not root skipped tests); the
// exit status is 1 if anything failed.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"github.com/minikit/kit/scripts/gen/kit"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("verify", flag.ContinueOnError)
	fl.SetOutput(stderr)
	repo := fl.String("repo", "", "repository root (default: the directory above with the kit's go.mod)")
	chapter := fl.String("chapter", "", "verify only this chapter (NN)")
	noTests := fl.Bool("no-tests", false, "check only freshness, build and vet; run no tests")
	runRE := fl.String("run", "", "run only the chapter tests matching this go test -run pattern (for development: such a run does not count)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "verify: unexpected arguments %q\n", fl.Args())
		return 2
	}
	only := -1
	if *chapter != "" {
		if !regexp.MustCompile(`^[0-9]{2}$`).MatchString(*chapter) {
			fmt.Fprintf(stderr, "verify: --chapter %q: want two digits, e.g. 03\n", *chapter)
			return 2
		}
		only, _ = strconv.Atoi(*chapter)
	}
	if *repo == "" {
		wd, err := os.Getwd()
		if err == nil {
			*repo, err = kit.FindRepo(wd)
		}
		if err != nil {
			fmt.Fprintf(stderr, "verify: %v\n", err)
			return 2
		}
	}
	v := &verifier{
		repo:    *repo,
		only:    only,
		noTests: *noTests,
		run:     *runRE,
		root:    os.Geteuid() == 0,
		out:     stdout,
		errOut:  stderr,
	}
	v.verify()
	return v.summary()
}
