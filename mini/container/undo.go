package container

import "errors"

// undoStack holds the teardown of every set-up step that has succeeded so far. Each mechanism
// pushes its own teardown right after its set-up works; whether the run ends normally or fails
// half-way, running the stack undoes exactly what was done, newest first.
type undoStack []func() error

func (u *undoStack) push(f func() error) { *u = append(*u, f) }

// run runs every teardown, newest first. A failing teardown does not stop the others: they
// are independent, and leaving a cgroup behind because a directory could not be removed
// would be worse. All errors are returned, joined.
func (u *undoStack) run() error {
	var errs []error
	for i := len(*u) - 1; i >= 0; i-- {
		if err := (*u)[i](); err != nil {
			errs = append(errs, err)
		}
	}
	*u = nil
	return errors.Join(errs...)
}
