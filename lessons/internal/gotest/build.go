package gotest

import (
	"regexp"
	"strconv"
	"strings"
)

// CompileError is one error line of `go build` or `go vet`: "proc/proc.go:12:5: undefined: x".
type CompileError struct {
	File    string // as printed, with any leading "./" removed; relative to where go ran
	Line    int
	Col     int
	Message string
}

func (e CompileError) String() string {
	pos := e.File + ":" + strconv.Itoa(e.Line)
	if e.Col > 0 {
		pos += ":" + strconv.Itoa(e.Col)
	}
	return pos + ": " + e.Message
}

var compileLine = regexp.MustCompile(`^\s*(?:vet: )?(\S+\.go):(\d+)(?::(\d+))?: (.*)$`)

// CompileErrors picks the file:line errors out of the go command's output.
func CompileErrors(output string) []CompileError {
	var errs []CompileError
	for _, line := range strings.Split(output, "\n") {
		m := compileLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		errs = append(errs, CompileError{File: strings.TrimPrefix(m[1], "./"), Line: n, Col: col, Message: m[4]})
	}
	return errs
}
