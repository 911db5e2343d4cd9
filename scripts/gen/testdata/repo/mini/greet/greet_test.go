package greet

import "testing"

func TestCh00Step1Hello(t *testing.T) {
	if got, err := Hello("ada"); err != nil || got != "HELLO ADA" {
		t.Fatalf("Hello(ada) = %q, %v", got, err)
	}
}

//mini:begin 01

func TestCh01Step1Count(t *testing.T) {
	if got, err := Count("ada", 2); err != nil || got != "1. HELLO ADA\n2. HELLO ADA" {
		t.Fatalf("Count(ada, 2) = %q, %v", got, err)
	}
}

//mini:end 01
