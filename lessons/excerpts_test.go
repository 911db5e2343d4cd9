package main

import (
	"testing"

	"github.com/minikit/kit/lessons/internal/excerpt"
)

// TestLessonExcerptsMatchCode checks that every code excerpt in the real lessons
// (lessons/NN-*/README.md) appears verbatim in the file it names, so prose never drifts from code.
func TestLessonExcerptsMatchCode(t *testing.T) {
	checked, bad, err := excerpt.CheckAll("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range bad {
		t.Errorf("%s", m)
	}
	t.Logf("%d excerpts checked", checked)
}
