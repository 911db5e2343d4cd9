// Package gosrc tidies generated Go files: it fixes the imports of exercise files and gofmts.
//
// It works with go/parser, go/ast and go/format only. Without type information the name under
// which an import is used has to be known or guessed; the guess is made safe by comparing with the
// complete version of the same file, where every import is used (see FixImports).
package gosrc

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Options tells FixImports what it cannot find out from one file.
type Options struct {
	// TodoPath is the import path of the package the stubs call (todo.Step).
	TodoPath string
	// PackageName returns the package name of an import path, or "" when unknown (then it is
	// guessed from the path).
	PackageName func(importPath string) string
}

// FixImports removes the imports that an exercise file's stubs left unused and adds the todo
// package when a stub uses it without the file importing it; the result is gofmt'ed.
//
// reference is the complete version of the same file. An import is removed only if its name is
// used in reference and no longer in src, so a wrong guess of a package name keeps the import
// rather than breaking a file that was fine.
func FixImports(name string, src, reference []byte, opts Options) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse exercise file: %w", err)
	}
	ref, err := parser.ParseFile(token.NewFileSet(), name, reference, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse chapter version of %s: %w", name, err)
	}
	used, usedBefore := qualifiers(f), qualifiers(ref)

	e := &editor{fset: fset, src: src}
	hasTodo := false
	for _, d := range importDecls(f) {
		var unused []*ast.ImportSpec
		for _, spec := range d.Specs {
			imp := spec.(*ast.ImportSpec)
			n := importName(imp, opts.PackageName)
			hasTodo = hasTodo || n == "todo"
			if n != "_" && n != "." && !used[n] && usedBefore[n] {
				unused = append(unused, imp)
			}
		}
		if len(unused) == len(d.Specs) {
			e.deleteLines(d.Pos(), d.End(), d.Doc)
			continue
		}
		for _, imp := range unused {
			e.deleteLines(imp.Pos(), imp.End(), imp.Doc)
		}
	}
	if used["todo"] && !hasTodo {
		e.addImport(f, opts.TodoPath)
	}
	out, err := format.Source(e.apply())
	if err != nil {
		return nil, fmt.Errorf("gofmt exercise file after fixing imports: %w", err)
	}
	return out, nil
}

// Format gofmts a generated Go file.
func Format(src []byte) ([]byte, error) {
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("gofmt: %w", err)
	}
	return out, nil
}

// qualifiers returns the identifiers used before a dot (fmt in fmt.Println). A local variable
// with a method call shows up too; that only ever makes FixImports keep an import.
func qualifiers(f *ast.File) map[string]bool {
	names := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				names[id.Name] = true
			}
		}
		return true
	})
	return names
}

func importDecls(f *ast.File) []*ast.GenDecl {
	var decls []*ast.GenDecl
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			decls = append(decls, g)
		}
	}
	return decls
}

// importName is the name a file uses for an import: the explicit one, the known package name,
// or a guess.
func importName(imp *ast.ImportSpec, known func(string) string) string {
	if imp.Name != nil {
		return imp.Name.Name
	}
	p, err := strconv.Unquote(imp.Path.Value)
	if err != nil {
		return ""
	}
	if known != nil {
		if n := known(p); n != "" {
			return n
		}
	}
	return guessName(p)
}

// guessName is the usual package name for an import path: the last element without a /vN or .vN
// version or a go- prefix.
func guessName(p string) string {
	base := path.Base(p)
	if isMajorVersion(base) {
		base = path.Base(path.Dir(p))
	}
	if i := strings.Index(base, ".v"); i > 0 && isMajorVersion(base[i+1:]) {
		base = base[:i]
	}
	base = strings.TrimPrefix(base, "go-")
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, base)
}

func isMajorVersion(s string) bool {
	rest, ok := strings.CutPrefix(s, "v")
	_, err := strconv.Atoi(rest)
	return ok && rest != "" && err == nil
}

// editor collects byte-range replacements of the source and applies them back to front.
type editor struct {
	fset  *token.FileSet
	src   []byte
	edits []edit
}

type edit struct {
	start, end int
	text       string
}

// deleteLines removes the whole lines from the one holding from (or its doc comment) to the one
// holding to, including a trailing comment.
func (e *editor) deleteLines(from, to token.Pos, doc *ast.CommentGroup) {
	if doc != nil {
		from = doc.Pos()
	}
	e.edits = append(e.edits, edit{start: e.lineStart(from), end: e.lineEnd(to)})
}

// addImport adds an import to the last parenthesized import block that survives, in a group of
// its own when that block ends with standard-library imports; otherwise as a declaration of its
// own after the package clause.
func (e *editor) addImport(f *ast.File, importPath string) {
	quoted := strconv.Quote(importPath)
	decls := importDecls(f)
	for i := len(decls) - 1; i >= 0; i-- {
		d := decls[i]
		if !d.Lparen.IsValid() || e.deleted(d.Pos()) {
			continue
		}
		text := "\t" + quoted + "\n"
		last := d.Specs[len(d.Specs)-1].(*ast.ImportSpec)
		if p, _ := strconv.Unquote(last.Path.Value); !strings.Contains(strings.Split(p, "/")[0], ".") {
			text = "\n" + text
		}
		at := e.lineStart(d.Rparen)
		e.edits = append(e.edits, edit{start: at, end: at, text: text})
		return
	}
	at := e.lineEnd(f.Name.End())
	e.edits = append(e.edits, edit{start: at, end: at, text: "\nimport " + quoted + "\n"})
}

func (e *editor) deleted(pos token.Pos) bool {
	off := e.fset.Position(pos).Offset
	return slices.ContainsFunc(e.edits, func(ed edit) bool { return ed.start <= off && off < ed.end })
}

func (e *editor) apply() []byte {
	slices.SortFunc(e.edits, func(a, b edit) int { return b.start - a.start })
	out := bytes.Clone(e.src)
	for _, ed := range e.edits {
		out = slices.Concat(out[:ed.start], []byte(ed.text), out[ed.end:])
	}
	return out
}

func (e *editor) lineStart(pos token.Pos) int {
	tf := e.fset.File(pos)
	return tf.Offset(tf.LineStart(tf.Line(pos)))
}

// lineEnd is the offset just after the newline ending the line that holds pos.
func (e *editor) lineEnd(pos token.Pos) int {
	off := e.fset.Position(pos).Offset
	if i := bytes.IndexByte(e.src[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(e.src)
}
