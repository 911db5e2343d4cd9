package kit

import (
	"cmp"
	"errors"
	"fmt"
	"path"
	"slices"

	"github.com/minikit/kit/scripts/gen/markers"
)

// The import paths the generator knows. Every generated tree declares EngineModule, so the
// engine's own imports resolve inside the tree without being rewritten.
const (
	RootModule   = "github.com/minikit/kit"
	EngineModule = RootModule + "/mini"
	TodoPackage  = EngineModule + "/todo"
)

// Output is everything the generator writes.
type Output struct {
	Chapters []Chapter
	// Files maps a slash path relative to the repository ("chapters/03-cgroups/go.mod") to
	// what that file must hold.
	Files map[string]File
}

// File is one generated file.
type File struct {
	Data []byte
	Exec bool // the source was executable (a script); so is the copy
}

// Generate reads mini/ under repo and computes every file of chapters/, exercises/ and
// solutions/ for chapters 00 up to the highest chapter any marker names. It writes nothing.
func Generate(repo string) (*Output, error) {
	sources, err := loadSources(repo)
	if err != nil {
		return nil, err
	}
	if err := checkStepIDs(sources); err != nil {
		return nil, err
	}
	mod, err := loadModule(repo)
	if err != nil {
		return nil, err
	}
	g := &generator{sources: sources, module: mod, packages: packageNames(sources)}
	out := &Output{Files: map[string]File{}}
	last, where := lastChapter(sources)
	if _, err := chapterFor(last); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	for n := 0; n <= last; n++ {
		c, err := chapterFor(n)
		if err != nil {
			return nil, err
		}
		out.Chapters = append(out.Chapters, c)
		if err := g.chapter(c, out.Files); err != nil {
			return nil, fmt.Errorf("chapter %s: %w", c.Slug, err)
		}
	}
	return out, nil
}

// generator holds what every chapter needs while its trees are computed.
type generator struct {
	sources  []*source
	module   module
	packages map[string]string // import path under EngineModule -> package name
}

// chapter adds chapter c's three trees to files.
func (g *generator) chapter(c Chapter, files map[string]File) error {
	var steps []Step
	for _, dir := range []string{c.ChapterDir(), c.ExerciseDir(), c.SolutionDir()} {
		g.module.addTo(dir, files)
	}
	for _, s := range g.sources {
		if !s.exists(c.Number) {
			continue
		}
		chapter, err := g.render(s, c.Number, markers.ChapterView, nil)
		if err != nil {
			return err
		}
		files[path.Join(c.ChapterDir(), s.rel)] = File{Data: chapter, Exec: s.exec}
		exercise := chapter
		if cut := s.stepsIn(c.Number); len(cut) > 0 {
			if exercise, err = g.render(s, c.Number, markers.ExerciseView, chapter); err != nil {
				return err
			}
			files[path.Join(c.SolutionDir(), s.rel)] = File{Data: chapter, Exec: s.exec}
			found, err := locateSteps(s.rel, exercise, cut)
			if err != nil {
				return err
			}
			steps = append(steps, found...)
		}
		files[path.Join(c.ExerciseDir(), s.rel)] = File{Data: exercise, Exec: s.exec}
	}
	slices.SortFunc(steps, func(a, b Step) int { return cmp.Compare(a.number, b.number) })
	data, err := encodeSteps(steps)
	if err != nil {
		return err
	}
	files[path.Join(c.ExerciseDir(), StepsFile)] = File{Data: data}
	return nil
}

// render produces s as it stands in chapter n, with its header, gofmt'ed if it is Go. For an
// exercise, chapter is the chapter view of the same file, which import fixing compares against.
func (g *generator) render(s *source, n int, v markers.View, chapter []byte) ([]byte, error) {
	if s.file == nil {
		return s.data, nil
	}
	text := withHeader(s.rel, s.file.Render(n, v))
	if path.Ext(s.rel) != ".go" {
		return text, nil
	}
	var (
		out []byte
		err error
	)
	if v == markers.ExerciseView {
		out, err = fixImports(s.rel, text, chapter, g.packages)
	} else {
		out, err = formatGo(text)
	}
	if err != nil {
		return nil, fmt.Errorf("mini/%s in chapter %02d: %w", s.rel, n, err)
	}
	return out, nil
}

// checkStepIDs rejects a step ID used twice anywhere in mini/: lessons and the test names map
// one ID to one place.
func checkStepIDs(sources []*source) error {
	first := map[string]string{}
	var errs []error
	for _, s := range sources {
		if s.file == nil {
			continue
		}
		for _, st := range s.file.Steps {
			at := fmt.Sprintf("mini/%s:%d", s.rel, st.Line)
			if prev, dup := first[st.ID]; dup {
				errs = append(errs, fmt.Errorf("%s: duplicate step %s (first at %s)", at, st.ID, prev))
				continue
			}
			first[st.ID] = at
		}
	}
	return errors.Join(errs...)
}

// lastChapter returns the highest chapter any marker names, and where, for a chapter the slug
// table does not know yet.
func lastChapter(sources []*source) (n int, where string) {
	for _, s := range sources {
		if s.file != nil && s.file.MaxChapter > n {
			n, where = s.file.MaxChapter, fmt.Sprintf("mini/%s:%d", s.rel, s.file.MaxChapterLine)
		}
	}
	return n, where
}
