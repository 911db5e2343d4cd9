//mini:chapter 01

package limit

import "testing"

func TestCh01Step2Over(t *testing.T) {
	l := Limit{Max: 2}
	if err := l.Check(2); err != nil {
		t.Fatalf("Check(2) under a limit of 2: %v", err)
	}
	if err := l.Check(3); err == nil {
		t.Fatal("Check(3) under a limit of 2 passed")
	}
}
