package watch

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestChanged(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.go"), filepath.Join(dir, "b.go"), filepath.Join(dir, "c.go")
	for _, f := range []string{a, b, filepath.Join(dir, "notes.txt")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := Take(dir)
	if got := before.Changed(Take(dir)); got != nil {
		t.Errorf("nothing changed, but Changed = %v", got)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(a, later, later); err != nil {
		t.Fatal(err)
	}
	os.Remove(b)
	os.WriteFile(c, []byte("y"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("changed"), 0o644)
	if d := cmp.Diff([]string{a, b, c}, before.Changed(Take(dir))); d != "" {
		t.Errorf("Changed (-want +got):\n%s", d)
	}
}
