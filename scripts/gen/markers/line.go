package markers

import "strings"

// marker is one marker line taken apart.
type marker struct {
	indent  string   // the whitespace before the comment
	comment string   // "//" or "#"
	keyword string   // chapter, begin, end, solution, stub (or anything else: an error)
	args    []string // the words after the keyword
	rest    string   // the text after the keyword and one separating blank, as written
}

// prefixes are the ways a marker line may start once its indentation is removed.
var prefixes = []struct{ text, comment string }{
	{"//mini:", "//"},
	{"# mini:", "#"},
	{"#mini:", "#"},
}

// parseMarker reports whether text is a marker line and, if so, takes it apart.
func parseMarker(text string) (marker, bool) {
	text = strings.TrimRight(text, "\r")
	trimmed := strings.TrimLeft(text, " \t")
	for _, p := range prefixes {
		body, ok := strings.CutPrefix(trimmed, p.text)
		if !ok {
			continue
		}
		keyword, rest := body, ""
		if i := strings.IndexAny(body, " \t"); i >= 0 {
			keyword, rest = body[:i], body[i+1:]
		}
		return marker{
			indent:  text[:len(text)-len(trimmed)],
			comment: p.comment,
			keyword: keyword,
			args:    strings.Fields(rest),
			rest:    rest,
		}, true
	}
	return marker{}, false
}

// keywords are the markers there are.
var keywords = map[string]bool{"chapter": true, "begin": true, "end": true, "solution": true, "stub": true}

// misspelled reports a Go marker written "// mini:begin": gofmt keeps it and the generator
// would silently treat it as code, so it is an error rather than a comment.
func misspelled(text string) (string, bool) {
	body, ok := strings.CutPrefix(strings.TrimLeft(text, " \t"), "// mini:")
	if !ok {
		return "", false
	}
	keyword, _, _ := strings.Cut(body, " ")
	return keyword, keywords[keyword]
}
