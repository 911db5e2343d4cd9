package markdown

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/minikit/kit/lessons/internal/term"
)

func TestRenderPlain(t *testing.T) {
	src := "# Title\n\nSome **bold**, *em*, `a*b*c` and [docs](https://x.org).\n\n- one\n  * two\n3. three\n\n> quote\n\n<!-- excerpt: a.go -->\n```go\n\nfunc main() {}\n```\n## Next\n"
	want := "Title\n═════\n\nSome bold, em, `a*b*c` and docs <https://x.org>.\n\n  • one\n    • two\n  3. three\n\n  │ quote\n\n\n    func main() {}\n\nNext\n────\n"
	if d := cmp.Diff(want, Render(src, term.NewStyle(false))); d != "" {
		t.Errorf("Render (-want +got):\n%s", d)
	}
}

func TestRenderColor(t *testing.T) {
	got := Render("## Head\n\n`code`\n", term.NewStyle(true))
	if !strings.Contains(got, "\x1b[") {
		t.Errorf("no colour in %q", got)
	}
	if strings.Contains(got, "`") {
		t.Errorf("code span keeps its backticks in colour: %q", got)
	}
}
