// Package markdown renders a lesson's markdown for a terminal: headings, fenced code, lists, quotes
// and inline emphasis. It handles the subset docs/lessons-format.md allows and prints everything
// else as it is. Lines are not re-wrapped: lessons are written wrapped.
package markdown

import (
	"regexp"
	"strings"

	"github.com/minikit/kit/lessons/internal/term"
)

var (
	listItem    = regexp.MustCompile(`^(\s*)([-*+]|\d+[.)])\s+(.*)$`)
	htmlComment = regexp.MustCompile(`^\s*<!--.*-->\s*$`)
	rule        = regexp.MustCompile(`^\s*([-*_])(\s*[-*_]){2,}\s*$`)
)

// Render turns markdown into terminal text styled with st (plain when st has no colour).
func Render(src string, st *term.Style) string {
	var out strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	fence := ""
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
				continue
			}
			if strings.TrimSpace(line) == "" {
				out.WriteString("\n")
			} else {
				out.WriteString("    " + st.Code.Sprint(line) + "\n")
			}
			continue
		}
		if f := openFence(trimmed); f != "" {
			fence = f
			continue
		}
		switch {
		case htmlComment.MatchString(line):
			// Lesson metadata such as <!-- excerpt: ... -->: not for the reader.
		case strings.HasPrefix(trimmed, "#"):
			// A heading stands apart from what is above it by one blank line.
			if soFar := out.String(); soFar != "" && !strings.HasSuffix(soFar, "\n\n") {
				out.WriteString("\n")
			}
			out.WriteString(heading(trimmed, st))
		case rule.MatchString(line):
			out.WriteString(st.Faint.Sprint(strings.Repeat("─", 40)) + "\n")
		case strings.HasPrefix(trimmed, ">"):
			text := strings.TrimSpace(strings.TrimPrefix(trimmed, ">"))
			out.WriteString(st.Faint.Sprint("  │ ") + Inline(text, st) + "\n")
		case listItem.MatchString(line):
			m := listItem.FindStringSubmatch(line)
			mark := m[2]
			if mark == "-" || mark == "*" || mark == "+" {
				mark = "•"
			}
			out.WriteString(m[1] + "  " + st.Accent.Sprint(mark) + " " + Inline(m[3], st) + "\n")
		default:
			out.WriteString(Inline(line, st) + "\n")
		}
	}
	return strings.TrimRight(out.String(), "\n") + "\n"
}

func openFence(trimmed string) string {
	for _, f := range []string{"```", "~~~"} {
		if strings.HasPrefix(trimmed, f) {
			return f
		}
	}
	return ""
}

func heading(trimmed string, st *term.Style) string {
	level := len(trimmed) - len(strings.TrimLeft(trimmed, "#"))
	text := Inline(strings.TrimSpace(strings.TrimLeft(trimmed, "#")), st)
	switch level {
	case 1:
		return st.Title.Sprint(text) + "\n" + st.Faint.Sprint(strings.Repeat("═", visibleLen(text))) + "\n"
	case 2:
		return st.Heading.Sprint(text) + "\n" + st.Faint.Sprint(strings.Repeat("─", visibleLen(text))) + "\n"
	default:
		return st.Heading.Sprint(text) + "\n"
	}
}

// visibleLen counts the characters a terminal shows, ignoring colour escapes.
func visibleLen(s string) int {
	return len([]rune(ansi.ReplaceAllString(s, "")))
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")
