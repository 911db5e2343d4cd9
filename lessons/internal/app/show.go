package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/lessons/internal/excerpt"
	"github.com/minikit/kit/lessons/internal/markdown"
	"github.com/minikit/kit/lessons/internal/progress"
	"github.com/minikit/kit/lessons/teach"
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
	path, err := s.lessonFile(ch.Num, s.course.LessonDir(ch), c.String("lang"))
	if err != nil {
		return err
	}
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("chapter %s has no lesson yet (%s is missing)", ch.Num, s.course.Rel(path))
	}
	if err != nil {
		return fmt.Errorf("read the lesson: %w", err)
	}
	lesson, err := s.reveal(path, string(src))
	if err != nil {
		return err
	}
	text := markdown.Render(lesson, s.st)
	text += fmt.Sprintf("\n%s\nWrite the steps in %s, then run %s.\n", s.st.Faint.Sprint("────"), s.course.Rel(s.course.ExerciseDir(ch)), s.cmd("check "+ch.Num))
	return s.page(text)
}

// translations are the languages a lesson may be translated into: --lang → the file's suffix.
var translations = map[string]string{"zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN"}

// lessonFile is the lesson to show in lang: README.md for English, README.<lang>.md for a
// translation. A chapter without that translation shows the English lesson, saying so on stderr
// (one line, so that a pipe to a file or a pager keeps only the lesson).
func (s *session) lessonFile(num, dir, lang string) (string, error) {
	english := filepath.Join(dir, "README.md")
	lang = strings.ToLower(lang)
	if lang == "" || lang == "en" {
		return english, nil
	}
	suffix, ok := translations[lang]
	if !ok {
		return "", fmt.Errorf("unknown --lang %q: use en or zh", lang)
	}
	translated := filepath.Join(dir, "README."+suffix+".md")
	if _, err := os.Stat(translated); err == nil {
		return translated, nil
	}
	fmt.Fprintf(s.Stderr, "lessons: chapter %s has no %s translation yet (%s): showing the English lesson\n", num, suffix, s.course.Rel(translated))
	return english, nil
}

// reveal replaces each elided excerpt whose steps all pass (as the progress file records) by the
// full code: the lesson shows the code around a step until the student has written it, and the
// reference solution after.
func (s *session) reveal(path, src string) (string, error) {
	excerpts, _ := excerpt.ParseText(s.course.Rel(path), src)
	p, err := s.load()
	if err != nil {
		return "", err
	}
	var steps teach.Steps
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i := len(excerpts) - 1; i >= 0; i-- {
		ex := excerpts[i]
		if len(ex.Elide) == 0 || !allDone(p, ex.Elide) {
			continue
		}
		if steps == nil {
			if steps, err = teach.Load(s.course.Root); err != nil {
				return "", err
			}
		}
		full, err := excerpt.Reveal(s.course.Root, ex, steps)
		if err != nil {
			return "", err // the excerpt check (lessons excerpts, go test ./lessons) says what to fix
		}
		note := fmt.Sprintf("*Step %s passes: the reference code in full, to compare with yours.*", strings.Join(ex.Elide, ", "))
		block := append([]string{note, "", lines[ex.Open]}, full...)
		lines = append(lines[:ex.Open], append(block, lines[ex.Close:]...)...)
	}
	return strings.Join(lines, "\n"), nil
}

// allDone reports whether the progress file records every one of the steps as done.
func allDone(p *progress.Progress, ids []string) bool {
	for _, id := range ids {
		num, _, _ := strings.Cut(id, ".")
		if p.StepStatus(num, id) != "done" {
			return false
		}
	}
	return true
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
