//mini:chapter 06

package archive

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/opencontainers/image-spec/schema"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
)

// What save writes is a valid OCI image layout, judged by the JSON schemas that ship with the
// image-spec module itself (not copies of them): oci-layout, index.json, every manifest and config.
func TestCh06SaveIsAValidOCILayout(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: unpacking a layer sets file owners; run the tests with sudo")
	}
	store, err := image.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "motd"), []byte("hello\n"), 0o644)
	for _, name := range []string{"one:1", "two:2"} {
		ref, _ := reference.Parse(name)
		if _, err := store.ImportDir(dir, image.ImportOptions{Ref: ref, Cmd: []string{"sh"}, CreatedBy: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := Save(store, []string{"one:1", "two:2"}, &buf); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(&buf)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, dup := files[hdr.Name]; dup {
				t.Errorf("%s is in the archive twice: shared blobs must be stored once", hdr.Name)
			}
			files[hdr.Name], _ = io.ReadAll(tr)
		}
	}
	validate := func(v schema.Validator, name string, b []byte) {
		t.Helper()
		if err := v.Validate(bytes.NewReader(b)); err != nil {
			t.Errorf("%s is not a valid %s: %v\n%s", name, v, err, b)
		}
	}
	validate(schema.ValidatorMediaTypeLayoutHeader, "oci-layout", files["oci-layout"])
	validate(schema.ValidatorMediaTypeImageIndex, "index.json", files["index.json"])
	var idx v1.Index
	json.Unmarshal(files["index.json"], &idx)
	if len(idx.Manifests) != 2 {
		t.Fatalf("index.json names %d images, want 2", len(idx.Manifests))
	}
	for _, d := range idx.Manifests {
		mb := files[blobPath(d.Digest)]
		validate(schema.ValidatorMediaTypeManifest, "manifest "+d.Digest.String(), mb)
		var m v1.Manifest
		json.Unmarshal(mb, &m)
		validate(schema.ValidatorMediaTypeImageConfig, "config "+m.Config.Digest.String(), files[blobPath(m.Config.Digest)])
		for _, l := range m.Layers {
			if _, ok := files[blobPath(l.Digest)]; !ok {
				t.Errorf("layer %s is not in the archive", l.Digest)
			}
		}
	}
	var dm []dockerManifest
	if err := json.Unmarshal(files["manifest.json"], &dm); err != nil || len(dm) != 2 {
		t.Errorf("manifest.json: want two images, got %s (%v)", files["manifest.json"], err)
	}
}

// TestCh06Step5DockerEntry: an image's manifest.json entry names its config and its layers by
// their paths in the archive, layers bottom first, and its tags as Docker prints them
// (docker.io/library/ and docker.io/ dropped, other registries kept).
func TestCh06Step5DockerEntry(t *testing.T) {
	id := digest.FromString("config")
	var layers []v1.Descriptor
	for _, content := range []string{"bottom", "middle", "top"} {
		layers = append(layers, v1.Descriptor{MediaType: v1.MediaTypeImageLayer, Digest: digest.FromString(content), Size: 6})
	}
	var tags []reference.Reference
	for _, name := range []string{"busybox", "docker.io/someone/app:v1", "localhost:5000/team/app:2"} {
		ref, err := reference.Parse(name)
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, ref)
	}
	got, err := dockerEntry(id, layers, tags)
	if err != nil {
		t.Fatal(err)
	}
	want := dockerManifest{
		Config:   "blobs/sha256/" + id.Encoded(),
		RepoTags: []string{"busybox:latest", "someone/app:v1", "localhost:5000/team/app:2"},
		Layers: []string{
			"blobs/sha256/" + digest.FromString("bottom").Encoded(),
			"blobs/sha256/" + digest.FromString("middle").Encoded(),
			"blobs/sha256/" + digest.FromString("top").Encoded(),
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dockerEntry:\n got %+v\nwant %+v", got, want)
	}
	got, err = dockerEntry(id, layers[:1], nil)
	if err != nil || got.Config != want.Config || len(got.RepoTags) != 0 || !reflect.DeepEqual(got.Layers, want.Layers[:1]) {
		t.Errorf("dockerEntry of an untagged one-layer image: got %+v, %v", got, err)
	}
}
