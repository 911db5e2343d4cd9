//mini:chapter 04

package doctor

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCh04StaleRuns(t *testing.T) {
	f := newFixture(t)
	expect(t, Check(f.options()), "stale runs", OK, "no run directory")
	// A run directory whose lock nobody holds: its Mini was killed.
	f.write(t, map[string]string{"var/lib/mini/containers/0123456789ab/lock": ""})
	expect(t, Check(f.options()), "stale runs", Warning, "0123456789ab", "next mini run")
	// Held by a live Mini: not stale.
	lock, err := os.Open(filepath.Join(f.dir, "var/lib/mini/containers/0123456789ab/lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := flockEx(lock); err != nil {
		t.Fatal(err)
	}
	expect(t, Check(f.options()), "stale runs", OK)
}

func flockEx(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_EX) }
