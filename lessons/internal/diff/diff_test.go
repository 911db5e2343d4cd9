package diff

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func render(lines []Line) string {
	var sb strings.Builder
	for _, l := range lines {
		if l.Kind == '@' {
			sb.WriteString(l.Text + "\n")
		} else {
			sb.WriteString(string(l.Kind) + l.Text + "\n")
		}
	}
	return sb.String()
}

func lines(s string) string { return strings.Join(strings.Split(s, ""), "\n") + "\n" }

// The wants are what GNU `diff -u` prints for the same inputs, without its --- and +++ lines.
func TestUnifiedMatchesDiffU(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "abc", "abc", ""},
		{"two hunks", "abcdefghijklmno", "aBcdefghijklmnOp",
			"@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -12,4 +12,5 @@\n l\n m\n n\n-o\n+O\n+p\n"},
		{"middle", "abcdefghijklmno", "abcdefgXijklmno",
			"@@ -5,7 +5,7 @@\n e\n f\n g\n-h\n+X\n i\n j\n k\n"},
		{"insert", "abcdefgh", "abcXdefgh",
			"@@ -1,6 +1,7 @@\n a\n b\n c\n+X\n d\n e\n f\n"},
		{"delete first", "ab", "b", "@@ -1,2 +1 @@\n-a\n b\n"},
		{"from empty", "", "x", "@@ -0,0 +1 @@\n+x\n"},
		{"far changes get two hunks", "abcdefghij", "Abcdefghi",
			"@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n@@ -7,4 +7,3 @@\n g\n h\n i\n-j\n"},
		{"close changes share a hunk", "abcdefgh", "Abcdefg",
			"@@ -1,8 +1,7 @@\n-a\n+A\n b\n c\n d\n e\n f\n g\n-h\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := "", ""
			if tt.a != "" {
				a = lines(tt.a)
			}
			if tt.b != "" {
				b = lines(tt.b)
			}
			if d := cmp.Diff(tt.want, render(Unified(a, b))); d != "" {
				t.Errorf("Unified (-want +got):\n%s", d)
			}
		})
	}
}
