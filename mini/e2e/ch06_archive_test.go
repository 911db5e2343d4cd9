//mini:chapter 06

package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// save → rmi → load keeps the image whole: the same ID, the same files. The archive is one that
// skopeo reads both as a docker-archive and as an OCI archive.
func TestCh06SaveLoadKeepsTheID(t *testing.T) {
	registrytest.NeedTools(t, "skopeo")
	e := imageEnv(t)
	id := e.importBusybox("busybox:latest")
	file := filepath.Join(t.TempDir(), "busybox.tar")
	if r := e.mini("save", "-o", file, "busybox"); r.Status != 0 || r.Stdout != "" {
		t.Fatalf("save: %s", r)
	}
	for _, src := range []string{"docker-archive:" + file, "oci-archive:" + file + ":latest"} {
		out, err := exec.Command("skopeo", "inspect", "--raw", src).CombinedOutput()
		if err != nil {
			t.Errorf("skopeo inspect %s: %v\n%s", src, err, out)
		}
	}
	out, err := exec.Command("skopeo", "inspect", "--config", "docker-archive:"+file).Output()
	if err != nil || !json.Valid(out) {
		t.Errorf("skopeo inspect --config: %v\n%s", err, out)
	}
	if r := e.mini("rmi", "busybox"); r.Status != 0 {
		t.Fatalf("rmi: %s", r)
	}
	expect(t, e.mini("load", "-i", file), 0, "Loaded image: busybox:latest\n")
	rows := e.imageRows("--no-trunc")
	if len(rows) != 1 || rows[0][2] != id {
		t.Errorf("want busybox back with the ID %s, got %v", id, rows)
	}
	expect(t, e.mini("run", "busybox", "echo", "loaded"), 0, "loaded\n")
	e.verifyClean()
}

// TestCh06Step5SaveManifestJSON reads manifest.json of a saved two-layer image as `docker load`
// does: its config file hashes to the image ID, its layer files, in order, hash to the config's
// diff_ids, and its tag is the name as Docker prints it.
func TestCh06Step5SaveManifestJSON(t *testing.T) {
	registrytest.NeedTools(t, "skopeo")
	e := imageEnv(t)
	// A two-layer image that skopeo writes, loaded into the store.
	l := registrytest.NewLayout(t)
	l.Index(t, l.Image(t, "amd64", tarDir(t, h.rootfs), registrytest.Tar(t, map[string]string{"hello.txt": "hello\n"})))
	file := filepath.Join(t.TempDir(), "two.tar")
	if out, err := exec.Command("skopeo", "copy", "oci:"+l.Dir+":latest", "docker-archive:"+file+":localhost:5000/two:1").CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	expect(t, e.mini("load", "-i", file), 0, "Loaded image: localhost:5000/two:1\n")
	id := e.imageRows("--no-trunc")[0][2]
	os.Remove(file)
	if r := e.mini("save", "-o", file, "localhost:5000/two:1"); r.Status != 0 {
		t.Fatalf("save: %s", r)
	}
	members := readTar(t, file)
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(members["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json: want one image, got %s (%v)", members["manifest.json"], err)
	}
	m := manifest[0]
	cfg, ok := members[m.Config]
	if !ok || "sha256:"+sha256hex(cfg) != id {
		t.Fatalf("manifest.json's Config %q: want the path of a file whose sha256 is the image ID %s", m.Config, id)
	}
	if want := []string{"localhost:5000/two:1"}; strings.Join(m.RepoTags, " ") != strings.Join(want, " ") {
		t.Errorf("RepoTags %q, want %q", m.RepoTags, want)
	}
	var config struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		}
	}
	json.Unmarshal(cfg, &config)
	if len(m.Layers) != 2 || len(config.RootFS.DiffIDs) != 2 {
		t.Fatalf("want two layers in manifest.json and in the config, got %q and %q", m.Layers, config.RootFS.DiffIDs)
	}
	for i, l := range m.Layers {
		data, ok := members[l]
		if !ok || "sha256:"+sha256hex(data) != config.RootFS.DiffIDs[i] {
			t.Errorf("layer %d, %q: want the path of a tar whose sha256 is diff_ids[%d], %s", i, l, i, config.RootFS.DiffIDs[i])
		}
	}
}

// Archives written by skopeo (a docker-archive and an OCI archive of an image skopeo copied from
// an OCI layout) load into Mini and run.
func TestCh06LoadWhatSkopeoWrites(t *testing.T) {
	registrytest.NeedTools(t, "skopeo")
	e := imageEnv(t)
	l := registrytest.NewLayout(t)
	l.Index(t, l.Image(t, "amd64", tarDir(t, h.rootfs), registrytest.Tar(t, map[string]string{"hello.txt": "from skopeo\n"})))
	dir := t.TempDir()
	for _, dst := range []string{
		"docker-archive:" + filepath.Join(dir, "docker.tar") + ":skopeo/docker:1",
		"oci-archive:" + filepath.Join(dir, "oci.tar") + ":skopeo/oci:1",
	} {
		if out, err := exec.Command("skopeo", "copy", "oci:"+l.Dir+":latest", dst).CombinedOutput(); err != nil {
			t.Fatalf("skopeo copy to %s: %v\n%s", dst, err, out)
		}
	}
	expect(t, e.mini("load", "-i", filepath.Join(dir, "docker.tar")), 0, "Loaded image: skopeo/docker:1\n")
	expect(t, e.mini("load", "-i", filepath.Join(dir, "oci.tar")), 0, "Loaded image: skopeo/oci:1\n")
	for _, name := range []string{"skopeo/docker:1", "skopeo/oci:1"} {
		expect(t, e.mini("run", name, "cat", "/hello.txt"), 0, "from skopeo\n")
	}
}

// import makes a new one-layer image from a root filesystem tarball, with --change for its config.
func TestCh06Import(t *testing.T) {
	e := imageEnv(t)
	r := e.miniIn(bytes.NewReader(tarDir(t, h.rootfs)), "import", "--change", `CMD ["echo", "imported"]`, "--change", "ENV WHO=me", "-", "flat:1")
	if r.Status != 0 || !strings.HasPrefix(r.Stdout, "sha256:") {
		t.Fatalf("import: %s", r)
	}
	expect(t, e.mini("run", "flat:1"), 0, "imported\n")
	expect(t, e.mini("run", "flat:1", "sh", "-c", "echo $WHO"), 0, "me\n")
	expectError(t, e.mini("import", "--change", "RUN rm -rf /", "-", "bad:1"), 125, "--change")
}

// Each bad archive is one line, status 125, and the store is byte for byte as it was.
func TestCh06LoadBadArchives(t *testing.T) {
	e := imageEnv(t)
	e.importBusybox("busybox:latest")
	good := filepath.Join(t.TempDir(), "good.tar")
	if r := e.mini("save", "-o", good, "busybox"); r.Status != 0 {
		t.Fatalf("save: %s", r)
	}
	members := readTar(t, good)
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(members["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	layer := manifest[0].Layers[0]
	cases := map[string]struct {
		change func(m map[string][]byte) []tarEntry
		want   string
	}{
		"missing blob": {func(m map[string][]byte) []tarEntry { delete(m, layer); return entries(m) }, "has no " + layer},
		"config digest": {func(m map[string][]byte) []tarEntry {
			m[manifest[0].Config] = append(m[manifest[0].Config], ' ')
			return entries(m)
		}, "damaged"},
		"repositories": {func(m map[string][]byte) []tarEntry {
			m["repositories"] = []byte(`{"busybox":{"latest":"0000000000000000000000000000000000000000000000000000000000000000"}}`)
			return entries(m)
		}, "repositories"},
		"escape": {func(m map[string][]byte) []tarEntry {
			return append(entries(m), tarEntry{name: "../../escaped", data: []byte("x")})
		}, "outside"},
		"hard link": {func(m map[string][]byte) []tarEntry {
			return append(entries(m), tarEntry{name: "link", link: "/etc/passwd", hard: true})
		}, "hard link"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			before := storeListing(t, e)
			bad := writeTar(t, c.change(copyMap(members)))
			expectError(t, e.mini("load", "-i", bad), 125, c.want)
			if diff := strings.Join(storeListing(t, e), "\n"); diff != strings.Join(before, "\n") {
				t.Errorf("the store changed:\nbefore: %v\nafter:  %v", before, storeListing(t, e))
			}
		})
	}
	notTar := filepath.Join(t.TempDir(), "not.tar")
	os.WriteFile(notTar, []byte("this is not a tar archive at all, not even close to one\n"), 0o644)
	expectError(t, e.mini("load", "-i", notTar), 125, "not a tar")
}

type tarEntry struct {
	name, link string
	hard       bool
	data       []byte
}

func readTar(t *testing.T, file string) map[string][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		if hdr.Typeflag == tar.TypeReg {
			var b bytes.Buffer
			b.ReadFrom(tr)
			out[hdr.Name] = b.Bytes()
		}
	}
	return out
}

func copyMap(m map[string][]byte) map[string][]byte {
	c := map[string][]byte{}
	for k, v := range m {
		c[k] = append([]byte{}, v...)
	}
	return c
}

func entries(m map[string][]byte) []tarEntry {
	var out []tarEntry
	for k, v := range m {
		out = append(out, tarEntry{name: k, data: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func writeTar(t *testing.T, es []tarEntry) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "bad.tar")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, e := range es {
		hdr := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}
		if e.link != "" {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, e.link, 0
			if e.hard {
				hdr.Typeflag = tar.TypeLink
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write(e.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}

// storeListing is every file of the image store with its size: what "unchanged" is judged by.
func storeListing(t *testing.T, e *env) []string {
	t.Helper()
	var out []string
	root := filepath.Join(e.root, "images")
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && p != root {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}
