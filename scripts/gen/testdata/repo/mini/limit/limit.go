//mini:chapter 01

// Package limit checks limits.
package limit

import (
	"fmt"
)

// Limit is a maximum; zero means none.
type Limit struct{ Max int }

// Check fails when n is over the limit.
func (l Limit) Check(n int) error {
	if l.Max > 0 {
		//mini:solution 01.2 Fail when n is over the maximum.
		if n > l.Max {
			return fmt.Errorf("%d is over the limit of %d", n, l.Max)
		}
		//mini:stub if err := todo.Step("01.2"); err != nil {
		//mini:stub 	return err
		//mini:stub }
		//mini:end
	}
	return nil
}

//mini:begin 01
//mini:begin 02

// Twice doubles the limit.
func (l Limit) Twice() Limit { return Limit{Max: 2 * l.Max} }

//mini:end 02
//mini:end 01
