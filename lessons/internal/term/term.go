// Package term decides whether output gets colour and pages long text. Colour helps and never
// carries meaning alone: every coloured word is also a word ("done", "FAIL").
package term

import (
	"io"
	"os"

	"github.com/fatih/color"
)

// Style holds the colours the tool uses. A Style without colour prints plain text.
type Style struct {
	Color bool

	Title, Heading, Bold, Italic, Faint, Code, Accent *color.Color
	Pass, Fail, Todo                                  *color.Color
	Added, Removed, Hunk                              *color.Color
}

// NewStyle returns a Style with colour on or off. Each colour is switched explicitly, so nothing
// depends on fatih/color's package-level switch.
func NewStyle(useColor bool) *Style {
	st := &Style{
		Color:   useColor,
		Title:   color.New(color.Bold, color.FgMagenta),
		Heading: color.New(color.Bold, color.FgCyan),
		Bold:    color.New(color.Bold),
		Italic:  color.New(color.Italic),
		Faint:   color.New(color.Faint),
		Code:    color.New(color.FgYellow),
		Accent:  color.New(color.FgCyan),
		Pass:    color.New(color.Bold, color.FgGreen),
		Fail:    color.New(color.Bold, color.FgRed),
		Todo:    color.New(color.FgYellow),
		Added:   color.New(color.FgGreen),
		Removed: color.New(color.FgRed),
		Hunk:    color.New(color.FgCyan),
	}
	for _, c := range []*color.Color{st.Title, st.Heading, st.Bold, st.Italic, st.Faint, st.Code, st.Accent,
		st.Pass, st.Fail, st.Todo, st.Added, st.Removed, st.Hunk} {
		if useColor {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return st
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// WantColor decides colour the usual way: off with --no-color, off when NO_COLOR is set to anything
// (https://no-color.org), off when the output is not a terminal or TERM is "dumb".
func WantColor(noColorFlag bool, getenv func(string) string, isTerminal bool) bool {
	return !noColorFlag && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb" && isTerminal
}
