// Package markers parses the chapter markers of one mini/ source file (see shared/KIT.md) and
// renders the file as it stands in a given chapter, as a chapter snapshot or as an exercise.
//
// Markers are whole-line comments, written //mini:KEYWORD in Go and "# mini:KEYWORD" in files
// whose comments start with #. Parsing is line based on purpose: it works the same for Go,
// shell, YAML and Makefiles, and gofmt (which indents markers with tabs) cannot break it.
package markers

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Parse reads the markers of src. name is the path used in error messages ("mini/x.go").
// The first malformed marker stops parsing and is returned as an *Error naming file and line.
func Parse(name string, src []byte) (*File, error) {
	p := &parser{file: &File{Name: name}}
	lines := strings.Split(string(src), "\n")
	if strings.HasSuffix(string(src), "\n") {
		lines = lines[:len(lines)-1]
		p.file.finalNewline = true
	}
	for i, text := range lines {
		if err := p.line(i+1, text); err != nil {
			return nil, err
		}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.file, nil
}

// File is a parsed source file.
type File struct {
	Name    string // as given to Parse, for messages
	Chapter int    // the file exists from this chapter on
	Lines   []Line
	Steps   []*Step // in file order
	// MaxChapter is the highest chapter any marker of the file names, on line MaxChapterLine.
	MaxChapter     int
	MaxChapterLine int
	finalNewline   bool
}

// Line is one source line with what the markers say about it.
type Line struct {
	Text    string // the line as written (for a stub: the marker's indentation + the stub code)
	Num     int    // 1-based line number in the source
	Kind    Kind
	Chapter int   // the line exists from this chapter on (file and enclosing regions)
	Step    *Step // the exercise step the line belongs to, if any
}

// Kind says what role a line plays.
type Kind int

const (
	Code     Kind = iota // ordinary code (inside a step: solution code)
	Marker               // a marker line; never copied out
	Stub                 // a //mini:stub line; only in the exercise of its step's chapter
	Solution             // the //mini:solution marker; becomes the TODO comment in the exercise
)

// Step is one exercise step: //mini:solution NN.S <title> … //mini:stub … //mini:end.
type Step struct {
	ID      string // "03.1"
	Chapter int
	Number  int
	Title   string
	Line    int    // line of the //mini:solution marker in the source
	Indent  string // the marker's indentation, reused for the TODO comment
	Comment string // "//" or "#": how the TODO comment starts
}

// Error is a malformed marker.
type Error struct {
	Name string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// block is an open region or solution on the parser's stack.
type block struct {
	line    int
	chapter int
	step    *Step // nil for a region
	stubs   int   // stub lines seen so far (solutions only)
}

type parser struct {
	file  *File
	stack []*block
}

var (
	chapterRE = regexp.MustCompile(`^[0-9]{2}$`)
	stepRE    = regexp.MustCompile(`^([0-9]{2})\.([1-9][0-9]*)$`)
)

func (p *parser) line(num int, text string) error {
	m, ok := parseMarker(text)
	if !ok {
		if k, bad := misspelled(text); bad {
			return p.errorf(num, "write //mini:%s without a space after //", k)
		}
		if strings.Contains(text, "//mini:") {
			return p.errorf(num, "a marker must be on a line of its own")
		}
		return p.code(num, text)
	}
	p.file.Lines = append(p.file.Lines, Line{Text: text, Num: num, Kind: Marker, Chapter: p.chapter()})
	switch m.keyword {
	case "chapter":
		return p.fileMarker(num, m)
	case "begin":
		return p.begin(num, m)
	case "end":
		return p.end(num, m)
	case "solution":
		return p.solution(num, m)
	case "stub":
		return p.stub(num, m)
	}
	return p.errorf(num, "unknown marker mini:%s (want chapter, begin, end, solution or stub)", m.keyword)
}

// code records an ordinary line. Inside a solution it is solution code, which may not follow the
// stubs: the exercise replaces everything between //mini:solution and //mini:end.
func (p *parser) code(num int, text string) error {
	l := Line{Text: text, Num: num, Kind: Code, Chapter: p.chapter()}
	if b := p.top(); b != nil && b.step != nil {
		if b.stubs > 0 {
			return p.errorf(num, "code after mini:stub in solution %s (line %d); the stubs must be the last lines before mini:end (is it missing?)", b.step.ID, b.line)
		}
		l.Step = b.step
	}
	p.file.Lines = append(p.file.Lines, l)
	return nil
}

// fileMarker handles //mini:chapter NN. It must be the first line, or the second after a #!
// line, because a script in mini/ still has to run.
func (p *parser) fileMarker(num int, m marker) error {
	first := num == 1 || (num == 2 && strings.HasPrefix(p.file.Lines[0].Text, "#!"))
	if !first {
		return p.errorf(num, "file marker mini:chapter must be on line 1")
	}
	n, err := p.chapterArg(num, m)
	if err != nil {
		return err
	}
	p.file.Chapter = n
	p.setLineChapter(n)
	return nil
}

func (p *parser) begin(num int, m marker) error {
	if b := p.top(); b != nil && b.step != nil {
		return p.errorf(num, "mini:begin inside solution %s (line %d); a solution cannot contain a region", b.step.ID, b.line)
	}
	n, err := p.chapterArg(num, m)
	if err != nil {
		return err
	}
	if outer := p.chapter(); n < outer {
		return p.errorf(num, "mini:begin %02d inside chapter %02d code; chapter numbers may not go down inside a region", n, outer)
	}
	p.stack = append(p.stack, &block{line: num, chapter: n})
	return nil
}

func (p *parser) end(num int, m marker) error {
	b := p.top()
	if len(m.args) == 0 {
		switch {
		case b == nil:
			return p.errorf(num, "mini:end without an open mini:solution")
		case b.step == nil:
			return p.errorf(num, "mini:end without a chapter closes a solution, but the open block is mini:begin %02d (line %d)", b.chapter, b.line)
		case b.stubs == 0:
			return p.errorf(num, "solution %s (line %d) has no mini:stub lines", b.step.ID, b.line)
		}
		p.stack = p.stack[:len(p.stack)-1]
		return nil
	}
	n, err := p.chapterArg(num, m)
	if err != nil {
		return err
	}
	switch {
	case b == nil:
		return p.errorf(num, "mini:end %02d without mini:begin", n)
	case b.step != nil:
		return p.errorf(num, "mini:end %02d inside solution %s (line %d); close the solution with a bare mini:end first", n, b.step.ID, b.line)
	case b.chapter != n:
		return p.errorf(num, "mini:end %02d does not match mini:begin %02d (line %d)", n, b.chapter, b.line)
	}
	p.stack = p.stack[:len(p.stack)-1]
	return nil
}

func (p *parser) solution(num int, m marker) error {
	if b := p.top(); b != nil && b.step != nil {
		return p.errorf(num, "solutions cannot nest: mini:solution inside solution %s (line %d)", b.step.ID, b.line)
	}
	if len(m.args) == 0 {
		return p.errorf(num, "mini:solution needs a step ID and a title, e.g. mini:solution 03.1 Write the limit")
	}
	sm := stepRE.FindStringSubmatch(m.args[0])
	if sm == nil {
		return p.errorf(num, "bad step ID %q (want NN.S, e.g. 03.1)", m.args[0])
	}
	title := strings.TrimSpace(strings.TrimPrefix(strings.TrimLeft(m.rest, " \t"), m.args[0]))
	if title == "" {
		return p.errorf(num, "solution %s has no title", m.args[0])
	}
	ch, _ := strconv.Atoi(sm[1])
	n, _ := strconv.Atoi(sm[2])
	if outer := p.chapter(); ch < outer {
		return p.errorf(num, "solution %s is inside chapter %02d code; a step cannot belong to an earlier chapter than its code", m.args[0], outer)
	}
	p.noteChapter(num, ch)
	s := &Step{ID: m.args[0], Chapter: ch, Number: n, Title: title, Line: num, Indent: m.indent, Comment: m.comment}
	p.file.Steps = append(p.file.Steps, s)
	p.stack = append(p.stack, &block{line: num, chapter: p.chapter(), step: s})
	last := &p.file.Lines[len(p.file.Lines)-1]
	last.Kind, last.Step = Solution, s
	return nil
}

// stub turns the marker line into the stub code, indented like the marker.
func (p *parser) stub(num int, m marker) error {
	b := p.top()
	if b == nil || b.step == nil {
		return p.errorf(num, "mini:stub outside a solution")
	}
	b.stubs++
	last := &p.file.Lines[len(p.file.Lines)-1]
	last.Kind, last.Step, last.Text = Stub, b.step, m.indent+m.rest
	return nil
}

func (p *parser) finish() error {
	if b := p.top(); b != nil {
		if b.step != nil {
			return p.errorf(b.line, "solution %s is never closed (want mini:end)", b.step.ID)
		}
		return p.errorf(b.line, "mini:begin %02d is never closed (want mini:end %02d)", b.chapter, b.chapter)
	}
	return nil
}

// chapterArg reads the single NN argument of chapter, begin and end markers.
func (p *parser) chapterArg(num int, m marker) (int, error) {
	if len(m.args) != 1 {
		return 0, p.errorf(num, "mini:%s takes one chapter number, got %d arguments", m.keyword, len(m.args))
	}
	if !chapterRE.MatchString(m.args[0]) {
		return 0, p.errorf(num, "bad chapter number %q (want two digits, e.g. 03)", m.args[0])
	}
	n, _ := strconv.Atoi(m.args[0])
	p.noteChapter(num, n)
	return n, nil
}

// chapter is the chapter the next line exists from: the innermost open block's, else the file's.
func (p *parser) chapter() int {
	if b := p.top(); b != nil {
		return b.chapter
	}
	return p.file.Chapter
}

func (p *parser) top() *block {
	if len(p.stack) == 0 {
		return nil
	}
	return p.stack[len(p.stack)-1]
}

func (p *parser) noteChapter(num, n int) {
	if n > p.file.MaxChapter {
		p.file.MaxChapter, p.file.MaxChapterLine = n, num
	}
}

// setLineChapter applies the file marker to the lines already read (a #! line before it).
func (p *parser) setLineChapter(n int) {
	for i := range p.file.Lines {
		p.file.Lines[i].Chapter = n
	}
}

func (p *parser) errorf(num int, format string, args ...any) error {
	return &Error{Name: p.file.Name, Line: num, Msg: fmt.Sprintf(format, args...)}
}
