//mini:chapter 04

package overlay

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCh04Step1Options(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layers Layers
		want   string
	}{
		{"one lower and an upper", Layers{Lower: []string{"/l"}, Upper: "/c/upper", Work: "/c/work"},
			"lowerdir=/l,upperdir=/c/upper,workdir=/c/work"},
		// An image's layers, top first: the top layer's files hide the ones below.
		{"three lowers, top first", Layers{Lower: []string{"/top", "/mid", "/base"}, Upper: "/u", Work: "/w"},
			"lowerdir=/top:/mid:/base,upperdir=/u,workdir=/w"},
		{"read-only: no upper", Layers{Lower: []string{"/top", "/base"}},
			"lowerdir=/top:/base"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.layers.Options()
			if err != nil || got != tc.want {
				t.Errorf("Options() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestCh04Step1OptionsRefused(t *testing.T) {
	long := "/" + strings.Repeat("x", 250)
	var many []string
	for range 20 {
		many = append(many, long)
	}
	for _, tc := range []struct {
		name   string
		layers Layers
		want   string
	}{
		{"no lower", Layers{Upper: "/u", Work: "/w"}, "no lower"},
		{"upper without work", Layers{Lower: []string{"/l"}, Upper: "/u"}, "give both or neither"},
		{"colon in a path", Layers{Lower: []string{"/a:b"}}, `":"`},
		{"comma in a path", Layers{Lower: []string{"/l"}, Upper: "/u,x", Work: "/w"}, `","`},
		{"longer than a page", Layers{Lower: many, Upper: "/u", Work: "/w"}, "4095"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.layers.Options()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Options() = %q, %v; want an error saying %q", got, err, tc.want)
			}
		})
	}
}

func TestCh04Command(t *testing.T) {
	got := Command("lowerdir=/a:/b", "/m", unix.MS_RDONLY)
	if want := "mount -t overlay overlay -o ro,lowerdir=/a:/b /m"; got != want {
		t.Errorf("Command = %q, want %q", got, want)
	}
}

func TestCh04CreateAndRemove(t *testing.T) {
	lower, dir := t.TempDir(), t.TempDir()
	d, err := Create(dir, []string{lower}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Dirs{Layers: Layers{Lower: []string{lower}, Upper: filepath.Join(dir, "upper"), Work: filepath.Join(dir, "work")},
		Merged: filepath.Join(dir, "merged")}
	if d.Merged != want.Merged || d.Upper != want.Upper || d.Work != want.Work {
		t.Fatalf("Create = %+v, want %+v", d, want)
	}
	for _, p := range []string{d.Upper, d.Work, d.Merged} {
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			t.Errorf("%s: want a directory, got %v", p, err)
		}
	}
	os.WriteFile(filepath.Join(d.Upper, "changed"), []byte("x"), 0o644)
	if err := d.Remove(nil); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("Remove left %v in %s", entries, dir)
	}

	// Read-only: merged only.
	ro, err := Create(dir, []string{lower}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ro.Upper != "" || ro.Work != "" {
		t.Errorf("read-only Create made an upper: %+v", ro)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "merged" {
		t.Errorf("read-only Create made %v, want merged only", entries)
	}
}

func TestCh04BadLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		name  string
		lower []string
		want  string
	}{
		{"missing", []string{"/no/such/layer"}, "no such directory"},
		{"a file", []string{file}, "not a directory"},
		{"none", nil, "no lower layer"},
		{"holds the run directory", []string{filepath.Dir(dir)}, "overlap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := filepath.Join(dir, "run")
			os.Mkdir(run, 0o700)
			defer os.RemoveAll(run)
			_, err := Create(run, tc.lower, false, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Create(%v) = %v, want an error saying %q", tc.lower, err, tc.want)
			}
			if entries, _ := os.ReadDir(run); len(entries) != 0 {
				t.Errorf("a refused Create left %v", entries)
			}
		})
	}
	if err := CheckStateRoot([]string{dir}, filepath.Join(dir, "state")); err == nil || !strings.Contains(err.Error(), "--root") {
		t.Errorf("CheckStateRoot with the state root in the lower = %v, want an error naming --root", err)
	}
	if err := CheckStateRoot([]string{filepath.Join(dir, "state", "images", "layer")}, filepath.Join(dir, "state")); err != nil {
		t.Errorf("a lower under the state root (chapter 06's image layers) is fine, got %v", err)
	}
}

// inMountNamespace runs f on a thread of its own in a new, private mount namespace: whatever f
// mounts vanishes with the thread, so the host never sees it, even if the test fails.
func inMountNamespace(t *testing.T, f func() error) error {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts an overlay; run the tests with sudo")
	}
	errc := make(chan error, 1)
	go func() {
		// No UnlockOSThread: the Go runtime then ends the thread, and with it the namespace.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			errc <- err
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			errc <- err
			return
		}
		errc <- f()
	}()
	return <-errc
}

func TestCh04Step2MountCopyOnWrite(t *testing.T) {
	lower, dir := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(lower, "kept"), []byte("lower\n"), 0o644)
	os.WriteFile(filepath.Join(lower, "deleted"), []byte("lower\n"), 0o644)
	d, err := Create(dir, []string{lower}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = inMountNamespace(t, func() error {
		if err := Mount(d.Layers, d.Merged, nil); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d.Merged, "kept"), []byte("changed\n"), 0o644); err != nil {
			return err
		}
		return os.Remove(filepath.Join(d.Merged, "deleted"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(lower, "kept")); string(b) != "lower\n" {
		t.Errorf("the lower file changed: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(d.Upper, "kept")); string(b) != "changed\n" {
		t.Errorf("want the copied-up file in the upper, got %q", b)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(d.Upper, "deleted"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("want a whiteout (character device 0/0) for the deleted file, got mode %o rdev %d, %v", st.Mode, st.Rdev, err)
	}
	if _, err := os.Stat(filepath.Join(lower, "deleted")); err != nil {
		t.Errorf("the lower file was deleted: %v", err)
	}
}

func TestCh04ReadOnlyMount(t *testing.T) {
	lower, dir := t.TempDir(), t.TempDir()
	d, err := Create(dir, []string{lower}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = inMountNamespace(t, func() error {
		if err := Mount(d.Layers, d.Merged, nil); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(d.Merged, "x"), nil, 0o644)
	})
	if !errorsIsEROFS(err) {
		t.Errorf("a write to the read-only root: want EROFS, got %v", err)
	}
}

func errorsIsEROFS(err error) bool {
	return err != nil && strings.Contains(err.Error(), unix.EROFS.Error())
}
