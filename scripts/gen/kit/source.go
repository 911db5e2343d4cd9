package kit

import (
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/minikit/kit/scripts/gen/markers"
)

// source is one file of mini/.
type source struct {
	rel  string // slash path under mini/
	data []byte
	exec bool
	file *markers.File // nil for a binary file, which exists from chapter 00 and is copied as is
}

func (s *source) exists(n int) bool { return s.file == nil || s.file.Exists(n) }

func (s *source) stepsIn(n int) []*markers.Step {
	if s.file == nil {
		return nil
	}
	return s.file.StepsIn(n)
}

// loadSources reads and parses every file under repo/mini, in lexical order. Every malformed
// marker of every file is reported, not just the first.
func loadSources(repo string) ([]*source, error) {
	root := filepath.Join(repo, "mini")
	var sources []*source
	var errs []error
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("mini/%s: not a regular file; the generator copies only files", rel)
		case rel == "go.mod":
			return errors.New("mini/go.mod: mini/ is part of the root module; the generator writes each tree's go.mod itself")
		}
		s, err := readSource(p, rel)
		if err != nil {
			var me *markers.Error
			if errors.As(err, &me) {
				errs = append(errs, err)
				return nil
			}
			return err
		}
		sources = append(sources, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read mini/: %w", err)
	}
	if len(sources) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("%s: no files to generate from", root)
	}
	return sources, errors.Join(errs...)
}

func readSource(p, rel string) (*source, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	s := &source{rel: rel, data: data, exec: info.Mode().Perm()&0o111 != 0}
	if bytes.IndexByte(data, 0) >= 0 {
		return s, nil
	}
	if s.file, err = markers.Parse("mini/"+rel, data); err != nil {
		return nil, err
	}
	return s, nil
}

// packageNames maps the import path of every package in mini/ to its name, so that import fixing
// does not have to guess it from the path.
func packageNames(sources []*source) map[string]string {
	names := map[string]string{}
	for _, s := range sources {
		if path.Ext(s.rel) != ".go" || strings.HasSuffix(s.rel, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), s.rel, s.data, parser.PackageClauseOnly)
		if err != nil {
			continue // the full parse of the generated file reports it
		}
		names[path.Join(EngineModule, path.Dir(s.rel))] = f.Name.Name
	}
	return names
}
