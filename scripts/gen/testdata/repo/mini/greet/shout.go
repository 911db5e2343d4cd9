//mini:chapter 02

package greet

import (
	"errors"
	str "strings"
)

// Shout greets loudly; an empty name is an error.
func Shout(name string) (string, error) {
	if name == "" {
		return "", errors.New("no name")
	}
	//mini:solution 02.1 Shout the name.
	return str.ToUpper(name) + "!", nil
	//mini:stub return "", todo.Step("02.1")
	//mini:end
}
