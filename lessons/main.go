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
	"os/signal"

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
	})
	stop()
	os.Exit(code)
}
