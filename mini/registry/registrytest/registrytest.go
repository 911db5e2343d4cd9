//mini:chapter 06

// Package registrytest is what chapter 06's tests pull from: a real registry (Debian's
// docker-registry) on a free loopback port, in three auth modes; a token server that issues real
// JWTs; OCI image layouts written by hand and pushed with skopeo; and a proxy that counts blob
// requests. Everything is stopped and removed when the test ends.
package registrytest

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
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// T is what the helpers need of a test: *testing.T and *testing.B have it, and so does the
// lab command (registrytest/lab), which runs a registry for a student to try by hand.
type T interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	TempDir() string
	Cleanup(func())
}

// The login every auth-mode registry accepts.
const (
	User     = "student"
	Password = "correct horse battery staple"
	Service  = "mini-test-registry"
	Issuer   = "mini-test-issuer"
)

// needTools fails (as root: CI must have them) or skips (otherwise) when a tool is missing.
func NeedTools(t T, tools ...string) {
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

// Mode is how a test registry wants clients to log in.
type Mode int

const (
	Anonymous Mode = iota
	Basic          // htpasswd
	Token          // bearer tokens from the test's token server
)

// Registry is a docker-registry process on loopback.
type Registry struct {
	Host   string // 127.0.0.1:PORT
	Mode   Mode
	Tokens *TokenServer // the token server of a Token registry
	Log    *SyncBuffer  // its log, to print when a test fails
}

// Start starts docker-registry on a free loopback port with its own storage, in mode.
// It is stopped when the test ends.
func Start(t T, mode Mode) *Registry {
	t.Helper()
	NeedTools(t, "docker-registry")
	dir := t.TempDir()
	r := &Registry{Mode: mode, Log: &SyncBuffer{}}
	var auth string
	switch mode {
	case Basic:
		NeedTools(t, "htpasswd")
		out, err := exec.Command("htpasswd", "-Bbn", User, Password).Output()
		if err != nil {
			t.Fatalf("htpasswd: %v", err)
		}
		WriteFile(t, filepath.Join(dir, "htpasswd"), out)
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: mini-test\n    path: %s\n", filepath.Join(dir, "htpasswd"))
	case Token:
		r.Tokens = StartTokenServer(t)
		WriteFile(t, filepath.Join(dir, "root.pem"), r.Tokens.CertPEM)
		auth = fmt.Sprintf("auth:\n  token:\n    realm: %s/token\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n",
			r.Tokens.URL, Service, Issuer, filepath.Join(dir, "root.pem"))
	}
	// A free port is free only until somebody binds it: another suite's registry, started at
	// the same moment, may have been given the same one. The registry that loses exits
	// ("address already in use"), and a test that only waited for the port to answer would
	// talk to the winner. So wait for *this* process to say it listens, and try another port
	// if it exits.
	for attempt := 1; ; attempt++ {
		r.Host = freeAddr(t)
		r.Log = &SyncBuffer{}
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
%s`, filepath.Join(dir, "storage"), r.Host, auth)
		WriteFile(t, filepath.Join(dir, "config.yml"), []byte(config))
		cmd := exec.Command("docker-registry", "serve", filepath.Join(dir, "config.yml"))
		cmd.Stdout, cmd.Stderr = r.Log, r.Log
		if err := cmd.Start(); err != nil {
			t.Fatalf("start docker-registry: %v", err)
		}
		exited := make(chan struct{})
		go func() {
			cmd.Wait()
			close(exited)
		}()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		if !r.listens(t, exited) {
			if attempt == 10 {
				t.Fatalf("docker-registry found no free port in 10 tries:\n%s", r.Log.String())
			}
			continue // another process took the port first: another one
		}
		// Listening: wait until it answers.
		for i := 0; ; i++ {
			resp, err := http.Get("http://" + r.Host + "/v2/")
			if err == nil {
				resp.Body.Close()
				return r
			}
			if i == 200 {
				t.Fatalf("docker-registry did not answer on %s: %v\n%s", r.Host, err, r.Log.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// Push copies the OCI layout in dir to repo:tag on the registry with skopeo.
func (r *Registry) Push(t T, layout, repo string, extra ...string) {
	t.Helper()
	NeedTools(t, "skopeo")
	args := []string{"--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"}
	if r.Mode != Anonymous {
		args = append(args, "--dest-creds", User+":"+Password)
	}
	args = append(args, extra...)
	args = append(args, "oci:"+layout+":latest", "docker://"+r.Host+"/"+repo)
	cmd := exec.Command("skopeo", args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("skopeo %s: %v\n%s\nregistry log:\n%s", strings.Join(args, " "), err, out, r.Log.String())
	}
}

// listens waits until the registry process says it listens on r.Host, and says so; false if it
// exited because the port was taken meanwhile. Anything else fails the test.
func (r *Registry) listens(t T, exited <-chan struct{}) bool {
	t.Helper()
	for i := 0; ; i++ {
		if strings.Contains(r.Log.String(), "listening on "+r.Host) {
			return true
		}
		select {
		case <-exited:
			if strings.Contains(r.Log.String(), "address already in use") {
				return false
			}
			t.Fatalf("docker-registry exited on %s:\n%s", r.Host, r.Log.String())
		case <-time.After(50 * time.Millisecond):
			if i == 200 {
				t.Fatalf("docker-registry did not start on %s:\n%s", r.Host, r.Log.String())
			}
		}
	}
}

// freeAddr finds a loopback port that is free now. Another process may bind it before the
// registry does: Start checks that its registry is the one listening.
func freeAddr(t T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func WriteFile(t T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// SyncBuffer is a bytes.Buffer that a process's output and a test may use at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TokenServer issues JWTs the way Docker's token spec describes, signed with a throwaway key
// whose self-signed certificate the registry trusts (rootcertbundle) and which each token
// carries in its x5c header.
type TokenServer struct {
	URL     string
	CertPEM []byte
	key     *ecdsa.PrivateKey
	certDER []byte

	mu       sync.Mutex
	requests []url.Values // every token request's query, for the tests to read
}

func StartTokenServer(t T) *TokenServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: Issuer},
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
	ts := &TokenServer{key: key, certDER: der, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	srv := httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(srv.Close)
	ts.URL = srv.URL
	return ts
}

// serve answers GET /token?service=…&scope=…: with the right login, every action asked for;
// anonymously, pull only; with a wrong login, 401.
func (ts *TokenServer) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts.mu.Lock()
	ts.requests = append(ts.requests, q)
	ts.mu.Unlock()
	user, pass, hasLogin := r.BasicAuth()
	if hasLogin && (user != User || pass != Password) {
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
		"iss": Issuer, "sub": user, "aud": q.Get("service"),
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
func (ts *TokenServer) sign(claims map[string]any) (string, error) {
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

// Scopes are the scopes the token server was asked for, in order.
func (ts *TokenServer) Scopes() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []string
	for _, q := range ts.requests {
		out = append(out, q["scope"]...)
	}
	return out
}

// Proxy sits between the client and a registry and counts the blob requests it sees.
type Proxy struct {
	Host  string
	mu    sync.Mutex
	blobs []string // paths of GET …/blobs/… requests
}

func StartProxy(t T, target string) *Proxy {
	t.Helper()
	p := &Proxy{}
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
	p.Host = strings.TrimPrefix(srv.URL, "http://")
	return p
}

// BlobRequests returns and forgets the blob requests seen so far.
func (p *Proxy) BlobRequests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.blobs
	p.blobs = nil
	return out
}

// Layout writes OCI image layouts by hand: blobs by digest, index.json, oci-layout.
type Layout struct {
	Dir string
}

func NewLayout(t T) *Layout {
	t.Helper()
	l := &Layout{Dir: t.TempDir()}
	WriteFile(t, filepath.Join(l.Dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`))
	if err := os.MkdirAll(filepath.Join(l.Dir, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	return l
}

// Blob writes data and returns its descriptor.
func (l *Layout) Blob(t T, mediaType string, data []byte) v1.Descriptor {
	t.Helper()
	d := digest.FromBytes(data)
	WriteFile(t, filepath.Join(l.Dir, "blobs", "sha256", d.Encoded()), data)
	return v1.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

// Image writes a config and a manifest for layers (tars, stored gzipped) and returns the
// manifest's descriptor, with its platform.
func (l *Layout) Image(t T, arch string, layers ...[]byte) v1.Descriptor {
	t.Helper()
	return l.ImageWithConfig(t, v1.Image{Platform: v1.Platform{OS: "linux", Architecture: arch}}, layers...)
}

// ImageWithConfig is Image with a config of the test's own (Cmd, Env, WorkingDir, User...);
// its rootfs is filled in from the layers.
func (l *Layout) ImageWithConfig(t T, cfg v1.Image, layers ...[]byte) v1.Descriptor {
	t.Helper()
	cfg.RootFS = v1.RootFS{Type: "layers"}
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest}
	for _, layer := range layers {
		m.Layers = append(m.Layers, l.Blob(t, v1.MediaTypeImageLayerGzip, Gzip(t, layer)))
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(layer))
	}
	m.Config = l.Blob(t, v1.MediaTypeImageConfig, JSON(t, cfg))
	d := l.Blob(t, v1.MediaTypeImageManifest, JSON(t, m))
	d.Platform = &v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	return d
}

// Index makes the layout's index.json name one image (single) or an index of several
// (multi-platform) as its "latest".
func (l *Layout) Index(t T, manifests ...v1.Descriptor) {
	t.Helper()
	top := manifests[0]
	if len(manifests) > 1 {
		idx := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: manifests}
		top = l.Blob(t, v1.MediaTypeImageIndex, JSON(t, idx))
	}
	top.Platform = nil
	top.Annotations = map[string]string{v1.AnnotationRefName: "latest"}
	outer := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{top}}
	WriteFile(t, filepath.Join(l.Dir, "index.json"), JSON(t, outer))
}

// Tar makes a tar of files (name → content).
func Tar(t T, files map[string]string) []byte {
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

// Gzip compresses data.
func Gzip(t T, data []byte) []byte {
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

// JSON marshals v.
func JSON(t T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
