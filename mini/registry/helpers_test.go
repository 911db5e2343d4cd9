//mini:chapter 06

package registry

// The test helpers: a real registry (Debian's docker-registry) on a free loopback port, in three
// auth modes; a token server that issues real JWTs; OCI image layouts written by hand and pushed
// with skopeo; a counting proxy; and a BlobStore in a directory.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// The login every auth-mode registry accepts.
const (
	testUser     = "student"
	testPassword = "correct horse battery staple"
	testService  = "mini-test-registry"
	testIssuer   = "mini-test-issuer"
)

// needTools fails (as root: CI must have them) or skips (otherwise) when a tool is missing.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Geteuid() == 0 {
				t.Fatalf("%s is not installed: run scripts/setup.sh as root", tool)
			}
			t.Skipf("%s is not installed (scripts/setup.sh installs it as root)", tool)
		}
	}
}

// authMode is how a test registry wants clients to log in.
type authMode int

const (
	anonymous authMode = iota
	basicAuth          // htpasswd
	tokenAuth          // bearer tokens from the test's token server
)

// testRegistry is a docker-registry process on loopback.
type testRegistry struct {
	host   string // 127.0.0.1:PORT
	mode   authMode
	tokens *tokenServer
	log    *syncBuffer
}

// startRegistry starts docker-registry on a free loopback port with its own storage, in mode.
// It is stopped when the test ends.
func startRegistry(t *testing.T, mode authMode) *testRegistry {
	t.Helper()
	needTools(t, "docker-registry")
	dir := t.TempDir()
	r := &testRegistry{host: freeAddr(t), mode: mode, log: &syncBuffer{}}
	var auth string
	switch mode {
	case basicAuth:
		needTools(t, "htpasswd")
		out, err := exec.Command("htpasswd", "-Bbn", testUser, testPassword).Output()
		if err != nil {
			t.Fatalf("htpasswd: %v", err)
		}
		writeFile(t, filepath.Join(dir, "htpasswd"), out)
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: mini-test\n    path: %s\n", filepath.Join(dir, "htpasswd"))
	case tokenAuth:
		r.tokens = startTokenServer(t)
		writeFile(t, filepath.Join(dir, "root.pem"), r.tokens.certPEM)
		auth = fmt.Sprintf("auth:\n  token:\n    realm: %s/token\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n",
			r.tokens.url, testService, testIssuer, filepath.Join(dir, "root.pem"))
	}
	config := fmt.Sprintf(`version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  secret: mini-test-secret
%s`, filepath.Join(dir, "storage"), r.host, auth)
	writeFile(t, filepath.Join(dir, "config.yml"), []byte(config))
	cmd := exec.Command("docker-registry", "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = r.log, r.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start docker-registry: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// Wait until it answers; a registry that never does fails the test with its log.
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + r.host + "/v2/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i == 200 {
			t.Fatalf("docker-registry did not start on %s: %v\n%s", r.host, err, r.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return r
}

// options returns client options for this registry, with the login when it needs one.
func (r *testRegistry) options() Options {
	o := Options{Timeout: 20 * time.Second}
	if r.mode != anonymous {
		o.Credentials = map[string]Credential{r.host: {Username: testUser, Password: testPassword}}
	}
	return o
}

// push copies the OCI layout in dir to repo:tag on the registry with skopeo.
func (r *testRegistry) push(t *testing.T, layout, repo string, extra ...string) {
	t.Helper()
	needTools(t, "skopeo")
	args := []string{"--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"}
	if r.mode != anonymous {
		args = append(args, "--dest-creds", testUser+":"+testPassword)
	}
	args = append(args, extra...)
	args = append(args, "oci:"+layout+":latest", "docker://"+r.host+"/"+repo)
	cmd := exec.Command("skopeo", args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("skopeo %s: %v\n%s\nregistry log:\n%s", strings.Join(args, " "), err, out, r.log.String())
	}
}

// freeAddr finds a free loopback port. The registry binds it right after; nothing else on a
// test machine races for ephemeral ports that fast.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer that a process's output and a test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tokenServer issues JWTs the way Docker's token spec describes, signed with a throwaway key
// whose self-signed certificate the registry trusts (rootcertbundle) and which each token
// carries in its x5c header.
type tokenServer struct {
	url     string
	certPEM []byte
	key     *ecdsa.PrivateKey
	certDER []byte

	mu       sync.Mutex
	requests []url.Values // every token request's query, for the tests to read
}

func startTokenServer(t *testing.T) *tokenServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: testIssuer},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ts := &tokenServer{key: key, certDER: der, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	srv := httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(srv.Close)
	ts.url = srv.URL
	return ts
}

// serve answers GET /token?service=…&scope=…: with the right login, every action asked for;
// anonymously, pull only; with a wrong login, 401.
func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts.mu.Lock()
	ts.requests = append(ts.requests, q)
	ts.mu.Unlock()
	user, pass, hasLogin := r.BasicAuth()
	if hasLogin && (user != testUser || pass != testPassword) {
		http.Error(w, `{"details":"wrong login"}`, http.StatusUnauthorized)
		return
	}
	type access struct {
		Type    string   `json:"type"`
		Name    string   `json:"name"`
		Actions []string `json:"actions"`
	}
	grants := []access{}
	for _, scope := range q["scope"] {
		parts := strings.Split(scope, ":")
		if len(parts) != 3 {
			continue
		}
		var actions []string
		for _, a := range strings.Split(parts[2], ",") {
			if hasLogin || a == "pull" {
				actions = append(actions, a)
			}
		}
		grants = append(grants, access{Type: parts[0], Name: parts[1], Actions: actions})
	}
	now := time.Now()
	claims := map[string]any{
		"iss": testIssuer, "sub": user, "aud": q.Get("service"),
		"exp": now.Add(5 * time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "iat": now.Unix(),
		"jti": fmt.Sprint(now.UnixNano()), "access": grants,
	}
	token, err := ts.sign(claims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token": token, "access_token": token, "expires_in": 300})
}

// sign makes a compact JWS with ES256: base64url(header).base64url(claims).base64url(r||s).
func (ts *tokenServer) sign(claims map[string]any) (string, error) {
	header := map[string]any{"typ": "JWT", "alg": "ES256", "x5c": []string{base64.StdEncoding.EncodeToString(ts.certDER)}}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(header) + "." + enc(claims)
	sum := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, ts.key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func (ts *tokenServer) scopes() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []string
	for _, q := range ts.requests {
		out = append(out, q["scope"]...)
	}
	return out
}

// countingProxy sits between the client and a registry and counts the blob requests it sees.
type countingProxy struct {
	host  string
	mu    sync.Mutex
	blobs []string // paths of GET …/blobs/… requests
}

func startProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	p := &countingProxy{}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: target})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/blobs/") {
			p.mu.Lock()
			p.blobs = append(p.blobs, r.URL.Path)
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.host = strings.TrimPrefix(srv.URL, "http://")
	return p
}

// blobRequests returns and forgets the blob requests seen so far.
func (p *countingProxy) blobRequests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.blobs
	p.blobs = nil
	return out
}

// dirStore is a BlobStore in a directory that trusts what it is given: it writes what the
// reader yields and keeps it only if the reader ended without error. It checks nothing itself,
// so the client's own verification is what the tests see.
type dirStore struct{ dir string }

func newDirStore(t *testing.T) *dirStore { return &dirStore{dir: t.TempDir()} }

func (s *dirStore) path(d digest.Digest) string { return filepath.Join(s.dir, d.Encoded()) }

func (s *dirStore) HasBlob(d digest.Digest) bool {
	_, err := os.Stat(s.path(d))
	return err == nil
}

func (s *dirStore) WriteBlob(d digest.Digest, size int64, r io.Reader) error {
	f, err := os.CreateTemp(s.dir, ".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), s.path(d))
}

// blobs lists the digests in the store.
func (s *dirStore) blobs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// layout writes OCI image layouts by hand: blobs by digest, index.json, oci-layout.
type layout struct {
	dir string
}

func newLayout(t *testing.T) *layout {
	t.Helper()
	l := &layout{dir: t.TempDir()}
	writeFile(t, filepath.Join(l.dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`))
	if err := os.MkdirAll(filepath.Join(l.dir, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	return l
}

// blob writes data and returns its descriptor.
func (l *layout) blob(t *testing.T, mediaType string, data []byte) v1.Descriptor {
	t.Helper()
	d := digest.FromBytes(data)
	writeFile(t, filepath.Join(l.dir, "blobs", "sha256", d.Encoded()), data)
	return v1.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

// image writes a config and a manifest for layers (gzipped tars) and returns the manifest's
// descriptor.
func (l *layout) image(t *testing.T, arch string, layers ...[]byte) v1.Descriptor {
	t.Helper()
	cfg := v1.Image{Platform: v1.Platform{OS: "linux", Architecture: arch}, RootFS: v1.RootFS{Type: "layers"}}
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest}
	for _, layer := range layers {
		m.Layers = append(m.Layers, l.blob(t, v1.MediaTypeImageLayerGzip, gzipped(t, layer)))
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(layer))
	}
	m.Config = l.blob(t, v1.MediaTypeImageConfig, mustJSON(t, cfg))
	d := l.blob(t, v1.MediaTypeImageManifest, mustJSON(t, m))
	d.Platform = &v1.Platform{OS: "linux", Architecture: arch}
	return d
}

// index makes the layout's index.json name one image (single) or an index of several
// (multi-platform) as its "latest".
func (l *layout) index(t *testing.T, manifests ...v1.Descriptor) {
	t.Helper()
	top := manifests[0]
	if len(manifests) > 1 {
		idx := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: manifests}
		top = l.blob(t, v1.MediaTypeImageIndex, mustJSON(t, idx))
	}
	top.Platform = nil
	top.Annotations = map[string]string{v1.AnnotationRefName: "latest"}
	outer := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{top}}
	writeFile(t, filepath.Join(l.dir, "index.json"), mustJSON(t, outer))
}

// tarOf makes a tar of files (name → content).
func tarOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
