// Package docs holds the course's documents; its tests keep them honest: a link that points at
// nothing, a glossary row missing one of its languages or a cloud-init file that cloud-init would
// not read is found here rather than by a teacher in front of a room.
package docs

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// link matches an inline Markdown link or image: [text](target) and ![alt](target), with an
// optional "title" after the target.
var link = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestRelativeLinksExist: every relative link in docs/*.md and docs/zh-CN/*.md names a file or
// directory that exists. Links to the web and to anchors in the same page are not followed.
func TestRelativeLinksExist(t *testing.T) {
	pages := markdownFiles(t, ".", "zh-CN")
	if len(pages) == 0 {
		t.Fatal("no Markdown files found in docs/")
	}
	for _, page := range pages {
		for _, l := range links(t, page) {
			target := l.target
			if i := strings.IndexByte(target, '#'); i >= 0 {
				target = target[:i]
			}
			if target == "" || strings.Contains(l.target, "://") || strings.HasPrefix(l.target, "mailto:") {
				continue
			}
			path := filepath.Join(filepath.Dir(page), filepath.FromSlash(target))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s:%d: the link %q points at nothing: %v", page, l.line, l.target, err)
			}
		}
	}
}

type found struct {
	line   int
	target string
}

// links returns the links of a Markdown file outside its fenced code blocks and inline code.
func links(t *testing.T, path string) []found {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []found
	fenced := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, m := range link.FindAllStringSubmatch(withoutInlineCode(line), -1) {
			out = append(out, found{n, m[1]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return out
}

// withoutInlineCode blanks `code spans`, where brackets are text, not links.
func withoutInlineCode(line string) string {
	parts := strings.Split(line, "`")
	for i := 1; i < len(parts); i += 2 {
		parts[i] = ""
	}
	return strings.Join(parts, "``")
}

func markdownFiles(t *testing.T, dirs ...string) []string {
	t.Helper()
	var out []string
	for _, dir := range dirs {
		m, err := filepath.Glob(filepath.Join(dir, "*.md"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	return out
}

// TestGlossaryIsBilingual: every row of the glossary's table has the English term, the Chinese
// term, a definition in each language and the chapter (two digits) that introduces it; and there
// are at least 40 terms.
func TestGlossaryIsBilingual(t *testing.T) {
	data, err := os.ReadFile("glossary.md")
	if err != nil {
		t.Fatal(err)
	}
	chapter := regexp.MustCompile(`^\d\d$`)
	rows := 0
	for n, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := tableCells(line)
		if cells[0] == "English" { // the header
			continue
		}
		rows++
		where := func(format string, args ...any) {
			t.Errorf("glossary.md:%d: %s: "+format, append([]any{n + 1, cells[0]}, args...)...)
		}
		if len(cells) != 5 {
			where("%d cells, want 5 (English, 中文, definition, 定义, chapter)", len(cells))
			continue
		}
		if cells[0] == "" || !hasLatin(cells[0]) {
			where("no English term")
		}
		if !hasHan(cells[1]) && !hasLatin(cells[1]) || cells[1] == "" {
			where("no Chinese term")
		}
		if !hasLatin(cells[2]) || hasHan(cells[2]) {
			where("the English definition %q is missing or not English", cells[2])
		}
		if !hasHan(cells[3]) {
			where("the Chinese definition %q has no Chinese", cells[3])
		}
		if !chapter.MatchString(cells[4]) {
			where("the chapter %q is not two digits", cells[4])
		}
		if _, err := os.Stat(filepath.Join("..", "lessons")); err == nil {
			if m, _ := filepath.Glob(filepath.Join("..", "lessons", cells[4]+"-*")); len(m) == 0 {
				where("no lesson for chapter %s under lessons/", cells[4])
			}
		}
	}
	if rows < 40 {
		t.Errorf("glossary.md has %d terms, want at least 40", rows)
	}
}

// tableCells splits a Markdown table row into its trimmed cells; `\|` is a literal bar.
func tableCells(line string) []string {
	line = strings.ReplaceAll(line, `\|`, "\x00")
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	cells := strings.Split(line, "|")
	for i, c := range cells {
		cells[i] = strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|"))
	}
	return cells
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func hasLatin(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Latin, r) {
			return true
		}
	}
	return false
}

// TestCloudInitUserData: cloud-init reads the file as cloud-config only when its first line is
// exactly "#cloud-config", and YAML forbids tabs in indentation. No YAML parser is in go.sum, so
// the rest is a hand check of the keys the recipe relies on (`cloud-init schema` is the full
// check, done by hand: see docs/vm-recipe.md).
func TestCloudInitUserData(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("cloud-init", "user-data.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if first, _, _ := strings.Cut(text, "\n"); first != "#cloud-config" {
		t.Errorf("the first line is %q: cloud-init ignores user-data that does not start with #cloud-config", first)
	}
	for n, line := range strings.Split(text, "\n") {
		if strings.ContainsRune(line, '\t') {
			t.Errorf("user-data.yaml:%d: a tab: YAML allows only spaces for indentation", n+1)
		}
		if strings.HasSuffix(line, " ") {
			t.Errorf("user-data.yaml:%d: trailing space", n+1)
		}
	}
	for _, key := range []string{"users:", "write_files:", "runcmd:"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `\s*$`).MatchString(text) {
			t.Errorf("user-data.yaml has no top-level %q", key)
		}
	}
	// The setup script the file writes installs exactly what scripts/setup.sh lists, so the two
	// cannot drift apart: every Debian package setup.sh names must be in the user-data.
	setup, err := os.ReadFile(filepath.Join("..", "scripts", "setup.sh"))
	if err != nil {
		t.Fatalf("read scripts/setup.sh, to compare with: %v", err)
	}
	pkg := regexp.MustCompile(`(?m)^\s*"[^"]*:([a-z0-9.+-]+)"`)
	for _, m := range pkg.FindAllStringSubmatch(string(setup), -1) {
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(m[1]) + `\b`).MatchString(text) {
			t.Errorf("scripts/setup.sh installs %s but docs/cloud-init/user-data.yaml does not: add it to PACKAGES", m[1])
		}
	}
}
