package kit

import (
	"path/filepath"
	"testing"
)

// TestGenMalformed feeds every kind of malformed marker to the generator and expects the error to
// name the file and line where the problem is.
func TestGenMalformed(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // under mini/
		want  string
	}{
		{
			name:  "unclosed region",
			files: map[string]string{"a.go": "package a\n//mini:begin 01\nvar x int\n"},
			want:  "mini/a.go:2: mini:begin 01 is never closed (want mini:end 01)",
		},
		{
			name:  "unclosed solution",
			files: map[string]string{"a.go": "package a\nfunc f() error {\n\t//mini:solution 00.1 Do it.\n\treturn nil\n\t//mini:stub return nil\n"},
			want:  "mini/a.go:3: solution 00.1 is never closed (want mini:end)",
		},
		{
			name:  "unclosed region in YAML",
			files: map[string]string{"c.yaml": "a: 1\n# mini:begin 01\nb: 2\n"},
			want:  "mini/c.yaml:2: mini:begin 01 is never closed (want mini:end 01)",
		},
		{
			name:  "end does not match begin",
			files: map[string]string{"a.go": "package a\n//mini:begin 01\nvar x int\n//mini:end 02\n"},
			want:  "mini/a.go:4: mini:end 02 does not match mini:begin 01 (line 2)",
		},
		{
			name:  "end without begin",
			files: map[string]string{"a.go": "package a\n//mini:end 01\n"},
			want:  "mini/a.go:2: mini:end 01 without mini:begin",
		},
		{
			name:  "bare end without solution",
			files: map[string]string{"a.go": "package a\n//mini:end\n"},
			want:  "mini/a.go:2: mini:end without an open mini:solution",
		},
		{
			name:  "bare end closing a region",
			files: map[string]string{"a.go": "package a\n//mini:begin 01\nvar x int\n//mini:end\n"},
			want:  "mini/a.go:4: mini:end without a chapter closes a solution, but the open block is mini:begin 01 (line 2)",
		},
		{
			name:  "region end inside a solution",
			files: map[string]string{"a.go": "package a\n//mini:begin 01\n//mini:solution 01.1 Do it.\n//mini:stub var x int\n//mini:end 01\n"},
			want:  "mini/a.go:5: mini:end 01 inside solution 01.1 (line 3); close the solution with a bare mini:end first",
		},
		{
			name:  "nested solutions",
			files: map[string]string{"a.go": "package a\n//mini:solution 00.1 One.\n//mini:solution 00.2 Two.\n"},
			want:  "mini/a.go:3: solutions cannot nest: mini:solution inside solution 00.1 (line 2)",
		},
		{
			name:  "region inside a solution",
			files: map[string]string{"a.go": "package a\n//mini:solution 00.1 One.\n//mini:begin 01\n"},
			want:  "mini/a.go:3: mini:begin inside solution 00.1 (line 2); a solution cannot contain a region",
		},
		{
			name:  "chapter goes down inside a region",
			files: map[string]string{"a.go": "package a\n//mini:begin 03\n//mini:begin 02\n"},
			want:  "mini/a.go:3: mini:begin 02 inside chapter 03 code; chapter numbers may not go down inside a region",
		},
		{
			name:  "region before the file's chapter",
			files: map[string]string{"a.go": "//mini:chapter 02\npackage a\n//mini:begin 01\n"},
			want:  "mini/a.go:3: mini:begin 01 inside chapter 02 code; chapter numbers may not go down inside a region",
		},
		{
			name:  "solution before its region's chapter",
			files: map[string]string{"a.go": "package a\n//mini:begin 02\n//mini:solution 01.1 Do it.\n"},
			want:  "mini/a.go:3: solution 01.1 is inside chapter 02 code; a step cannot belong to an earlier chapter than its code",
		},
		{
			name:  "solution before its file's chapter",
			files: map[string]string{"a.go": "//mini:chapter 02\npackage a\n//mini:solution 01.1 Do it.\n"},
			want:  "mini/a.go:3: solution 01.1 is inside chapter 02 code; a step cannot belong to an earlier chapter than its code",
		},
		{
			name:  "unknown keyword",
			files: map[string]string{"a.go": "package a\n\t//mini:bgein 01\n"},
			want:  "mini/a.go:2: unknown marker mini:bgein (want chapter, begin, end, solution or stub)",
		},
		{
			name:  "unknown keyword in a script",
			files: map[string]string{"run.sh": "#!/bin/sh\n# mini:solutions 00.1 Do it.\n"},
			want:  "mini/run.sh:2: unknown marker mini:solutions (want chapter, begin, end, solution or stub)",
		},
		{
			name:  "solution without stub",
			files: map[string]string{"a.go": "package a\n//mini:solution 00.1 Do it.\nvar x int\n//mini:end\n"},
			want:  "mini/a.go:4: solution 00.1 (line 2) has no mini:stub lines",
		},
		{
			name:  "stub outside a solution",
			files: map[string]string{"a.go": "package a\n//mini:stub var x int\n"},
			want:  "mini/a.go:2: mini:stub outside a solution",
		},
		{
			name:  "code after the stubs",
			files: map[string]string{"a.go": "package a\n//mini:solution 00.1 Do it.\n//mini:stub var x int\nvar y int\n//mini:end\n"},
			want:  "mini/a.go:4: code after mini:stub in solution 00.1 (line 2); the stubs must be the last lines before mini:end (is it missing?)",
		},
		{
			name: "duplicate step IDs",
			files: map[string]string{
				"a.go": "package a\n//mini:solution 00.1 One.\n//mini:stub var x int\n//mini:end\n",
				"b.go": "package a\n\n//mini:solution 00.1 Again.\n//mini:stub var y int\n//mini:end\n",
			},
			want: "mini/b.go:3: duplicate step 00.1 (first at mini/a.go:2)",
		},
		{
			name:  "file marker not on line 1",
			files: map[string]string{"a.go": "package a\n\n//mini:chapter 01\n"},
			want:  "mini/a.go:3: file marker mini:chapter must be on line 1",
		},
		{
			name:  "bad step ID",
			files: map[string]string{"a.go": "package a\n//mini:solution 3.1 Do it.\n"},
			want:  `mini/a.go:2: bad step ID "3.1" (want NN.S, e.g. 03.1)`,
		},
		{
			name:  "solution without title",
			files: map[string]string{"a.go": "package a\n//mini:solution 03.1\n"},
			want:  "mini/a.go:2: solution 03.1 has no title",
		},
		{
			name:  "bad chapter number",
			files: map[string]string{"a.go": "package a\n//mini:begin 3\n"},
			want:  `mini/a.go:2: bad chapter number "3" (want two digits, e.g. 03)`,
		},
		{
			name:  "marker with a space",
			files: map[string]string{"a.go": "package a\n// mini:begin 01\n"},
			want:  "mini/a.go:2: write //mini:begin without a space after //",
		},
		{
			name:  "marker after code",
			files: map[string]string{"a.go": "package a\nvar x int //mini:end\n"},
			want:  "mini/a.go:2: a marker must be on a line of its own",
		},
		{
			name:  "chapter without a slug",
			files: map[string]string{"a.go": "//mini:chapter 42\npackage a\n"},
			want:  "mini/a.go:1: chapter 42 has no slug: add it to the table in scripts/gen/kit/chapters.go",
		},
		{
			name: "errors in two files",
			files: map[string]string{
				"a.go": "package a\n//mini:begin 01\n",
				"b.go": "package a\n//mini:end 01\n",
			},
			want: "mini/a.go:2: mini:begin 01 is never closed (want mini:end 01)\nmini/b.go:2: mini:end 01 without mini:begin",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			mustWrite(t, filepath.Join(repo, "go.mod"), "module github.com/minikit/kit\n\ngo 1.26.0\n")
			for name, src := range tt.files {
				mustWrite(t, filepath.Join(repo, "mini", name), src)
			}
			_, err := Generate(repo)
			if err == nil {
				t.Fatalf("Generate succeeded; want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Generate error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
