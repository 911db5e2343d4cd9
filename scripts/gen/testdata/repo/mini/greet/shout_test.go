//mini:chapter 02

package greet

import "testing"

func TestCh02Step1Shout(t *testing.T) {
	if got, err := Shout("ada"); err != nil || got != "ADA!" {
		t.Fatalf("Shout(ada) = %q, %v", got, err)
	}
}
