package excerpt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minikit/kit/lessons/teach"
)

func write(t *testing.T, root, rel, text string) {
	t.Helper()
	path := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheckAll(t *testing.T) {
	root := t.TempDir()
	write(t, root, "code/a.go", "package a\n\nfunc A() {   \n\treturn\n}\n")
	write(t, root, "lessons/00-x/README.md", strings.Join([]string{
		"# Lesson",
		"<!-- excerpt: code/a.go -->",
		"```go",
		"",
		"func A() {",
		"\treturn",
		"}",
		"",
		"```",
		"<!-- excerpt: code/a.go -->",
		"```go",
		"func A() {",
		"\treturn 1",
		"```",
		"<!-- excerpt: code/missing.go -->",
		"```go",
		"x",
		"```",
		"<!-- excerpt: code/a.go -->",
		"text instead of a block",
	}, "\n"))
	checked, bad, err := CheckAll(root)
	if err != nil {
		t.Fatal(err)
	}
	if checked != 3 {
		t.Errorf("checked %d excerpts, want 3", checked)
	}
	var got []string
	for _, m := range bad {
		got = append(got, m.String())
	}
	want := []string{
		"lessons/00-x/README.md:19: code/a.go: the excerpt comment must be directly followed",
		`lessons/00-x/README.md:10: code/a.go: block line 2 "\treturn 1" differs from file line 4 "\treturn"`,
		"lessons/00-x/README.md:15: code/missing.go: cannot read the file",
	}
	if len(got) != len(want) {
		t.Fatalf("mismatches:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("mismatch %d = %q, want it to start %q", i, got[i], want[i])
		}
	}
}

func TestNoLessons(t *testing.T) {
	checked, bad, err := CheckAll(t.TempDir())
	if checked != 0 || bad != nil || err != nil {
		t.Errorf("CheckAll(empty) = %d, %v, %v; want 0, nil, nil", checked, bad, err)
	}
}

// TestElidedExcerpt: an elided excerpt shows the step's TODO comment and "your code here" in
// place of its solution; it must match the chapter file so cut, and Reveal gives the full code.
func TestElidedExcerpt(t *testing.T) {
	root := t.TempDir()
	write(t, root, "mini/a/a.go", "package a\n\nfunc A() error {\n\tx := 1\n\t//mini:solution 03.1 Write the limit.\n\ty := x + 1\n\t_ = y\n\t//mini:stub return todo.Step(\"03.1\")\n\t//mini:end\n\treturn nil\n}\n")
	write(t, root, "chapters/03-cgroups/a/a.go", "package a\n\nfunc A() error {\n\tx := 1\n\ty := x + 1\n\t_ = y\n\treturn nil\n}\n")
	lesson := strings.Join([]string{
		"<!-- excerpt: chapters/03-cgroups/a/a.go elide 03.1 -->",
		"```go",
		"func A() error {",
		"\tx := 1",
		"\t// TODO(03.1): Write the limit.",
		"\t// your code here",
		"\treturn nil",
		"}",
		"```",
		"<!-- excerpt: chapters/03-cgroups/a/a.go elide 03.1 -->",
		"```go",
		"\ty := x + 1",
		"```",
		"<!-- excerpt: chapters/03-cgroups/a/a.go elide 03.7 -->",
		"```go",
		"\tx := 1",
		"```",
	}, "\n")
	write(t, root, "lessons/03-cgroups/README.md", lesson)
	checked, bad, err := CheckAll(root)
	if err != nil || checked != 3 {
		t.Fatalf("CheckAll = %d, %v", checked, err)
	}
	var got []string
	for _, m := range bad {
		got = append(got, m.String())
	}
	want := []string{
		`lessons/03-cgroups/README.md:10: chapters/03-cgroups/a/a.go: the block's first line "\ty := x + 1" is not in the file`,
		"lessons/03-cgroups/README.md:14: chapters/03-cgroups/a/a.go: elide 03.7: there is no step 03.7 in mini/",
	}
	if len(got) != len(want) {
		t.Fatalf("mismatches:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("mismatch %d = %q, want it to start %q", i, got[i], want[i])
		}
	}
	excerpts, _ := ParseText("README.md", lesson)
	steps, err := teach.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Reveal(root, excerpts[0], steps)
	if err != nil {
		t.Fatal(err)
	}
	wantFull := "func A() error {\n\tx := 1\n\ty := x + 1\n\t_ = y\n\treturn nil\n}"
	if strings.Join(full, "\n") != wantFull {
		t.Errorf("Reveal = %q, want %q", strings.Join(full, "\n"), wantFull)
	}
}
