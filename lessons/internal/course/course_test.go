package course

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNormalizeStep(t *testing.T) {
	for in, want := range map[string]string{"2.1": "02.1", "02.01": "02.1", "02.10": "02.10"} {
		if got, err := NormalizeStep(in); err != nil || got != want {
			t.Errorf("NormalizeStep(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"02", "02.0", "x.1", "02.x"} {
		if _, err := NormalizeStep(in); err == nil {
			t.Errorf("NormalizeStep(%q) is not an error", in)
		}
	}
}

func TestFindSkipsNestedModules(t *testing.T) {
	root := t.TempDir()
	nested := filepath.Join(root, "exercises", "00-process", "proc")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+Module+"\n"), 0o644)
	os.WriteFile(filepath.Join(root, "exercises", "00-process", "go.mod"), []byte("module "+Module+"/mini\n"), 0o644)
	c, err := Find(nested)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.EvalSymlinks(root); c.Root != root && c.Root != want {
		t.Errorf("Find = %s, want %s", c.Root, root)
	}
	if _, err := Find(t.TempDir()); err == nil {
		t.Error("Find outside the kit is not an error")
	}
}
