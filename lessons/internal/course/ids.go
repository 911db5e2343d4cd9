package course

import (
	"fmt"
	"strconv"
	"strings"
)

// NormalizeChapter turns "2", "02" or "02-namespaces" into "02".
func NormalizeChapter(s string) (string, error) {
	num, _, _ := strings.Cut(s, "-")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 99 {
		return "", fmt.Errorf("%q is not a chapter number: write it as two digits, e.g. 02", s)
	}
	return fmt.Sprintf("%02d", n), nil
}

// NormalizeStep turns "2.1" or "02.01" into "02.1".
func NormalizeStep(s string) (string, error) {
	chapter, step, ok := strings.Cut(s, ".")
	n, err := strconv.Atoi(step)
	if !ok || err != nil || n < 1 {
		return "", fmt.Errorf("%q is not a step: write it as chapter.step, e.g. 02.1", s)
	}
	ch, err := NormalizeChapter(chapter)
	if err != nil {
		return "", fmt.Errorf("%q is not a step: write it as chapter.step, e.g. 02.1", s)
	}
	return fmt.Sprintf("%s.%d", ch, n), nil
}
