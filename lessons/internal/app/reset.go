package app

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/lessons/internal/course"
	"github.com/minikit/kit/lessons/internal/vcs"
)

// reset puts the committed stubs back: every file the chapter's exercise cuts, or for one step the
// whole file that holds it (other steps in that file are reset too, and the prompt says so).
func reset(s *session, c *cli.Context) error {
	arg, err := oneArg(c, "a chapter or a step")
	if err != nil {
		return err
	}
	ch, files, what, err := s.resetTarget(arg)
	if err != nil {
		return err
	}
	exDir := s.course.Rel(s.course.ExerciseDir(ch))
	committed := map[string][]byte{}
	for _, f := range files {
		data, err := vcs.Committed(c.Context, s.course.Root, path.Join(exDir, f))
		if err != nil {
			return fmt.Errorf("reset %s: %w", what, err)
		}
		committed[f] = data
	}

	s.printf("This resets %s by overwriting these files with their committed versions:\n", what)
	for _, f := range files {
		s.printf("  %s\n", path.Join(exDir, f))
	}
	if !c.Bool("yes") {
		s.printf("Your changes in them are lost. Continue? [y/N] ")
		if !confirmed(s.Stdin) {
			s.printf("Nothing was changed.\n")
			return nil
		}
	}
	for _, f := range files {
		dst := filepath.Join(s.course.ExerciseDir(ch), filepath.FromSlash(f))
		if err := os.WriteFile(dst, committed[f], 0o644); err != nil {
			return fmt.Errorf("reset %s: %w", what, err)
		}
		if err := s.owner.Give(dst); err != nil { // a file that was deleted is new, root's under sudo
			return fmt.Errorf("reset %s: %w", what, err)
		}
		s.printf("Restored %s\n", path.Join(exDir, f))
	}
	// The chapter's entry described the files as they were; the next check rebuilds it.
	p, err := s.load()
	if err != nil {
		return err
	}
	delete(p.Chapters, ch.Num)
	return s.save(p)
}

// resetTarget resolves "NN" or "NN.S" to the chapter, the files to restore (relative to the
// exercise directory) and a description for the prompt.
func (s *session) resetTarget(arg string) (*course.Chapter, []string, string, error) {
	if !strings.Contains(arg, ".") {
		ch, err := s.course.Chapter(arg)
		if err != nil {
			return nil, nil, "", err
		}
		files, err := s.course.CutFiles(ch)
		if err != nil {
			return nil, nil, "", err
		}
		if len(files) == 0 {
			return nil, nil, "", fmt.Errorf("chapter %s cuts no files: there is nothing to reset", ch.Num)
		}
		return ch, files, "chapter " + ch.Num, nil
	}
	ch, step, err := s.course.Step(arg)
	if err != nil {
		return nil, nil, "", err
	}
	what := "step " + step.ID
	var others []string
	for _, st := range ch.Steps {
		if st.File == step.File && st.ID != step.ID {
			others = append(others, st.ID)
		}
	}
	if len(others) > 0 {
		what += fmt.Sprintf(" (a file is restored as a whole, so this also resets %s in the same file)", strings.Join(others, ", "))
	}
	return ch, []string{step.File}, what, nil
}

// confirmed reads one line and reports whether it says yes.
func confirmed(in io.Reader) bool {
	line, _ := bufio.NewReader(in).ReadString('\n')
	return slices.Contains([]string{"y", "yes"}, strings.ToLower(strings.TrimSpace(line)))
}
