//mini:chapter 06

package registry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// fakeRegistry is a registry in the test process that misbehaves on demand: it serves one
// image, app:1, and lets a test replace the answer to any path.
type fakeRegistry struct {
	host     string
	manifest []byte
	config   v1.Descriptor
	layer    v1.Descriptor
	blobs    map[digest.Digest][]byte
	// override answers a request instead of the registry when it returns true.
	override func(w http.ResponseWriter, r *http.Request) bool
}

// startFake starts a fake registry with a one-layer image; release unblocks handlers that hang.
func startFake(t *testing.T) *fakeRegistry {
	t.Helper()
	f := &fakeRegistry{blobs: map[digest.Digest][]byte{}}
	layer := registrytest.Gzip(t, registrytest.Tar(t, map[string]string{"hello": "fake\n"}))
	cfg := registrytest.JSON(t, v1.Image{Platform: linux("amd64")})
	f.layer = v1.Descriptor{MediaType: v1.MediaTypeImageLayerGzip, Digest: digest.FromBytes(layer), Size: int64(len(layer))}
	f.config = v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: digest.FromBytes(cfg), Size: int64(len(cfg))}
	f.blobs[f.layer.Digest], f.blobs[f.config.Digest] = layer, cfg
	f.manifest = registrytest.JSON(t, v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest, Config: f.config, Layers: []v1.Descriptor{f.layer}})
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.host = strings.TrimPrefix(srv.URL, "http://")
	return f
}

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	if f.override != nil && f.override(w, r) {
		return
	}
	switch {
	case r.URL.Path == "/v2/":
		w.WriteHeader(http.StatusOK)
	case r.URL.Path == "/v2/app/manifests/1" || r.URL.Path == "/v2/app/manifests/"+digest.FromBytes(f.manifest).String():
		w.Header().Set("Content-Type", v1.MediaTypeImageManifest)
		w.Write(f.manifest)
	case strings.HasPrefix(r.URL.Path, "/v2/app/blobs/"):
		b, ok := f.blobs[digest.Digest(strings.TrimPrefix(r.URL.Path, "/v2/app/blobs/"))]
		if !ok {
			http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}`, http.StatusNotFound)
			return
		}
		w.Write(b)
	default:
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
	}
}

// pull pulls ref from the fake registry with a short timeout: a test that hangs the server
// waits that long.
func (f *fakeRegistry) pull(t *testing.T, store *dirStore, ref string) error {
	t.Helper()
	_, err := New(Options{Timeout: 2 * time.Second}).Pull(context.Background(), mustParse(t, f.host+"/"+ref), store, nil)
	return err
}

// hang returns a channel to block a handler on; it is closed when the test ends, so the server
// can shut down.
func hang(t *testing.T) chan struct{} {
	ch := make(chan struct{})
	t.Cleanup(func() { close(ch) })
	return ch
}
