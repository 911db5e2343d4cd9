package markers

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGenRenderViews renders one file with a region and a step in every view and chapter.
func TestGenRenderViews(t *testing.T) {
	src := "package a\n" +
		"\n" +
		"func F() error {\n" +
		"\t//mini:begin 01\n" +
		"\tif true {\n" +
		"\t\t//mini:solution 01.1 Do the thing.\n" +
		"\t\tdo()\n" +
		"\t\t//mini:stub if err := todo.Step(\"01.1\"); err != nil {\n" +
		"\t\t//mini:stub \treturn err\n" +
		"\t\t//mini:stub }\n" +
		"\t\t//mini:end\n" +
		"\t}\n" +
		"\t//mini:end 01\n" +
		"\treturn nil\n" +
		"}"
	f, err := Parse("mini/a.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		chapter int
		view    View
		want    string
	}{
		{0, ChapterView, "package a\n\nfunc F() error {\n\treturn nil\n}"},
		{0, ExerciseView, "package a\n\nfunc F() error {\n\treturn nil\n}"},
		{1, ChapterView, "package a\n\nfunc F() error {\n\tif true {\n\t\tdo()\n\t}\n\treturn nil\n}"},
		{1, ExerciseView, "package a\n\nfunc F() error {\n\tif true {\n\t\t// TODO(01.1): Do the thing.\n" +
			"\t\tif err := todo.Step(\"01.1\"); err != nil {\n\t\t\treturn err\n\t\t}\n\t}\n\treturn nil\n}"},
		{2, ExerciseView, "package a\n\nfunc F() error {\n\tif true {\n\t\tdo()\n\t}\n\treturn nil\n}"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, string(f.Render(tt.chapter, tt.view))); diff != "" {
			t.Errorf("chapter %02d view %d (-want +got):\n%s", tt.chapter, tt.view, diff)
		}
	}
	if got := len(f.StepsIn(1)); got != 1 {
		t.Errorf("StepsIn(1) has %d steps, want 1", got)
	}
	if f.MaxChapter != 1 {
		t.Errorf("MaxChapter = %d, want 1", f.MaxChapter)
	}
}

func TestGenParseMarker(t *testing.T) {
	tests := map[string]marker{
		"\t\t//mini:stub return x": {indent: "\t\t", comment: "//", keyword: "stub", args: []string{"return", "x"}, rest: "return x"},
		"//mini:stub\treturn x":    {indent: "", comment: "//", keyword: "stub", args: []string{"return", "x"}, rest: "return x"},
		"  # mini:begin 02":        {indent: "  ", comment: "#", keyword: "begin", args: []string{"02"}, rest: "02"},
		"//mini:end":               {comment: "//", keyword: "end", args: []string{}},
	}
	for line, want := range tests {
		got, ok := parseMarker(line)
		if !ok {
			t.Errorf("parseMarker(%q) is not a marker", line)
			continue
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(marker{})); diff != "" {
			t.Errorf("parseMarker(%q) (-want +got):\n%s", line, diff)
		}
	}
	if _, ok := parseMarker("// mini is small"); ok {
		t.Errorf("an ordinary comment parsed as a marker")
	}
}
