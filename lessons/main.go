// Command lessons is the student's side of the Mini kit: it shows the lessons, checks the exercises,
// gives hints and solutions, and keeps track of progress. Run it from the repository:
//
//	go run ./lessons list
//
// See docs/lessons-format.md for the files it reads.
package main

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"

	"github.com/minikit/kit/lessons/internal/app"
	"github.com/minikit/kit/lessons/internal/check"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	dir, _ := os.Getwd()
	code := app.Run(ctx, app.Options{
		Args:    os.Args,
		Dir:     dir,
		Machine: check.RequireRoot,
		Go:      goCommand(),
	})
	stop()
	os.Exit(code)
}

// goCommand finds the go command. Under sudo, PATH is reset to a "secure path" that usually
// lacks /usr/local/go/bin, so `sudo bin/lessons check 02` would not find the go it needs to
// build and test the exercise: fall back to the toolchain this program was built with.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	for _, p := range []string{filepath.Join(runtime.GOROOT(), "bin", "go"), "/usr/local/go/bin/go"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}
