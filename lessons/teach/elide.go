package teach

import (
	"fmt"
	"strings"
)

// Line is one line of a file as an elided excerpt sees it. Where a step's solution was cut, Text
// is the TODO comment or the "your code here" line and Full holds the solution lines it stands
// for (all of them on the TODO line, none on the other); elsewhere Full is the line itself.
type Line struct {
	Text string
	Full []string
}

// Elide returns a chapter file's lines (trailing whitespace trimmed) with the solution of each
// step replaced by two lines: the step's TODO comment and "your code here". It is what a lesson
// may show of a function before the student has written it.
func Elide(file []string, steps []*Step) ([]Line, error) {
	out := make([]Line, len(file))
	for i, l := range file {
		t := strings.TrimRight(l, " \t\r")
		out[i] = Line{Text: t, Full: []string{t}}
	}
	for _, s := range steps {
		at := find(out, s.Lines)
		if at < 0 {
			return nil, fmt.Errorf("the solution of step %s (mini/%s) is not in this file: is the step in it?", s.ID, s.File)
		}
		cut := []Line{{Text: s.TODO(), Full: s.Lines}, {Text: s.YourCode()}}
		out = append(out[:at], append(cut, out[at+len(s.Lines):]...)...)
	}
	return out, nil
}

// find returns the index where want's lines start in lines (compared as text), or -1.
func find(lines []Line, want []string) int {
	if len(want) == 0 {
		return -1
	}
	for start := 0; start+len(want) <= len(lines); start++ {
		n := 0
		for n < len(want) && lines[start+n].Text == want[n] && len(lines[start+n].Full) == 1 {
			n++
		}
		if n == len(want) {
			return start
		}
	}
	return -1
}

// Texts returns the lines' texts.
func Texts(lines []Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

// Reveal returns the full text of lines: each TODO comment replaced by the solution it stands for.
func Reveal(lines []Line) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.Full...)
	}
	return out
}
