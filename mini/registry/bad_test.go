//mini:chapter 06

package registry

import (
	"net/http"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// TestCh06PullBadInput: a registry that answers 401, 404 or 500, hangs, or serves a manifest
// Mini cannot read gives a clear error naming the registry, and the store stays empty.
func TestCh06PullBadInput(t *testing.T) {
	tests := []struct {
		name     string
		ref      string
		override func(t *testing.T, f *fakeRegistry) func(w http.ResponseWriter, r *http.Request) bool
		want     []string
	}{
		{"no such tag", "app:2", nil, []string{"no such image: HOST/app:2", "manifest unknown"}},
		{"401", "app:1", func(t *testing.T, f *fakeRegistry) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
				w.WriteHeader(http.StatusUnauthorized)
				return true
			}
		}, []string{"refused access to app", "mini login " + "HOST"}},
		{"500", "app:1", func(t *testing.T, f *fakeRegistry) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if strings.Contains(r.URL.Path, "/manifests/") {
					http.Error(w, "boom", http.StatusInternalServerError)
					return true
				}
				return false
			}
		}, []string{"failed with 500", "try again later"}},
		{"hangs", "app:1", func(t *testing.T, f *fakeRegistry) func(w http.ResponseWriter, r *http.Request) bool {
			stop := hang(t)
			return func(w http.ResponseWriter, r *http.Request) bool {
				if strings.Contains(r.URL.Path, "/manifests/") {
					<-stop
					return true
				}
				return false
			}
		}, []string{"registry HOST did not answer within 2s"}},
		{"unknown media type", "app:1", func(t *testing.T, f *fakeRegistry) func(w http.ResponseWriter, r *http.Request) bool {
			m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: "application/vnd.example.thing+json", Config: f.config, Layers: []v1.Descriptor{f.layer}}
			return serveManifest(t, m)
		}, []string{`unknown media type "application/vnd.example.thing+json"`}},
		{"unknown layer type", "app:1", func(t *testing.T, f *fakeRegistry) func(w http.ResponseWriter, r *http.Request) bool {
			l := f.layer
			l.MediaType = "application/x-rar"
			m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest, Config: f.config, Layers: []v1.Descriptor{l}}
			return serveManifest(t, m)
		}, []string{`layer 1 has media type "application/x-rar"`}},
		{"manifest not the digest asked for", "app@" + digest.FromString("other").String(), func(t *testing.T, f *fakeRegistry) func(w http.ResponseWriter, r *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if strings.Contains(r.URL.Path, "/manifests/") {
					w.Header().Set("Content-Type", v1.MediaTypeImageManifest)
					w.Write(f.manifest)
					return true
				}
				return false
			}
		}, []string{"not the " + digest.FromString("other").String() + " asked for"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t)
			if tt.override != nil {
				f.override = tt.override(t, f)
			}
			store := newDirStore(t)
			err := f.pull(t, store, tt.ref)
			if err == nil {
				t.Fatal("pull succeeded, want an error")
			}
			for _, want := range tt.want {
				want = strings.ReplaceAll(want, "HOST", f.host)
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if !strings.Contains(err.Error(), f.host) && !strings.Contains(err.Error(), "app") {
				t.Errorf("error %q names neither the registry nor the repository", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
			if b := store.blobs(t); len(b) != 0 {
				t.Errorf("store holds %v, want nothing", b)
			}
		})
	}
}

// serveManifest answers manifest requests with m.
func serveManifest(t *testing.T, m v1.Manifest) func(w http.ResponseWriter, r *http.Request) bool {
	body := registrytest.JSON(t, m)
	return func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/manifests/") {
			w.Header().Set("Content-Type", m.MediaType)
			w.Write(body)
			return true
		}
		return false
	}
}
