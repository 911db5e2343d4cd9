package markers

import "strings"

// View selects which of the generated views Render produces.
type View int

const (
	// ChapterView is the engine at the end of a chapter: solutions kept, markers removed.
	ChapterView View = iota
	// ExerciseView is the chapter with its own steps cut: each solution becomes a TODO comment
	// followed by its stub. Steps of earlier chapters keep their solutions.
	ExerciseView
)

// Exists reports whether the file exists in chapter n.
func (f *File) Exists(n int) bool { return f.Chapter <= n }

// StepsIn returns the steps of chapter n, in file order: the ones chapter n's exercise cuts.
// A step's chapter is never below its code's, so every one of them exists in chapter n.
func (f *File) StepsIn(n int) []*Step {
	var steps []*Step
	for _, s := range f.Steps {
		if s.Chapter == n && f.Exists(n) {
			steps = append(steps, s)
		}
	}
	return steps
}

// Render returns the text of the file in chapter n, without any marker line.
// It is only meaningful when Exists(n).
func (f *File) Render(n int, v View) []byte {
	var b strings.Builder
	for _, l := range f.Lines {
		if l.Chapter > n {
			continue
		}
		cut := v == ExerciseView && l.Step != nil && l.Step.Chapter == n
		switch {
		case l.Kind == Solution && cut:
			s := l.Step
			b.WriteString(s.Indent + s.Comment + " " + TODO(s.ID) + " " + s.Title + "\n")
		case l.Kind == Stub && cut, l.Kind == Code && !cut:
			b.WriteString(l.Text + "\n")
		}
	}
	out := b.String()
	if !f.finalNewline {
		out = strings.TrimSuffix(out, "\n")
	}
	return []byte(out)
}

// TODO is how an exercise marks the place of a step, "TODO(03.1):". Tools find steps by it.
func TODO(id string) string { return "TODO(" + id + "):" }
