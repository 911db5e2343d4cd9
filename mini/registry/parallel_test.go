//mini:chapter 06

package registry

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// TestCh06Step2LayersInParallel: layers are fetched DefaultParallel at once. Each layer request
// waits until a full batch is in flight, so a client that fetched one at a time times out. The
// bound is checked too, but only as well as the scheduler lets a test see it: a client with no
// bound is usually, not always, caught with more in flight.
func TestCh06Step2LayersInParallel(t *testing.T) {
	const layers = 2 * DefaultParallel
	f := startFake(t)
	isLayer := map[string]bool{}
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest, Config: f.config}
	for i := 0; i < layers; i++ {
		b := registrytest.Gzip(t, registrytest.Tar(t, map[string]string{fmt.Sprintf("file%d", i): "x"}))
		d := v1.Descriptor{MediaType: v1.MediaTypeImageLayerGzip, Digest: digest.FromBytes(b), Size: int64(len(b))}
		f.blobs[d.Digest] = b
		isLayer["/v2/app/blobs/"+d.Digest.String()] = true
		m.Layers = append(m.Layers, d)
	}
	f.manifest = registrytest.JSON(t, m)

	var (
		mu                     sync.Mutex
		batch                  = sync.NewCond(&mu)
		inFlight, most, served int
		released               bool
	)
	t.Cleanup(func() { // let a waiting handler go, so that the server can stop
		mu.Lock()
		released = true
		batch.Broadcast()
		mu.Unlock()
	})
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		if !isLayer[r.URL.Path] {
			return false
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		batch.Broadcast()
		for inFlight < DefaultParallel && served+inFlight < layers && !released {
			batch.Wait()
		}
		mu.Unlock()
		w.Write(f.blobs[digest.Digest(strings.TrimPrefix(r.URL.Path, "/v2/app/blobs/"))])
		mu.Lock()
		inFlight--
		served++
		batch.Broadcast()
		mu.Unlock()
		return true
	}
	store := newDirStore(t)
	if err := f.pull(t, store, "app:1"); err != nil {
		t.Fatalf("pull: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if most != DefaultParallel || served != layers {
		t.Errorf("at most %d layers were in flight (of %d served); want %d at once", most, served, DefaultParallel)
	}
}
