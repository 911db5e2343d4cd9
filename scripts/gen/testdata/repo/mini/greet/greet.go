// Package greet says hello.
package greet

import (
	"fmt"
	"strings"
	//mini:begin 01
	"strconv"
	//mini:end 01
)

// Hello greets name.
func Hello(name string) (string, error) {
	//mini:solution 00.1 Greet name in upper case.
	return fmt.Sprintf("HELLO %s", strings.ToUpper(name)), nil
	//mini:stub return "", todo.Step("00.1")
	//mini:end
}

//mini:begin 01

// Count greets name n times, numbered.
func Count(name string, n int) (string, error) {
	//mini:solution 01.1 Greet name n times, numbered.
	var parts []string
	for i := range n {
		h, err := Hello(name)
		if err != nil {
			return "", err
		}
		parts = append(parts, strconv.Itoa(i+1)+". "+h)
	}
	return strings.Join(parts, "\n"), nil
	//mini:stub return "", todo.Step("01.1")
	//mini:end
}

//mini:end 01
