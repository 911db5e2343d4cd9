//mini:chapter 06

package state

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	for name, write := range map[string]func(string, []byte, os.FileMode) error{
		"WriteFileAtomic": WriteFileAtomic,
		//mini:begin 07
		"ReplaceFile": ReplaceFile,
		//mini:end 07
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "index.json")
			for _, content := range []string{"first", "second"} {
				if err := write(p, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				if b, err := os.ReadFile(p); err != nil || string(b) != content {
					t.Fatalf("read back %q, %v; want %q", b, err, content)
				}
			}
			if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("temporary files left: %v", entries)
			}
		})
	}
}

func TestLockFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	a, err := LockFile(p, Shared)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LockFile(p, Shared)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := TryRelock(a, Exclusive); err != nil || ok {
		t.Errorf("an exclusive lock was granted while another shared one is held: %v, %v", ok, err)
	}
	if err := Relock(a, Shared); err != nil { // the refused conversion dropped a's lock
		t.Fatal(err)
	}
	b.Close()
	if ok, err := TryRelock(a, Exclusive); err != nil || !ok {
		t.Errorf("no exclusive lock once the other is released: %v, %v", ok, err)
	}
	a.Close()
}
