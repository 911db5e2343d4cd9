//mini:chapter 06

package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/image/reference"

	"github.com/minikit/kit/mini/registry/registrytest"
)

func mustParse(t *testing.T, s string) reference.Reference {
	t.Helper()
	r, err := reference.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pushedImage pushes a one- or two-layer image to reg and returns its manifest descriptor and
// the layout it came from.
func pushedImage(t *testing.T, reg *registrytest.Registry, repo string, layers ...[]byte) (*registrytest.Layout, v1.Descriptor) {
	t.Helper()
	l := registrytest.NewLayout(t)
	m := l.Image(t, "amd64", layers...)
	l.Index(t, m)
	reg.Push(t, l.Dir, repo)
	return l, m
}

// Every test here that downloads a blob belongs to step 06.2: each blob passes through the
// verifyingReader on its way to the store.

// TestCh06Step2PullOnlyWhatIsMissing pulls from a real registry, then again (no blob fetched), then
// an image sharing the base layer (only its config and new layer fetched).
func TestCh06Step2PullOnlyWhatIsMissing(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Anonymous)
	base := registrytest.Tar(t, map[string]string{"etc/os-release": "NAME=mini\n"})
	top := registrytest.Tar(t, map[string]string{"app/hello.txt": "hello\n"})
	_, m1 := pushedImage(t, reg, "base/os:v1", base)
	_, m2 := pushedImage(t, reg, "team/app:v2", base, top)

	proxy := registrytest.StartProxy(t, reg.Host)
	store := newDirStore(t)
	c := New(options(reg))
	res, err := c.Pull(context.Background(), mustParse(t, proxy.Host+"/base/os:v1"), store, nil)
	if err != nil {
		t.Fatalf("pull: %v\nregistry log:\n%s", err, reg.Log.String())
	}
	if res.Manifest.Digest != m1.Digest || res.Digest != m1.Digest {
		t.Errorf("pulled manifest %s (reference resolved to %s), want %s", res.Manifest.Digest, res.Digest, m1.Digest)
	}
	if res.Manifest.MediaType != v1.MediaTypeImageManifest || digest.FromBytes(res.Manifest.Bytes) != m1.Digest {
		t.Errorf("manifest media type %q, bytes with digest %s; want the OCI manifest %s", res.Manifest.MediaType, digest.FromBytes(res.Manifest.Bytes), m1.Digest)
	}
	wantBlobs := []string{res.Config.Digest.Encoded(), res.Manifest.Layers[0].Digest.Encoded()}
	slices.Sort(wantBlobs)
	if got := store.blobs(t); !slices.Equal(got, wantBlobs) {
		t.Errorf("store holds %v, want config and layer %v", got, wantBlobs)
	}
	if n := len(proxy.BlobRequests()); n != 2 || res.Fetched != 1 {
		t.Errorf("first pull: %d blob requests, %d layers fetched; want 2 (config, layer) and 1", n, res.Fetched)
	}

	// Again: everything is there, so not one blob is asked for.
	res, err = New(options(reg)).Pull(context.Background(), mustParse(t, proxy.Host+"/base/os:v1"), store, nil)
	if err != nil {
		t.Fatalf("second pull: %v", err)
	}
	if got := proxy.BlobRequests(); len(got) != 0 || res.Existing != 1 || res.Fetched != 0 {
		t.Errorf("second pull asked for blobs %v (existing %d, fetched %d); want none", got, res.Existing, res.Fetched)
	}

	// An image on the same base: only its config and its own layer come.
	res, err = New(options(reg)).Pull(context.Background(), mustParse(t, proxy.Host+"/team/app:v2"), store, nil)
	if err != nil {
		t.Fatalf("pull team/app: %v", err)
	}
	if res.Manifest.Digest != m2.Digest {
		t.Errorf("pulled %s, want %s", res.Manifest.Digest, m2.Digest)
	}
	got := proxy.BlobRequests()
	for _, p := range got {
		if strings.HasSuffix(p, res.Manifest.Layers[0].Digest.String()) {
			t.Errorf("the shared base layer was fetched again: %v", got)
		}
	}
	if len(got) != 2 || res.Existing != 1 || res.Fetched != 1 {
		t.Errorf("pull of the second image asked for %v (existing %d, fetched %d); want its config and its new layer", got, res.Existing, res.Fetched)
	}
}

// TestCh06Step2PullDockerSchema2 pulls an image that skopeo pushed in Docker's own format.
func TestCh06Step2PullDockerSchema2(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Anonymous)
	l := registrytest.NewLayout(t)
	l.Index(t, l.Image(t, "amd64", registrytest.Tar(t, map[string]string{"hello": "docker\n"})))
	reg.Push(t, l.Dir, "docker/style:1", "--format", "v2s2")
	store := newDirStore(t)
	res, err := New(options(reg)).Pull(context.Background(), mustParse(t, reg.Host+"/docker/style:1"), store, nil)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if res.Manifest.MediaType != MediaTypeDockerManifest || res.Config.MediaType != MediaTypeDockerConfig || res.Manifest.Layers[0].MediaType != MediaTypeDockerLayer {
		t.Errorf("media types: manifest %q, config %q, layer %q; want Docker schema 2's", res.Manifest.MediaType, res.Config.MediaType, res.Manifest.Layers[0].MediaType)
	}
	if !store.HasBlob(res.Config.Digest) || !store.HasBlob(res.Manifest.Layers[0].Digest) {
		t.Errorf("store lacks the config or the layer: %v", store.blobs(t))
	}
}

// TestCh06Step2PullMultiArch resolves an index to linux/amd64.
func TestCh06Step2PullMultiArch(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Anonymous)
	amd64 := linux("amd64")

	l := registrytest.NewLayout(t)
	want := l.Image(t, "amd64", registrytest.Tar(t, map[string]string{"arch": "amd64\n"}))
	l.Index(t, l.Image(t, "arm64", registrytest.Tar(t, map[string]string{"arch": "arm64\n"})), want)
	reg.Push(t, l.Dir, "multi/arch:1", "--all")
	o := options(reg)
	o.Platform = amd64
	res, err := New(o).Pull(context.Background(), mustParse(t, reg.Host+"/multi/arch:1"), newDirStore(t), nil)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if res.Manifest.Digest != want.Digest {
		t.Errorf("pulled %s, want the amd64 manifest %s", res.Manifest.Digest, want.Digest)
	}
	if res.Digest == res.Manifest.Digest {
		t.Errorf("the reference's digest is the manifest's (%s); want the index's", res.Digest)
	}
}

// TestCh06PullIndexWithoutPlatform says which platforms an index has when it has no image for
// linux/amd64, and fetches nothing.
func TestCh06PullIndexWithoutPlatform(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Anonymous)
	o := options(reg)
	o.Platform = linux("amd64")
	l := registrytest.NewLayout(t)
	l.Index(t, l.Image(t, "arm64", registrytest.Tar(t, map[string]string{"a": "1"})), l.Image(t, "s390x", registrytest.Tar(t, map[string]string{"b": "2"})))
	reg.Push(t, l.Dir, "multi/noamd:1", "--all")
	store := newDirStore(t)
	_, err := New(o).Pull(context.Background(), mustParse(t, reg.Host+"/multi/noamd:1"), store, nil)
	if err == nil || !strings.Contains(err.Error(), "no image for linux/amd64") || !strings.Contains(err.Error(), "linux/arm64, linux/s390x") {
		t.Errorf("pull of an index without amd64: %v; want an error naming linux/amd64 and the platforms it has", err)
	}
	if b := store.blobs(t); len(b) != 0 {
		t.Errorf("store holds %v after a failed pull, want nothing", b)
	}
}

func linux(arch string) v1.Platform { return v1.Platform{OS: "linux", Architecture: arch} }

// TestCh06Step2PullBasicAuth pulls from a registry behind htpasswd with the login.
func TestCh06Step2PullBasicAuth(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Basic)
	pushedImage(t, reg, "private/app:1", registrytest.Tar(t, map[string]string{"secret": "42\n"}))
	ref := mustParse(t, reg.Host+"/private/app:1")
	if _, err := New(options(reg)).Pull(context.Background(), ref, newDirStore(t), nil); err != nil {
		t.Fatalf("pull with the login: %v", err)
	}
}

// TestCh06PullBasicAuthRefused: without a login, or with a wrong one, the registry refuses, and
// the error says how to log in and never shows the password.
func TestCh06PullBasicAuthRefused(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Basic)
	pushedImage(t, reg, "private/app:1", registrytest.Tar(t, map[string]string{"secret": "42\n"}))
	ref := mustParse(t, reg.Host+"/private/app:1")
	o := options(reg)
	o.Credentials = nil
	_, err := New(o).Pull(context.Background(), ref, newDirStore(t), nil)
	if err == nil || !strings.Contains(err.Error(), "mini login "+reg.Host) {
		t.Errorf("pull without a login: %v; want an error saying: mini login %s", err, reg.Host)
	}
	o.Credentials = map[string]Credential{reg.Host: {Username: registrytest.User, Password: "wrong-password"}}
	_, err = New(o).Pull(context.Background(), ref, newDirStore(t), nil)
	if err == nil || !strings.Contains(err.Error(), "refused access") || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("pull with a wrong password: %v; want a refusal that does not print the password", err)
	}
}

// startingStore is a dirStore that records what LayerIn is told (registry.LayerStarter).
type startingStore struct {
	*dirStore
	mu  sync.Mutex
	ins []string // "index digest", with the config checked
}

func (s *startingStore) LayerIn(config, l v1.Descriptor, index int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.HasBlob(config.Digest) || !s.HasBlob(l.Digest) {
		s.ins = append(s.ins, fmt.Sprintf("%d %s before its blobs were in", index, l.Digest))
		return
	}
	s.ins = append(s.ins, fmt.Sprintf("%d %s", index, l.Digest))
}

// A store that can start on a layer (image.Store unpacks it) is told of each one as soon as its
// blob is in, with its place in the manifest, fetched now or there already.
func TestCh06PullTellsTheStoreOfEachLayer(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Anonymous)
	base := registrytest.Tar(t, map[string]string{"etc/os-release": "NAME=mini\n"})
	top := registrytest.Tar(t, map[string]string{"app/hello.txt": "hello\n"})
	pushedImage(t, reg, "team/app:v2", base, top)
	store := &startingStore{dirStore: newDirStore(t)}
	for _, round := range []string{"fetched", "there already"} {
		store.ins = nil
		res, err := New(options(reg)).Pull(context.Background(), mustParse(t, reg.Host+"/team/app:v2"), store, nil)
		if err != nil {
			t.Fatalf("pull (%s): %v", round, err)
		}
		var want []string
		for i, l := range res.Manifest.Layers {
			want = append(want, fmt.Sprintf("%d %s", i, l.Digest))
		}
		slices.Sort(store.ins)
		if !slices.Equal(store.ins, want) {
			t.Errorf("layers %s: LayerIn was told %q, want %q", round, store.ins, want)
		}
	}
}
