package teach

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func write(t *testing.T, root, rel, text string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// course is a repository with two steps in one file: 01.1 (chapter 01) and 02.1 (chapter 02).
func course(t *testing.T) string {
	root := t.TempDir()
	write(t, root, "mini/a/a.go", `package a

func A(x int) (int, error) {
	//mini:solution 01.1 Double x.
	y := x * 2
	if y < 0 {
		return 0, err
	}
	return y, nil
	//mini:stub return 0, todo.Step("01.1")
	//mini:end
}

//mini:begin 02
func B(x int) (int, error) {
	//mini:solution 02.1 Add one to A.
	y, err := A(x)
	if err != nil {
		return 0, err
	}
	return y + 1, nil
	//mini:stub return 0, todo.Step("02.1")
	//mini:end
}
//mini:end 02
`)
	// The exercise of chapter 02 shows 01.1's solution, so its lines are given there.
	write(t, root, "exercises/02-b/a/a.go", "package a\n\tgiven := 1\n\treturn y + 1, nil\n")
	return root
}

func TestLoadAndSignificant(t *testing.T) {
	c, err := Open(course(t))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Steps["01.1"]
	if s == nil || s.Chapter != 1 || s.Number != 1 || s.File != "a/a.go" || s.Indent != "\t" || len(s.Lines) != 5 {
		t.Fatalf("step 01.1 = %+v", s)
	}
	// Braces and `return 0, err` are trivial; 02.1's `return y + 1, nil` is in its exercise file.
	if d := cmp.Diff([]string{"y := x * 2", "if y < 0 {", "return y, nil"}, c.Answer("01.1")); d != "" {
		t.Errorf("Answer(01.1) (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"y, err := A(x)"}, c.Answer("02.1")); d != "" {
		t.Errorf("Answer(02.1) (-want +got):\n%s", d)
	}
	if got := s.TODO(); got != "\t// TODO(01.1): Double x." {
		t.Errorf("TODO() = %q", got)
	}
}

func TestCheckLessons(t *testing.T) {
	root := course(t)
	// Lesson 01 quotes 01.1 inline; lesson 02 quotes 01.1 (passed by then: fine) and 02.1.
	write(t, root, "lessons/01-a/README.md", "# A\n\nWrite `y := x * 2`.\n")
	write(t, root, "lessons/02-b/README.md", "# B\n\n```go\n\ty := x * 2\n\ty, err := A(x)\n```\n")
	write(t, root, "lessons/02-b/hints.md", strings.Join([]string{
		"# Hints", "", "## 02.1 B", "", "### Hint 1", "", "`y, err := A(x)`", "", "### Hint 2", "", "```text", "y, err := A(x)", "```", "",
	}, "\n"))
	write(t, root, "lessons/01-a/hints.md", strings.Join([]string{
		"# Hints", "", "## 01.1 A", "", "### Hint 1", "", "Double it.", "", "### Hint 2", "", "y := x * 2", "if y < 0 {", "return y, nil", "",
	}, "\n"))
	c, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	leaks, err := c.CheckLessons()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range leaks {
		got = append(got, l.String())
	}
	want := []string{
		`lessons/01-a/README.md:3: step 01.1: shows a line of the step's solution before it passes: "y := x * 2" (elide it: docs/lessons-format.md)`,
		"lessons/01-a/hints.md:9: step 01.1: the last hint (Hint 2) shows every line of the solution: leave the student something to write",
		`lessons/02-b/README.md:5: step 02.1: shows a line of the step's solution before it passes: "y, err := A(x)" (elide it: docs/lessons-format.md)`,
		`lessons/02-b/hints.md:7: step 02.1: shows a line of the step's solution before it passes: "y, err := A(x)" (elide it: docs/lessons-format.md)`,
		"lessons/02-b/hints.md:9: step 02.1: the last hint (Hint 2) shows every line of the solution: leave the student something to write",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("leaks (-want +got):\n%s", d)
	}
}

func TestApply(t *testing.T) {
	c, err := Open(course(t))
	if err != nil {
		t.Fatal(err)
	}
	file := "package a\n\nfunc A(x int) (int, error) {\n\ty := x * 2\n\tif y < 0 {\n\t\treturn 0, err\n\t}\n\treturn y, nil\n}\n"
	got, err := Apply(file, c.Steps["01.1"], []string{"return x + x, nil"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "package a\n\nfunc A(x int) (int, error) {\n\treturn x + x, nil\n}\n"; got != want {
		t.Errorf("Apply = %q, want %q", got, want)
	}
	if _, err := Apply("package a\n", c.Steps["01.1"], nil); err == nil {
		t.Error("Apply to a file without the solution succeeded")
	}
}

func TestTrivial(t *testing.T) {
	for _, l := range []string{"", "}", "})", "// why", "return nil", "return err", `return "", err`, "return nil, 0, err", "if err != nil {", "} else {"} {
		if !Trivial(l) {
			t.Errorf("Trivial(%q) = false", l)
		}
	}
	for _, l := range []string{"return y, nil", "return errors.New(err)", "flags |= ns.Flag"} {
		if Trivial(l) {
			t.Errorf("Trivial(%q) = true", l)
		}
	}
}

func TestLastCode(t *testing.T) {
	hints := "# Hints\n\n## 01.1 A\n\n### Hint 1\n\n```go\nnot the last\n```\n\n### Hint 2\n\nClose:\n\n```go\nreturn x + x, nil\n```\n\n## 01.2 B\n\n### Hint 1\n\n```text\na sketch\n```\n"
	root := t.TempDir()
	write(t, root, "hints.md", hints)
	h, err := LoadHints(root)
	if err != nil {
		t.Fatal(err)
	}
	if code, ok := LastCode(h["01.1"]); !ok || len(code) != 1 || code[0] != "return x + x, nil" {
		t.Errorf("LastCode(01.1) = %q, %v; want the go block of the last hint", code, ok)
	}
	if code, ok := LastCode(h["01.2"]); ok {
		t.Errorf("LastCode(01.2) = %q; a text sketch is not code", code)
	}
}
