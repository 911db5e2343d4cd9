//mini:chapter 06

package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// A Mini killed with SIGKILL runs no deferred clean-up at all: these tests check that what the
// store makes visible (by rename, only when complete and checked) is enough. What they check is
// the same every run; only the moments of the kills are random, from a seed the test logs.

// killSeed is the seed of a kill test's moments: MINI_KILL_SEED replays a logged run.
func killSeed(t *testing.T) *mrand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("MINI_KILL_SEED"); s != "" {
		if _, err := fmt.Sscan(s, &seed); err != nil {
			t.Fatalf("MINI_KILL_SEED=%q: want a number", s)
		}
	}
	t.Logf("kill moments from seed %d (MINI_KILL_SEED=%d replays them)", seed, seed)
	return mrand.New(mrand.NewPCG(seed, 6))
}

// killAfter starts mini with args, sends it SIGKILL after delay (unless it ended before) and
// returns what it printed.
func (e *env) killAfter(delay time.Duration, args ...string) string {
	e.t.Helper()
	cmd := e.command(e.t.Context(), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	time.Sleep(delay)
	cmd.Process.Kill()
	cmd.Wait()
	return out.String()
}

// timed runs mini with args, fails the test unless it succeeds, and returns how long it took.
func (e *env) timed(args ...string) time.Duration {
	e.t.Helper()
	start := time.Now()
	if r := e.mini(args...); r.Status != 0 {
		e.t.Fatalf("mini %s: %s", strings.Join(args, " "), r)
	}
	return time.Since(start)
}

// lowerFile reads file from the top layer of image name, as the store unpacked it.
func (e *env) lowerFile(name, file string) ([]byte, error) {
	e.t.Helper()
	var out []struct {
		GraphDriver struct{ Data map[string]string }
	}
	r := e.mini("image", "inspect", name)
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil || len(out) != 1 {
		return nil, fmt.Errorf("mini image inspect %s: %v\n%s", name, err, r)
	}
	top := strings.Split(out[0].GraphDriver.Data["LowerDir"], ":")[0]
	return os.ReadFile(filepath.Join(top, file))
}

// bigImage pushes to reg, as repo, an image whose pull takes long enough for kills to land in
// every phase: many small files (unpacking, syncfs), a big random file (download, hashing), two
// more layers fetched in parallel. It returns the big file's content.
func bigImage(t *testing.T, reg *registrytest.Registry, repo string) []byte {
	t.Helper()
	big := make([]byte, 32<<20)
	rand.Read(big)
	small := map[string]string{}
	for i := range 3000 {
		small[fmt.Sprintf("many/%02d/f%04d", i%30, i)] = strings.Repeat(fmt.Sprintf("file %d\n", i), 40)
	}
	l := registrytest.NewLayout(t)
	l.Index(t, l.Image(t, "amd64",
		registrytest.Tar(t, small),
		registrytest.Tar(t, map[string]string{"etc/os-release": "NAME=kill\n"}),
		registrytest.Tar(t, map[string]string{"big": string(big)})))
	reg.Push(t, l.Dir, repo)
	return big
}

// TestCh06Step2KillPull kills `mini pull` at 20 random moments. After each kill the store
// verifies clean (no half blob under its digest, no half layer under its name, the image either
// not named or named whole), and a new pull finishes the job with what the killed one left.
// (A test of step 06.2: every blob of a pull passes through the verifying reader.)
func TestCh06Step2KillPull(t *testing.T) {
	e := newEnv(t)
	reg := registrytest.Start(t, registrytest.Anonymous)
	big := bigImage(t, reg, "e2e/big:1")
	name := reg.Host + "/e2e/big:1"

	// One whole pull in a store of its own tells how long a pull takes: the kills fall
	// anywhere from its start to a little past its end.
	ref := &env{t: t, root: t.TempDir(), parent: e.parent}
	took := ref.timed("pull", "-q", name)
	rng := killSeed(t)
	for i := range 20 {
		delay := time.Duration(rng.Int64N(int64(took) * 11 / 10))
		out := e.killAfter(delay, "pull", name)
		t.Logf("kill %d after %v, the pull's last line: %q", i, delay, lastLine(out))
		r := e.mini("image", "verify")
		if r.Status != 0 || !strings.Contains(r.Stdout, "no problems") {
			t.Fatalf("kill %d after %v: the store does not verify:\n%s\nthe killed pull printed:\n%s", i, delay, r, out)
		}
		if rows := e.imageRows(); len(rows) > 1 {
			t.Fatalf("kill %d after %v: want at most one image, got %v", i, delay, rows)
		}
		if r := e.mini("pull", "-q", name); r.Status != 0 || r.Stdout != name+"\n" {
			t.Fatalf("kill %d after %v: the next pull: %s\nregistry log:\n%s", i, delay, r, reg.Log.String())
		}
		e.verifyClean()
		if got, err := e.lowerFile(name, "big"); err != nil || !bytes.Equal(got, big) {
			t.Fatalf("kill %d after %v: the pulled big file differs from the pushed one (%d bytes, %v)", i, delay, len(got), err)
		}
		// Start the next round from nothing: the image and whatever the kill left unused.
		if r := e.mini("rmi", name); r.Status != 0 {
			t.Fatalf("rmi: %s", r)
		}
		if r := e.mini("image", "prune"); r.Status != 0 {
			t.Fatalf("image prune: %s", r)
		}
		if left := storeListing(t, e); len(left) > 0 && !onlyStoreSkeleton(left) {
			t.Fatalf("kill %d after %v: after rmi and prune the store still holds %v", i, delay, left)
		}
	}
}

// onlyStoreSkeleton reports whether a store listing holds only the store's own directories and
// files (lock files, an empty index), none of an image.
func onlyStoreSkeleton(listing []string) bool {
	for _, p := range listing {
		switch p {
		case "blobs", "blobs/sha256", "layers", "lock", "index.lock", "index.json":
		default:
			return false
		}
	}
	return true
}

// TestCh06KillLoad kills `mini load` at 20 random moments. After each kill the store verifies
// clean and holds the same images as before; once `mini image prune` has removed what the kill
// left unused, it is file for file as it was. A load after the kills brings the image in whole.
func TestCh06KillLoad(t *testing.T) {
	e := imageEnv(t)
	e.importBusybox("busybox:latest")
	// An image of busybox plus a big random layer, saved and then removed: the archive is what
	// each killed load reads.
	dir := copyRootfs(t, "big")
	big := make([]byte, 48<<20)
	rand.Read(big)
	if err := os.WriteFile(filepath.Join(dir, "big"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	id := e.importDir(dir, "big:1")
	file := filepath.Join(t.TempDir(), "big.tar")
	if r := e.mini("save", "-o", file, "big:1"); r.Status != 0 {
		t.Fatalf("save: %s", r)
	}
	if r := e.mini("rmi", "big:1"); r.Status != 0 {
		t.Fatalf("rmi: %s", r)
	}
	before := storeListing(t, e)
	images := e.imageRows()

	took := e.timed("load", "-i", file)
	if r := e.mini("rmi", "big:1"); r.Status != 0 {
		t.Fatalf("rmi: %s", r)
	}
	rng := killSeed(t)
	for i := range 20 {
		// Kills up to 90% of a whole load: one that lands after the load named the image would
		// rightly leave it loaded.
		delay := time.Duration(rng.Int64N(int64(took) * 9 / 10))
		out := e.killAfter(delay, "load", "-i", file)
		t.Logf("kill %d after %v, the load's last line: %q", i, delay, lastLine(out))
		r := e.mini("image", "verify")
		if r.Status != 0 || !strings.Contains(r.Stdout, "no problems") {
			t.Fatalf("kill %d after %v: the store does not verify:\n%s\nthe killed load printed:\n%s", i, delay, r, out)
		}
		// A kill that lands after the load recorded the name rightly leaves the image loaded,
		// whole (verify said so): it is removed for the next round. Nothing else may change.
		got := e.imageRows()
		if len(got) == len(images)+1 && imageNamed(got, "big") {
			t.Logf("kill %d after %v: the load had named the image already", i, delay)
			if r := e.mini("rmi", "big:1"); r.Status != 0 {
				t.Fatalf("rmi: %s", r)
			}
		} else if fmt.Sprint(got) != fmt.Sprint(images) {
			t.Fatalf("kill %d after %v: a killed load changed the images:\nbefore %v\nafter  %v", i, delay, images, got)
		}
		if r := e.mini("image", "prune"); r.Status != 0 {
			t.Fatalf("image prune: %s", r)
		}
		if after := storeListing(t, e); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Fatalf("kill %d after %v: after prune the store is not as it was:\nbefore %v\nafter  %v", i, delay, before, after)
		}
	}
	expect(t, e.mini("load", "-i", file), 0, "Loaded image: big:1\n")
	e.verifyClean()
	if rows := e.imageRows("--no-trunc"); len(rows) != 2 || !imageNamed(rows, "big") || !strings.Contains(fmt.Sprint(rows), id) {
		t.Errorf("want big:1 back with the ID %s, got %v", id, rows)
	}
	if got, err := e.lowerFile("big:1", "big"); err != nil || !bytes.Equal(got, big) {
		t.Errorf("the loaded big file differs from the saved one (%d bytes, %v)", len(got), err)
	}
	tmp, _ := filepath.Glob(filepath.Join(e.root, "images", ".tmp-*"))
	more, _ := filepath.Glob(filepath.Join(e.root, "images", "*", ".tmp-*"))
	if tmp = append(tmp, more...); len(tmp) != 0 {
		t.Errorf("temporary names left in the store: %v", tmp)
	}
}

// imageNamed reports whether one of `mini images`' rows is of repository repo.
func imageNamed(rows [][]string, repo string) bool {
	for _, r := range rows {
		if r[0] == repo {
			return true
		}
	}
	return false
}

// lastLine is the last line a killed command printed: where it was when the kill came.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}
