// Command gen generates chapters/, exercises/ and solutions/ from the marked-up engine in mini/
// (see shared/KIT.md and docs/kit.md).
//
//	go run ./scripts/gen            write the trees, remove stale files
//	go run ./scripts/gen --check    write nothing; fail listing every stale, missing or extra path
//	go run ./scripts/gen --repo DIR work on another checkout (tests use fixture trees)
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/minikit/kit/scripts/gen/kit"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("gen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	check := fl.Bool("check", false, "write nothing; exit 1 listing each stale, missing or extra path")
	repo := fl.String("repo", "", "repository root (default: the directory above with the kit's go.mod)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "gen: unexpected arguments %q\n", fl.Args())
		return 2
	}
	if err := generate(*repo, *check, stdout); err != nil {
		fmt.Fprintf(stderr, "gen: %v\n", err)
		return 1
	}
	return 0
}

// written says what Write did about each kind of change.
var written = map[kit.ChangeKind]string{kit.Missing: "created", kit.Stale: "updated", kit.Extra: "removed"}

func generate(repo string, check bool, stdout io.Writer) error {
	if repo == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		if repo, err = kit.FindRepo(wd); err != nil {
			return err
		}
	}
	out, err := kit.Generate(repo)
	if err != nil {
		return err
	}
	first, last := out.Chapters[0], out.Chapters[len(out.Chapters)-1]
	if check {
		changes, err := out.Diff(repo)
		if err != nil {
			return err
		}
		for _, c := range changes {
			fmt.Fprintln(stdout, c)
		}
		if len(changes) > 0 {
			return fmt.Errorf("%d generated paths are not up to date; run go run ./scripts/gen", len(changes))
		}
		fmt.Fprintf(stdout, "gen: chapters %s..%s are up to date\n", first.Code(), last.Code())
		return nil
	}
	changes, err := out.Write(repo)
	if err != nil {
		return err
	}
	for _, c := range changes {
		fmt.Fprintf(stdout, "%-7s %s\n", written[c.Kind], c.Path)
	}
	fmt.Fprintf(stdout, "gen: chapters %s..%s: %d paths changed\n", first.Code(), last.Code(), len(changes))
	return nil
}
