//mini:chapter 06

package registry

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// TestCh06Step2VerifyingReader: the reader passes a good blob through whole, and refuses a
// wrong one as it streams: other bytes, too few, too many.
func TestCh06Step2VerifyingReader(t *testing.T) {
	blob := bytes.Repeat([]byte("layer data "), 1000)
	good := v1.Descriptor{Digest: digest.FromBytes(blob), Size: int64(len(blob))}
	other := append([]byte{}, blob...)
	other[5000] ^= 1

	// A good blob passes, byte for byte, even one byte at a time.
	got, err := io.ReadAll(newVerifyingReader(iotest.OneByteReader(bytes.NewReader(blob)), good))
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("a good blob: %d bytes, %v; want %d bytes and no error", len(got), err, len(blob))
	}

	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"other bytes", other, "digest"},
		{"truncated", blob[:len(blob)-1], "truncated"},
		{"too long", append(append([]byte{}, blob...), 'x'), "more than"},
		{"empty", nil, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := io.ReadAll(newVerifyingReader(bytes.NewReader(tt.data), good))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("read: %v; want an error about the %s", err, tt.want)
			}
			// A reader that stops at Size bytes (io.CopyN) still hears of a wrong digest.
			if tt.name == "other bytes" {
				_, err := io.CopyN(io.Discard, newVerifyingReader(bytes.NewReader(tt.data), good), good.Size)
				if err == nil {
					t.Error("io.CopyN of exactly Size wrong bytes succeeded; the digest must be checked at Size bytes, not only at EOF")
				}
			}
		})
	}

	// A read error of the blob itself comes through.
	boom := errors.New("connection reset")
	if _, err := io.ReadAll(newVerifyingReader(iotest.ErrReader(boom), good)); !errors.Is(err, boom) {
		t.Errorf("a failing source: %v; want its error", err)
	}
}

// TestCh06Step2BadBlobs: a registry that sends a blob with the wrong digest, a truncated one, a
// longer one, or stops sending in the middle: each is a clear error and the store keeps nothing
// of that blob.
func TestCh06Step2BadBlobs(t *testing.T) {
	tests := []struct {
		name string
		body func(f *fakeRegistry, w http.ResponseWriter, stop chan struct{})
		want string
	}{
		{"wrong digest", func(f *fakeRegistry, w http.ResponseWriter, _ chan struct{}) {
			b := append([]byte{}, f.blobs[f.layer.Digest]...)
			b[len(b)/2] ^= 0xff
			w.Write(b)
		}, "whose digest is"},
		{"truncated", func(f *fakeRegistry, w http.ResponseWriter, _ chan struct{}) {
			// Flushed first: chunked, with no Content-Length to give the end away early.
			w.(http.Flusher).Flush()
			b := f.blobs[f.layer.Digest]
			w.Write(b[:len(b)-10])
		}, "truncated"},
		{"too long", func(f *fakeRegistry, w http.ResponseWriter, _ chan struct{}) {
			w.(http.Flusher).Flush()
			w.Write(append(append([]byte{}, f.blobs[f.layer.Digest]...), "more"...))
		}, "more than"},
		{"wrong length", func(f *fakeRegistry, w http.ResponseWriter, _ chan struct{}) {
			w.Write(append(append([]byte{}, f.blobs[f.layer.Digest]...), "more"...))
		}, "but the manifest says"},
		{"stops sending", func(f *fakeRegistry, w http.ResponseWriter, stop chan struct{}) {
			w.(http.Flusher).Flush()
			b := f.blobs[f.layer.Digest]
			w.Write(b[:len(b)/2])
			w.(http.Flusher).Flush()
			<-stop
		}, "stopped sending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t)
			stop := hang(t)
			f.override = func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != "/v2/app/blobs/"+f.layer.Digest.String() {
					return false
				}
				tt.body(f, w, stop)
				return true
			}
			store := newDirStore(t)
			err := f.pull(t, store, "app:1")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), f.host) {
				t.Fatalf("pull: %v; want an error naming the registry and saying %q", err, tt.want)
			}
			if store.HasBlob(f.layer.Digest) {
				t.Error("the bad layer is in the store")
			}
			// The config was good and may stay; nothing else may be there.
			for _, b := range store.blobs(t) {
				if b != f.config.Digest.Encoded() {
					t.Errorf("the store holds %s", b)
				}
			}
		})
	}
}
