package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/lessons/internal/hint"
	"github.com/minikit/kit/lessons/internal/markdown"
)

// hintCmd reveals a step's hints one at a time: each call shows one more, and the progress file
// remembers how many were shown.
func hintCmd(s *session, c *cli.Context) error {
	arg, err := oneArg(c, "a step")
	if err != nil {
		return err
	}
	ch, step, err := s.course.Step(arg)
	if err != nil {
		return err
	}
	path := filepath.Join(s.course.LessonDir(ch), "hints.md")
	all, err := hint.Load(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("chapter %s has no hints yet (%s is missing)", ch.Num, s.course.Rel(path))
	}
	if err != nil {
		return err
	}
	h := all[step.ID]
	if h == nil || len(h.Hints) == 0 {
		return fmt.Errorf("step %s has no hints yet: %s has no \"## %s\" section", step.ID, s.course.Rel(path), step.ID)
	}

	p, err := s.load()
	if err != nil {
		return err
	}
	shown := min(p.Hints[step.ID], len(h.Hints))
	n := min(shown+1, len(h.Hints))
	if c.Bool("all") {
		n = len(h.Hints)
	}
	if n > p.Hints[step.ID] {
		p.Hints[step.ID] = n
		if err := s.save(p); err != nil {
			return err
		}
	}

	file := s.course.Rel(filepath.Join(s.course.ExerciseDir(ch), filepath.FromSlash(step.File)))
	s.printf("%s %s %s\n", s.st.Title.Sprint("Step "+step.ID), step.Title, s.st.Faint.Sprintf("(%s:%d)", file, s.todoLine(file, step)))
	for i := range n {
		label := fmt.Sprintf("Hint %d of %d", i+1, len(h.Hints))
		if i < shown && i < n-1 {
			label += " (shown before)"
		}
		s.printf("\n%s\n%s", s.st.Heading.Sprint(label), markdown.Render(h.Hints[i], s.st))
	}
	s.printf("\n")
	if n < len(h.Hints) {
		s.printf("Still stuck? %s shows the next hint (%d more).\n", s.cmd("hint "+step.ID), len(h.Hints)-n)
	} else {
		s.printf("That was the last hint. The reference solution: %s\n", s.cmd("solution "+ch.Num+" --peek"))
	}
	return nil
}
