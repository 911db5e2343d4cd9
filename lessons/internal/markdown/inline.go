package markdown

import (
	"regexp"
	"strings"

	"github.com/minikit/kit/lessons/internal/term"
)

var (
	codeSpan = regexp.MustCompile("`([^`]+)`")
	strong   = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__`)
	emphasis = regexp.MustCompile(`(^|[^\w*])\*([^*\s][^*]*)\*|(^|[^\w_])_([^_\s][^_]*)_`)
	link     = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
)

// Inline styles code spans, strong and emphasised text, and links within one line. Code spans are
// styled first and shielded, so markup inside them stays literal. Without colour, code spans keep
// their backticks so they still stand out.
func Inline(s string, st *term.Style) string {
	var spans []string
	s = codeSpan.ReplaceAllStringFunc(s, func(m string) string {
		code := m
		if st.Color {
			code = st.Code.Sprint(m[1 : len(m)-1])
		}
		spans = append(spans, code)
		return "\x00" + string(rune('0'+len(spans)-1)) + "\x00"
	})
	s = link.ReplaceAllString(s, "$1 <$2>")
	s = strong.ReplaceAllStringFunc(s, func(m string) string {
		sub := strong.FindStringSubmatch(m)
		return st.Bold.Sprint(sub[1] + sub[2])
	})
	s = emphasis.ReplaceAllStringFunc(s, func(m string) string {
		sub := emphasis.FindStringSubmatch(m)
		return sub[1] + sub[3] + st.Italic.Sprint(sub[2]+sub[4])
	})
	for i, code := range spans {
		s = strings.Replace(s, "\x00"+string(rune('0'+i))+"\x00", code, 1)
	}
	return s
}
