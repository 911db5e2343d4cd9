package kit

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
)

// Change is a generated path whose file on disk is not what the generator computes.
type Change struct {
	Path string // slash path relative to the repository
	Kind ChangeKind
}

// ChangeKind says how a path differs.
type ChangeKind string

const (
	Missing ChangeKind = "missing" // generated, not on disk
	Stale   ChangeKind = "stale"   // on disk with other content or mode
	Extra   ChangeKind = "extra"   // on disk in a generated tree, no longer generated
)

func (c Change) String() string { return fmt.Sprintf("%-7s %s", c.Kind, c.Path) }

// treeRoots hold the generated trees. Inside them the generator owns every directory named like
// a chapter ("03-cgroups", also one whose slug was renamed since); nothing else is touched.
var (
	treeRoots = []string{"chapters", "exercises", "solutions"}
	treeName  = regexp.MustCompile(`^[0-9]{2}-`)
)

// Diff compares the output with the trees on disk, in path order.
func (o *Output) Diff(repo string) ([]Change, error) {
	disk, err := generatedOnDisk(repo)
	if err != nil {
		return nil, err
	}
	var changes []Change
	for p, f := range o.Files {
		info, ok := disk[p]
		switch {
		case !ok:
			changes = append(changes, Change{p, Missing})
		case !info.Mode().IsRegular() || (info.Mode().Perm()&0o111 != 0) != f.Exec:
			changes = append(changes, Change{p, Stale})
		default:
			data, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(p)))
			if err != nil {
				return nil, fmt.Errorf("compare %s: %w", p, err)
			}
			if !bytes.Equal(data, f.Data) {
				changes = append(changes, Change{p, Stale})
			}
		}
	}
	for p := range disk {
		if _, ok := o.Files[p]; !ok {
			changes = append(changes, Change{p, Extra})
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return cmp.Compare(a.Path, b.Path) })
	return changes, nil
}

// Write brings the trees on disk in line with the output: it writes what is missing or stale,
// removes what is extra and then the directories that left empty. It returns what it changed.
func (o *Output) Write(repo string) ([]Change, error) {
	changes, err := o.Diff(repo)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		full := filepath.Join(repo, filepath.FromSlash(c.Path))
		if c.Kind == Extra {
			if err := os.Remove(full); err != nil {
				return nil, fmt.Errorf("remove stale %s: %w", c.Path, err)
			}
			continue
		}
		if err := writeFile(full, o.Files[c.Path]); err != nil {
			return nil, fmt.Errorf("write %s: %w", c.Path, err)
		}
	}
	if err := removeEmptyDirs(repo); err != nil {
		return nil, err
	}
	return changes, nil
}

func writeFile(full string, f File) error {
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if f.Exec {
		mode = 0o755
	}
	if err := os.WriteFile(full, f.Data, mode); err != nil {
		return err
	}
	return os.Chmod(full, mode) // WriteFile keeps the mode of a file that already existed
}

// generatedOnDisk lists every entry below the generated trees that is not a directory.
func generatedOnDisk(repo string) (map[string]fs.FileInfo, error) {
	trees, err := generatedTrees(repo)
	if err != nil {
		return nil, err
	}
	found := map[string]fs.FileInfo{}
	for _, tree := range trees {
		err := filepath.WalkDir(filepath.Join(repo, tree), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(repo, p)
			found[filepath.ToSlash(rel)] = info
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", tree, err)
		}
	}
	return found, nil
}

// generatedTrees returns the chapter-named directories under each tree root ("chapters/03-cgroups").
func generatedTrees(repo string) ([]string, error) {
	var trees []string
	for _, root := range treeRoots {
		entries, err := os.ReadDir(filepath.Join(repo, root))
		if errors.Is(err, fs.ErrNotExist) {
			continue // nothing generated there yet
		}
		if err != nil {
			return nil, fmt.Errorf("list generated trees: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() && treeName.MatchString(e.Name()) {
				trees = append(trees, path.Join(root, e.Name()))
			}
		}
	}
	return trees, nil
}

// removeEmptyDirs removes the directories of the generated trees that hold no file any more,
// deepest first, the trees themselves included.
func removeEmptyDirs(repo string) error {
	trees, err := generatedTrees(repo)
	if err != nil {
		return err
	}
	for _, tree := range trees {
		var dirs []string
		err := filepath.WalkDir(filepath.Join(repo, tree), func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("list %s: %w", tree, err)
		}
		for _, d := range slices.Backward(dirs) {
			entries, err := os.ReadDir(d)
			if err != nil {
				return fmt.Errorf("remove empty directories: %w", err)
			}
			if len(entries) == 0 {
				if err := os.Remove(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("remove empty directory: %w", err)
				}
			}
		}
	}
	return nil
}
