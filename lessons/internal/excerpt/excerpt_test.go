package excerpt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
