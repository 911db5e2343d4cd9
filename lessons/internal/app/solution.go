package app

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/lessons/internal/diff"
	"github.com/minikit/kit/lessons/internal/term"
)

// solution shows a unified diff from the student's files to the solution's, once the chapter has
// passed (or with --peek).
func solution(s *session, c *cli.Context) error {
	arg, err := oneArg(c, "a chapter")
	if err != nil {
		return err
	}
	ch, err := s.course.Chapter(arg)
	if err != nil {
		return err
	}
	p, err := s.load()
	if err != nil {
		return err
	}
	if !c.Bool("peek") && !p.Passed(ch.Num) {
		why := "it has not been checked yet"
		if p.Chapters[ch.Num] != nil {
			why = "its last check failed"
		}
		return fmt.Errorf("the solution of chapter %s is locked until `%s check %s` passes (%s): add --peek to see it anyway",
			ch.Num, s.Self, ch.Num, why)
	}
	files, err := s.course.CutFiles(ch)
	if err != nil {
		return err
	}
	exDir, solDir := s.course.ExerciseDir(ch), s.course.SolutionDir(ch)
	var out strings.Builder
	for _, f := range files {
		mine, err := readOrEmpty(filepath.Join(exDir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		ref, err := os.ReadFile(filepath.Join(solDir, filepath.FromSlash(f)))
		if err != nil {
			return fmt.Errorf("read the solution: %w", err)
		}
		nameA, nameB := path.Join(s.course.Rel(exDir), f), path.Join(s.course.Rel(solDir), f)
		lines := diff.Unified(string(mine), string(ref))
		if lines == nil {
			fmt.Fprintf(&out, "%s\n\n", s.st.Pass.Sprint(nameA+" is the same as the solution."))
			continue
		}
		out.WriteString(s.colorDiff(nameA, nameB, lines) + "\n")
	}
	return s.page(out.String())
}

func (s *session) colorDiff(nameA, nameB string, lines []diff.Line) string {
	var sb strings.Builder
	sb.WriteString(s.st.Bold.Sprint("--- "+nameA) + "\n" + s.st.Bold.Sprint("+++ "+nameB) + "\n")
	for _, l := range lines {
		switch l.Kind {
		case '@':
			sb.WriteString(s.st.Hunk.Sprint(l.Text))
		case '-':
			sb.WriteString(s.st.Removed.Sprint("-" + l.Text))
		case '+':
			sb.WriteString(s.st.Added.Sprint("+" + l.Text))
		default:
			sb.WriteString(" " + l.Text)
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// readOrEmpty reads a file the student may have deleted.
func readOrEmpty(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read your exercise: %w", err)
	}
	return data, nil
}

// page shows long text through the pager on a terminal, and prints it plainly otherwise.
func (s *session) page(text string) error {
	if s.IsTerminal(s.Stdout) {
		return term.Page(text, s.Stdout, s.Getenv)
	}
	_, err := fmt.Fprint(s.Stdout, text)
	return err
}
