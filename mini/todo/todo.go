// Package todo marks the steps of an exercise that the student has yet to write.
//
// In exercises/NN-slug/ every cut-out step is replaced by a stub that returns Step("NN.S"). The
// error names the step, so a failing test says which step is missing, and `lessons hint NN.S`
// is one copy-paste away. A stub returns an error instead of panicking: a panic would kill the
// whole test binary and hide every other result.
package todo

import (
	"errors"
	"fmt"
)

// ErrNotDone is wrapped by every error that Step returns.
var ErrNotDone = errors.New("not done yet")

// Step returns the error that an unwritten exercise step gives.
func Step(id string) error {
	return fmt.Errorf("step %s: %w (write it, or run: go run ./lessons hint %s)", id, ErrNotDone, id)
}
