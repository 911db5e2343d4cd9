// Package proc is a tiny stand-in for an engine package.
package proc

import (
	"strings"
)

var _ = strings.ToUpper

// Greet returns the greeting for name.
func Greet(name string) (string, error) {
	//mini:solution 00.1 Return "hello, " followed by the name.
	return "hello, " + name, nil
	//mini:stub return "", todo.Step("00.1")
	//mini:end
}

// Shout returns the greeting for name in capitals.
func Shout(name string) (string, error) {
	//mini:solution 00.2 Greet the name, then turn the greeting into capitals.
	g, err := Greet(name)
	if err != nil {
		return "", err
	}
	return strings.ToUpper(g), nil
	//mini:stub return "", todo.Step("00.2")
	//mini:end
}
