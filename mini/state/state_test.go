package state

import (
	"os"
	"regexp"
	"testing"
)

func TestCh00ContainerDirectories(t *testing.T) {
	root, err := Open(t.TempDir() + "/state")
	if err != nil {
		t.Fatal(err)
	}
	a, err := root.NewRun()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := root.NewRun()
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(a.ID) || a.ID == b.ID {
		t.Errorf("want two different 12-hex-digit IDs, got %q and %q", a.ID, b.ID)
	}
	if st, err := os.Stat(a.Dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("want %s to exist with mode 0700: %v", a.Dir, err)
	}
	if err := a.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a.Dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Remove", a.Dir)
	}
}
