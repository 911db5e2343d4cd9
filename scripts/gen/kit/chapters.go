// Package kit generates the chapter, exercise and solution trees from mini/ and compares them
// with what is on disk. shared/KIT.md is the specification; docs/kit.md explains the choices.
package kit

import "fmt"

// slugs names the chapters; a chapter after 07 is added here and in mini/'s markers.
var slugs = []string{
	"00-process",
	"01-chroot",
	"02-namespaces",
	"03-cgroups",
	"04-overlay",
	"05-network",
	"06-images",
	"07-engine",
}

// Chapter is one generated chapter.
type Chapter struct {
	Number int
	Slug   string // "03-cgroups"
}

// Code is the chapter number as written in markers and test names: "03".
func (c Chapter) Code() string { return fmt.Sprintf("%02d", c.Number) }

// ChapterDir, ExerciseDir and SolutionDir are a chapter's trees, relative to the repository.
func (c Chapter) ChapterDir() string  { return "chapters/" + c.Slug }
func (c Chapter) ExerciseDir() string { return "exercises/" + c.Slug }
func (c Chapter) SolutionDir() string { return "solutions/" + c.Slug }

// chapterFor returns chapter n from the table.
func chapterFor(n int) (Chapter, error) {
	if n < 0 || n >= len(slugs) {
		return Chapter{}, fmt.Errorf("chapter %02d has no slug: add it to the table in scripts/gen/kit/chapters.go", n)
	}
	return Chapter{Number: n, Slug: slugs[n]}, nil
}
