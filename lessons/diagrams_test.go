package main

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The lessons' diagrams are hand-written SVG files under docs/img/ (or beside a lesson). These
// tests keep pictures and prose together: a diagram nobody links to is dead weight, and a link to
// a missing picture is a broken lesson. They also keep each SVG self-contained, so it renders the
// same from a checkout, on GitHub and on a projector with no network.

// imageLink is a markdown image: ![alt](target). The target is the first word inside the
// parentheses (an optional "title" may follow it).
var imageLink = regexp.MustCompile(`!\[[^\]]*\]\(\s*([^)\s]+)`)

// TestLessonDiagramsAreWellFormedAndUsed checks every SVG diagram: it parses as XML with an <svg>
// root, loads nothing from outside (no script, no external font, image or stylesheet), and a
// lesson (lessons/NN-*/README.md) or a page under docs/ shows it.
func TestLessonDiagramsAreWellFormedAndUsed(t *testing.T) {
	root := ".."
	diagrams := findDiagrams(t, root)
	if len(diagrams) == 0 {
		t.Fatal("no diagrams found under docs/img or lessons/NN-*/")
	}
	used := map[string][]string{} // diagram (cleaned path from the root) -> the pages that show it
	for _, page := range pagesWithImages(t, root) {
		for _, target := range imageTargets(t, filepath.Join(root, page)) {
			if path, ok := localPath(page, target); ok {
				used[path] = append(used[path], page)
			}
		}
	}
	for _, d := range diagrams {
		if err := checkSVG(filepath.Join(root, d)); err != nil {
			t.Errorf("%s: %v", d, err)
		}
		if len(used[d]) == 0 {
			t.Errorf("%s: no lesson or docs page shows it: link it with ![what it shows](%s), or delete it", d, d)
		}
	}
	t.Logf("%d diagrams checked", len(diagrams))
}

// TestLessonImagesExist checks that every image a lesson links to is there.
func TestLessonImagesExist(t *testing.T) {
	root := ".."
	lessons, err := filepath.Glob(filepath.Join(root, "lessons", "[0-9][0-9]-*", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lessons) == 0 {
		t.Fatal("no lessons found under lessons/NN-*/README.md")
	}
	n := 0
	for _, lesson := range lessons {
		rel, _ := filepath.Rel(root, lesson)
		for _, target := range imageTargets(t, lesson) {
			path, ok := localPath(rel, target)
			if !ok {
				t.Errorf("%s: image %s is not a file of the repository: keep diagrams in docs/img/ so they render offline", rel, target)
				continue
			}
			n++
			if _, err := os.Stat(filepath.Join(root, path)); err != nil {
				t.Errorf("%s: image %s: %v", rel, target, err)
			}
		}
	}
	t.Logf("%d image links checked", n)
}

// findDiagrams lists the SVG files of docs/img and of the lessons' directories, as paths from root.
func findDiagrams(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"docs/img/*.svg", "lessons/[0-9][0-9]-*/*.svg"} {
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			rel, err := filepath.Rel(root, m)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, filepath.ToSlash(rel))
		}
	}
	sort.Strings(out)
	return out
}

// pagesWithImages lists the markdown pages that may show a diagram: the lessons and docs/.
func pagesWithImages(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"lessons/[0-9][0-9]-*/README.md", "docs/*.md", "README.md"} {
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			rel, _ := filepath.Rel(root, m)
			out = append(out, filepath.ToSlash(rel))
		}
	}
	return out
}

// imageTargets returns the targets of the markdown images in file.
func imageTargets(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range imageLink.FindAllStringSubmatch(string(data), -1) {
		out = append(out, m[1])
	}
	return out
}

// localPath resolves an image target of page (both relative to the repository root) to a
// cleaned path from the root. ok is false for a URL or a path that leaves the repository.
func localPath(page, target string) (string, bool) {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "/") || strings.HasPrefix(target, "data:") {
		return "", false
	}
	target, _, _ = strings.Cut(target, "#")
	p := filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(page), filepath.FromSlash(target))))
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

// checkSVG parses file as XML and refuses what would make it depend on anything outside itself.
func checkSVG(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	first := true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errors.New("not well-formed XML: " + err.Error())
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if first {
				if el.Name.Local != "svg" {
					return errors.New("the root element is <" + el.Name.Local + ">, not <svg>")
				}
				first = false
			}
			switch el.Name.Local {
			case "script", "foreignObject":
				return errors.New("has a <" + el.Name.Local + ">: a diagram is a picture, nothing runs in it")
			}
			for _, a := range el.Attr {
				if a.Name.Local == "href" && !strings.HasPrefix(a.Value, "#") {
					return errors.New("links to " + a.Value + ": a diagram must not load anything from outside itself")
				}
				if strings.HasPrefix(a.Name.Local, "on") {
					return errors.New("has an event handler " + a.Name.Local + ": a diagram is a picture, nothing runs in it")
				}
			}
		case xml.CharData:
			if s := string(el); strings.Contains(s, "@import") || strings.Contains(s, "url(http") {
				return errors.New("its style loads something from outside (@import or url(http...)): use the fonts every machine has")
			}
		}
	}
	if first {
		return errors.New("empty: no <svg> element")
	}
	return nil
}
