package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/lessons/internal/excerpt"
	"github.com/minikit/kit/lessons/internal/markdown"
)

// show renders a chapter's lesson for the terminal, through the pager when it is one.
func show(s *session, c *cli.Context) error {
	arg, err := oneArg(c, "a chapter")
	if err != nil {
		return err
	}
	ch, err := s.course.Chapter(arg)
	if err != nil {
		return err
	}
	path := filepath.Join(s.course.LessonDir(ch), "README.md")
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("chapter %s has no lesson yet (%s is missing)", ch.Num, s.course.Rel(path))
	}
	if err != nil {
		return fmt.Errorf("read the lesson: %w", err)
	}
	text := markdown.Render(string(src), s.st)
	text += fmt.Sprintf("\n%s\nWrite the steps in %s, then run %s.\n", s.st.Faint.Sprint("────"), s.course.Rel(s.course.ExerciseDir(ch)), s.cmd("check "+ch.Num))
	return s.page(text)
}

// excerpts checks every code excerpt in the lessons against the file it quotes.
func excerpts(s *session, c *cli.Context) error {
	checked, bad, err := excerpt.CheckAll(s.course.Root)
	if err != nil {
		return err
	}
	for _, m := range bad {
		s.printf("%s %s\n", s.st.Fail.Sprint("FAIL"), m)
	}
	if len(bad) > 0 {
		return fail(exitFail, fmt.Errorf("%d of the lessons' code excerpts do not match the code: fix the lessons named above", len(bad)))
	}
	s.printf("%s all %d code excerpts in the lessons match the code.\n", s.st.Pass.Sprint("ok"), checked)
	return nil
}
