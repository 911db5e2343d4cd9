package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/lessons/internal/check"
	"github.com/minikit/kit/lessons/internal/course"
	"github.com/minikit/kit/lessons/internal/gotest"
	"github.com/minikit/kit/lessons/internal/progress"
	"github.com/minikit/kit/lessons/internal/watch"
)

// checkCmd checks one chapter: exit 0 when it passes, 1 when it fails, 2 when the machine cannot
// run its tests.
func checkCmd(s *session, c *cli.Context) error {
	step := ""
	var ch *course.Chapter
	var err error
	if c.NArg() == 1 && strings.Contains(c.Args().First(), ".") {
		var st course.Step
		ch, st, err = s.course.Step(c.Args().First())
		step = st.ID
	} else {
		ch, err = s.chapterArg(c)
	}
	if err != nil {
		return err
	}
	passed, err := s.runCheck(c.Context, ch, step, c.Bool("verbose"))
	if err != nil {
		return err
	}
	if !passed {
		return fail(exitFail, nil)
	}
	return nil
}

// watchCmd checks a chapter on every save until Ctrl-C.
func watchCmd(s *session, c *cli.Context) error {
	ch, err := s.chapterArg(c)
	if err != nil {
		return err
	}
	dir := s.course.ExerciseDir(ch)
	var stop error
	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	watch.Loop(ctx, dir, s.Poll, func(changed []string) {
		if s.IsTerminal(s.Stdout) {
			s.printf("\x1b[H\x1b[2J") // clear the screen, so each run starts at the top
		}
		if len(changed) > 0 {
			s.printf("%s saved %s\n", time.Now().Format("15:04:05"), s.rel(dir, changed))
		}
		if _, err := s.runCheck(ctx, ch, "", c.Bool("verbose")); err != nil {
			if ctx.Err() == nil {
				stop = err
			}
			cancel()
			return
		}
		s.printf("\n%s\n", s.st.Faint.Sprintf("Watching %s for saved .go files. Ctrl-C to stop.", s.course.Rel(dir)))
	})
	return stop
}

// runCheck runs the check of a chapter (or of one of its steps), records it in the progress file
// and prints the report.
func (s *session) runCheck(ctx context.Context, ch *course.Chapter, step string, verbose bool) (bool, error) {
	what, pattern := "chapter "+ch.Num, "^TestCh"+ch.Num
	if step != "" {
		_, n, _ := strings.Cut(step, ".")
		what, pattern = "step "+step+" of chapter", fmt.Sprintf("^TestCh%sStep%s([^0-9]|$)", ch.Num, n)
	}
	s.printf("%s %s %s\n", s.st.Title.Sprint("Checking "+what), ch.Name, s.st.Faint.Sprint("in "+s.course.Rel(s.course.ExerciseDir(ch))))
	s.printf("%s\n\n", s.st.Faint.Sprintf("go build ./... && go test -json -count=1 -run '%s' ./...", pattern))
	opts := check.Options{Go: s.Go, Machine: s.Machine, Step: step}
	live := !verbose && s.IsTerminal(s.Stdout)
	ended := 0
	switch {
	case verbose:
		opts.OnTest = func(r gotest.Result) {
			s.printf("  %s %s %s\n", s.verdict(r.Action), r.Name, s.st.Faint.Sprintf("(%.2fs)", r.Elapsed.Seconds()))
		}
	case live:
		// One line that keeps changing, so a long run does not look stuck; erased before the report.
		opts.OnTest = func(r gotest.Result) {
			ended++
			s.printf("\r\x1b[K  %d tests done, the last %s %s", ended, r.Name, s.verdict(r.Action))
		}
	}
	rep, err := check.Run(ctx, s.course, ch, opts)
	if live && ended > 0 {
		s.printf("\r\x1b[K")
	}
	var notReady *check.NotReadyError
	if errors.As(err, &notReady) {
		return false, fail(exitNotReady, fmt.Errorf("%w (%s tells what else this machine needs)", err, s.Self+" doctor"))
	}
	if err != nil {
		return false, err
	}
	if err := s.record(rep); err != nil {
		return false, err
	}
	s.report(rep)
	return rep.Passed, nil
}

// record rebuilds the chapter's entry in the progress file from the report.
func (s *session) record(rep *check.Report) error {
	p, err := s.load()
	if err != nil {
		return err
	}
	if rep.Step != "" {
		// One step was checked: the others keep what the last check found, and the chapter
		// passes only when a whole check says so.
		entry := p.Chapters[rep.Chapter.Num]
		if entry == nil {
			entry = &progress.Chapter{Checked: rep.Started.UTC().Truncate(time.Second), Steps: map[string]string{}}
			p.Chapters[rep.Chapter.Num] = entry
		}
		status := rep.StepStatus()[rep.Step]
		entry.Steps[rep.Step] = string(status)
		if status != check.Done {
			entry.Passed = false
		}
		return s.save(p)
	}
	entry := &progress.Chapter{Checked: rep.Started.UTC().Truncate(time.Second), Passed: rep.Passed, Steps: map[string]string{}}
	for id, status := range rep.StepStatus() {
		entry.Steps[id] = string(status)
	}
	p.Chapters[rep.Chapter.Num] = entry
	return s.save(p)
}

// chapterArg is the chapter named by the command's argument, or else the first that has not passed.
func (s *session) chapterArg(c *cli.Context) (*course.Chapter, error) {
	if c.NArg() > 1 {
		return nil, fmt.Errorf("%s takes at most one chapter: usage: lessons %s [NN]", c.Command.Name, c.Command.Name)
	}
	if c.NArg() == 1 {
		return s.course.Chapter(c.Args().First())
	}
	chapters, err := s.course.Chapters()
	if err != nil {
		return nil, err
	}
	if len(chapters) == 0 {
		return nil, fmt.Errorf("%s has no exercises yet: run `go run ./scripts/gen` first", s.course.Root)
	}
	p, err := s.load()
	if err != nil {
		return nil, err
	}
	if ch := firstNotPassed(chapters, p); ch != nil {
		return ch, nil
	}
	return chapters[len(chapters)-1], nil
}

// rel names files relative to the exercise directory, for "saved" lines.
func (s *session) rel(dir string, paths []string) string {
	var names []string
	for _, p := range paths {
		if r, err := filepath.Rel(dir, p); err == nil {
			p = r
		}
		names = append(names, filepath.ToSlash(p))
	}
	return strings.Join(names, ", ")
}
