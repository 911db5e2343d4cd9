package app

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fatih/color"
	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/lessons/internal/check"
	"github.com/minikit/kit/lessons/internal/course"
	"github.com/minikit/kit/lessons/internal/progress"
)

// list shows every chapter and step with its status from the progress file.
func list(s *session, c *cli.Context) error {
	chapters, err := s.course.Chapters()
	if err != nil {
		return err
	}
	if len(chapters) == 0 {
		return fmt.Errorf("%s has no exercises yet: run `go run ./scripts/gen` first", s.course.Root)
	}
	p, err := s.load()
	if err != nil {
		return err
	}
	total, done := 0, 0
	for _, ch := range chapters {
		for _, st := range ch.Steps {
			total++
			if p.StepStatus(ch.Num, st.ID) == string(check.Done) {
				done++
			}
		}
	}
	s.printf("%s %d of %d steps done (%d%%)\n", s.st.Title.Sprint("Mini lessons:"), done, total, percent(done, total))
	for _, ch := range chapters {
		s.printf("\n")
		s.listChapter(ch, p)
	}
	s.printf("\n")
	if next := firstNotPassed(chapters, p); next != nil {
		s.printf("Next: %s   (read the lesson: %s)\n", s.cmd("check "+next.Num), s.cmd("show "+next.Num))
	} else {
		s.printf("Every chapter passes. Compare with the solutions: %s\n", s.cmd("solution NN"))
	}
	return nil
}

func (s *session) listChapter(ch *course.Chapter, p *progress.Progress) {
	done := 0
	for _, st := range ch.Steps {
		if p.StepStatus(ch.Num, st.ID) == string(check.Done) {
			done++
		}
	}
	state := "not checked yet"
	if entry := p.Chapters[ch.Num]; entry != nil {
		state = s.st.Fail.Sprint("failing")
		if entry.Passed {
			state = s.st.Pass.Sprint("passed")
		}
	}
	title := ch.Name
	if t := s.lessonTitle(ch); t != "" {
		title += " · " + t
	}
	s.printf("%s %-40s %d/%d %3d%%  %s\n", s.st.Heading.Sprint(ch.Num), title, done, len(ch.Steps), percent(done, len(ch.Steps)), state)
	for _, st := range ch.Steps {
		status := p.StepStatus(ch.Num, st.ID)
		s.printf("    %s  %s  %s\n", s.statusWord(status), st.ID, st.Title)
	}
}

// statusWord pads a status to one width and colours it.
func (s *session) statusWord(status string) string {
	padded := fmt.Sprintf("%-11s", status)
	var c *color.Color
	switch check.Status(status) {
	case check.Done:
		c = s.st.Pass
	case check.Failing:
		c = s.st.Fail
	default:
		c = s.st.Todo
	}
	return c.Sprint(padded)
}

// lessonTitle is the first heading of the chapter's lesson, or "" if it has none yet.
func (s *session) lessonTitle(ch *course.Chapter) string {
	f, err := os.Open(filepath.Join(s.course.LessonDir(ch), "README.md"))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "# ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "# "))
		}
	}
	return ""
}

// firstNotPassed is the chapter `check` picks without an argument.
func firstNotPassed(chapters []*course.Chapter, p *progress.Progress) *course.Chapter {
	for _, ch := range chapters {
		if !p.Passed(ch.Num) {
			return ch
		}
	}
	return nil
}

func percent(n, of int) int {
	if of == 0 {
		return 100
	}
	return n * 100 / of
}
