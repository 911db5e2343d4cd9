// Package excerpt keeps the lessons' code in step with the engine. In a lesson, the line
//
//	<!-- excerpt: chapters/02-namespaces/rootfs/pivot.go -->
//
// directly before a fenced code block says that the block's lines appear verbatim and consecutively
// in that file (a path from the repository root). Leading and trailing blank lines of the block are
// ignored, and lines are compared after trimming trailing whitespace.
//
// The elided form
//
//	<!-- excerpt: chapters/02-namespaces/rootfs/pivot.go elide 02.4 -->
//
// quotes the file with the solution of each named step replaced by its TODO comment and a
// "your code here" line: the code around a step, never the step itself. Once the step passes,
// `lessons show` prints the full excerpt instead (Reveal).
package excerpt

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/minikit/kit/lessons/teach"
)

// Excerpt is one marked code block in a lesson.
type Excerpt struct {
	Lesson string   // the lesson's path, relative to the repository root
	Line   int      // of the excerpt comment
	File   string   // the file the block quotes, relative to the repository root
	Elide  []string // the steps whose solutions the block shows elided ("02.4")
	Lines  []string // the block's lines, trimmed as they are compared
	// Open and Close are the 0-based lesson lines of the block's fences.
	Open, Close int
}

// Mismatch is an excerpt that its file does not contain, or a malformed excerpt comment.
type Mismatch struct {
	Lesson string
	Line   int
	File   string
	Reason string
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", m.Lesson, m.Line, m.File, m.Reason)
}

var marker = regexp.MustCompile(`^\s*<!--\s*excerpt:\s*(\S+)((?:\s+elide(?:\s+[0-9]+\.[0-9]+)+)?)\s*-->\s*$`)

// Lessons lists the lesson files under root: lessons/NN-*/README.md, sorted.
func Lessons(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "lessons", "[0-9][0-9]-*", "README.md"))
	if err != nil {
		return nil, fmt.Errorf("list the lessons: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

// CheckAll checks every excerpt of every lesson under root.
func CheckAll(root string) (checked int, bad []Mismatch, err error) {
	lessons, err := Lessons(root)
	if err != nil {
		return 0, nil, err
	}
	steps, err := teach.Load(root)
	if err != nil {
		return 0, nil, err
	}
	for _, lesson := range lessons {
		excerpts, malformed, err := Parse(root, lesson)
		if err != nil {
			return checked, bad, err
		}
		bad = append(bad, malformed...)
		for _, ex := range excerpts {
			checked++
			if m := Check(root, ex, steps); m != nil {
				bad = append(bad, *m)
			}
		}
	}
	return checked, bad, nil
}

// Parse reads a lesson's excerpts. A marker that is not followed by a fenced block, or a block that
// does not close, is reported as a Mismatch.
func Parse(root, lesson string) ([]Excerpt, []Mismatch, error) {
	data, err := os.ReadFile(lesson)
	if err != nil {
		return nil, nil, fmt.Errorf("read lesson: %w", err)
	}
	rel, _ := filepath.Rel(root, lesson)
	excerpts, bad := ParseText(filepath.ToSlash(rel), string(data))
	return excerpts, bad, nil
}

// ParseText reads the excerpts of a lesson's text; rel names the lesson in mismatches.
func ParseText(rel, text string) ([]Excerpt, []Mismatch) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var excerpts []Excerpt
	var bad []Mismatch
	for i := 0; i < len(lines); i++ {
		m := marker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		ex := Excerpt{Lesson: rel, Line: i + 1, File: m[1], Elide: strings.Fields(m[2])}
		if len(ex.Elide) > 0 {
			ex.Elide = ex.Elide[1:] // the word "elide"
		}
		open := i + 1
		if open >= len(lines) || !isFence(lines[open]) {
			bad = append(bad, Mismatch{rel, i + 1, m[1], "the excerpt comment must be directly followed by a ``` code block"})
			continue
		}
		fence := strings.TrimSpace(lines[open])[:3]
		end := open + 1
		for end < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[end]), fence) {
			end++
		}
		if end == len(lines) {
			bad = append(bad, Mismatch{rel, i + 1, m[1], "the code block after the excerpt comment never closes"})
			break
		}
		ex.Lines = trimBlock(lines[open+1 : end])
		ex.Open, ex.Close = open, end
		excerpts = append(excerpts, ex)
		i = end
	}
	return excerpts, bad
}

// Check returns nil if ex's lines appear consecutively in its file (with the named steps elided),
// and otherwise a Mismatch that names the first line that differs from the closest place in the
// file.
func Check(root string, ex Excerpt, steps teach.Steps) *Mismatch {
	miss := func(reason string) *Mismatch { return &Mismatch{ex.Lesson, ex.Line, ex.File, reason} }
	if len(ex.Lines) == 0 {
		return miss("the code block is empty")
	}
	file, err := fileLines(root, ex, steps)
	if err != nil {
		return miss(err.Error())
	}
	at, best, bestAt := locate(teach.Texts(file), ex.Lines)
	if at >= 0 {
		return nil
	}
	if best == 0 {
		return miss(fmt.Sprintf("the block's first line %q is not in the file: copy the code from the file again", ex.Lines[0]))
	}
	got := "<end of file>"
	if bestAt+best < len(file) {
		got = fmt.Sprintf("%q", file[bestAt+best].Text)
	}
	return miss(fmt.Sprintf("block line %d %q differs from file line %d %s: copy the code from the file again",
		best+1, ex.Lines[best], bestAt+best+1, got))
}

// Reveal returns the full lines of an elided excerpt: what the block shows, with each TODO comment
// replaced by the step's solution. An excerpt that elides nothing is returned as it is.
func Reveal(root string, ex Excerpt, steps teach.Steps) ([]string, error) {
	if len(ex.Elide) == 0 {
		return ex.Lines, nil
	}
	file, err := fileLines(root, ex, steps)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %v", ex.Lesson, ex.Line, err)
	}
	at, _, _ := locate(teach.Texts(file), ex.Lines)
	if at < 0 {
		return nil, fmt.Errorf("%s:%d: the excerpt does not match %s (lessons excerpts says where)", ex.Lesson, ex.Line, ex.File)
	}
	return teach.Reveal(file[at : at+len(ex.Lines)]), nil
}

// fileLines reads the file an excerpt quotes, with its elided steps cut.
func fileLines(root string, ex Excerpt, steps teach.Steps) ([]teach.Line, error) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(ex.File)))
	if err != nil {
		return nil, fmt.Errorf("cannot read the file (%v): fix the path in the excerpt comment", err)
	}
	var cut []*teach.Step
	for _, id := range ex.Elide {
		s := steps[id]
		if s == nil {
			return nil, fmt.Errorf("elide %s: there is no step %s in mini/", id, id)
		}
		if !strings.HasSuffix(ex.File, "/"+s.File) {
			return nil, fmt.Errorf("elide %s: the step is in %s, not in this file", id, s.File)
		}
		cut = append(cut, s)
	}
	return teach.Elide(strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), cut)
}

// locate returns where want starts in file, or -1 and the longest partial match (its length
// and start).
func locate(file, want []string) (at, best, bestAt int) {
	best = -1
	for start := range file {
		n := 0
		for n < len(want) && start+n < len(file) && file[start+n] == want[n] {
			n++
		}
		if n == len(want) {
			return start, n, start
		}
		if n > best {
			best, bestAt = n, start
		}
	}
	return -1, best, bestAt
}

func isFence(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
}

// trimBlock drops leading and trailing blank lines and each line's trailing whitespace.
func trimBlock(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(l, " \t")
	}
	for len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
