// Package diff writes a unified diff of two texts, line by line, from a longest common subsequence.
// That is quadratic in the number of lines, which is fine for source files of a few hundred lines.
package diff

import (
	"fmt"
	"strings"
)

// Line is one line of a unified diff.
type Line struct {
	Kind byte // ' ' same, '-' only in a, '+' only in b, '@' a hunk header
	Text string
}

// Context is how many unchanged lines surround each change.
const Context = 3

// Unified returns the hunks that turn a into b, without the --- and +++ header. It returns nil when
// the texts are equal.
func Unified(a, b string) []Line {
	as, bs := split(a), split(b)
	ops := edits(as, bs)
	var out []Line
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		// A hunk starts Context lines before this change and runs until a stretch of more than
		// 2*Context unchanged lines.
		start := max(0, i-Context)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*Context {
				end = min(run, end+Context)
				break
			}
			end = run
		}
		out = append(out, hunk(ops[start:end])...)
		i = end
	}
	return out
}

type op struct {
	kind         byte
	text         string
	lineA, lineB int // 1-based line numbers in a and b at this op
}

func hunk(ops []op) []Line {
	var countA, countB int
	for _, o := range ops {
		if o.kind != '+' {
			countA++
		}
		if o.kind != '-' {
			countB++
		}
	}
	startA, startB := ops[0].lineA, ops[0].lineB
	if countA == 0 {
		startA--
	}
	if countB == 0 {
		startB--
	}
	lines := []Line{{Kind: '@', Text: fmt.Sprintf("@@ -%s +%s @@", span(startA, countA), span(startB, countB))}}
	for _, o := range ops {
		lines = append(lines, Line{Kind: o.kind, Text: o.text})
	}
	return lines
}

// span writes a hunk's range as diff -u does: "start,count", or just "start" for one line.
func span(start, count int) string {
	if count == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}

// edits walks a longest common subsequence table into a list of same/delete/insert operations.
func edits(a, b []string) []op {
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], i + 1, j + 1})
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] > lcs[i+1][j]):
			ops = append(ops, op{'+', b[j], i + 1, j + 1})
			j++
		default:
			ops = append(ops, op{'-', a[i], i + 1, j + 1})
			i++
		}
	}
	return ops
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
