//mini:chapter 06

package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// TestCh06LoginBasic checks a login against an htpasswd registry before it is saved.
func TestCh06LoginBasic(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Basic)
	c := New(Options{})
	if err := c.Login(context.Background(), reg.Host, Credential{Username: registrytest.User, Password: registrytest.Password}); err != nil {
		t.Fatalf("login: %v", err)
	}
	err := New(Options{}).Login(context.Background(), reg.Host, Credential{Username: registrytest.User, Password: "wrong-password"})
	if err == nil || !strings.Contains(err.Error(), "wrong user name or password") || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("wrong login: %v; want a refusal that does not show the password", err)
	}
	anon := registrytest.Start(t, registrytest.Anonymous)
	if err := New(Options{}).Login(context.Background(), anon.Host, Credential{Username: "x", Password: "y"}); !errors.Is(err, ErrNoLogin) {
		t.Errorf("login to a registry without auth: %v; want ErrNoLogin", err)
	}
}

// TestCh06Step1LoginToken checks a login against a token server.
func TestCh06Step1LoginToken(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Token)
	if err := New(Options{}).Login(context.Background(), reg.Host, Credential{Username: registrytest.User, Password: registrytest.Password}); err != nil {
		t.Fatalf("login: %v", err)
	}
	err := New(Options{}).Login(context.Background(), reg.Host, Credential{Username: registrytest.User, Password: "wrong-password"})
	if err == nil || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("wrong login: %v; want a refusal that does not show the password", err)
	}
}

// TestCh06AuthFile keeps logins in a 0600 file, replaced atomically.
func TestCh06AuthFile(t *testing.T) {
	root := t.TempDir()
	a := AuthFileIn(root)
	if got, err := a.Load(); err != nil || len(got) != 0 {
		t.Fatalf("load with no file: %v, %v; want no logins", got, err)
	}
	if err := a.Save("localhost:5000", Credential{Username: "ann", Password: "pa:ss"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Save("docker.io", Credential{Username: "bob", Password: "x"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, "auth.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("auth.json: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	got, err := a.Load()
	if err != nil || got["localhost:5000"] != (Credential{Username: "ann", Password: "pa:ss"}) || got["docker.io"].Username != "bob" {
		t.Fatalf("load: %v, %v", got, err)
	}
	if ok, err := a.Remove("docker.io"); !ok || err != nil {
		t.Fatalf("remove: %v, %v", ok, err)
	}
	if ok, err := a.Remove("docker.io"); ok || err != nil {
		t.Fatalf("remove again: %v, %v; want false, nil", ok, err)
	}
	if got, _ := a.Load(); len(got) != 1 {
		t.Errorf("after remove: %v", got)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("the state root holds %d files, want only auth.json (no temporary left)", len(entries))
	}
}

// TestCh06Config reads the config file and names a key it does not know.
func TestCh06Config(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "config.json")
		registrytest.WriteFile(t, p, []byte(s))
		return p
	}
	c, err := LoadConfig(write(`{"registry-mirrors": ["https://mirror.example"], "insecure-registries": ["10.0.0.0/8", "myreg:5000"]}`))
	if err != nil || !slices.Equal(c.Mirrors, []string{"https://mirror.example"}) || len(c.Insecure) != 2 {
		t.Fatalf("load: %+v, %v", c, err)
	}
	if _, err := LoadConfig(write(`{"insecure-registry": ["x"]}`)); err == nil || !strings.Contains(err.Error(), `unknown key "insecure-registry"`) {
		t.Errorf("unknown key: %v; want an error naming it", err)
	}
	if _, err := LoadConfig(write(`{"registry-mirrors": ["mirror.example"]}`)); err == nil || !strings.Contains(err.Error(), "not a URL") {
		t.Errorf("a mirror without a scheme: %v", err)
	}
	if c, err := LoadConfig(""); err != nil || len(c.Mirrors) != 0 {
		t.Errorf("no file: %+v, %v", c, err)
	}
	if p, err := FindConfig("", dir); err != nil || p != filepath.Join(dir, "config.json") {
		t.Errorf("FindConfig: %q, %v; want the state root's config.json", p, err)
	}
	if _, err := FindConfig(filepath.Join(dir, "missing.json"), dir); err == nil {
		t.Error("FindConfig with a --config file that does not exist: no error")
	}

	// Insecure registries may use plain HTTP; others may not; loopback always may.
	cl := New(Options{Insecure: c.Insecure})
	for host, want := range map[string]bool{"10.1.2.3:5000": true, "myreg:5000": true, "127.0.0.1:5000": true, "[::1]:80": true, "localhost:1": true, "myreg:6000": false, "11.0.0.1": false, "registry.example": false} {
		if got := cl.insecure(host); got != want {
			t.Errorf("insecure(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestCh06Catalog lists the repositories a registry has.
func TestCh06Catalog(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Anonymous)
	l := registrytest.NewLayout(t)
	l.Index(t, l.Image(t, "amd64", registrytest.Tar(t, map[string]string{"a": "1"})))
	for _, repo := range []string{"tools/alpha:1", "tools/beta:1", "other:1"} {
		reg.Push(t, l.Dir, repo)
	}
	got, err := New(Options{}).Catalog(context.Background(), reg.Host, "tools")
	if err != nil || !slices.Equal(got, []string{"tools/alpha", "tools/beta"}) {
		t.Errorf("catalog: %v, %v; want tools/alpha and tools/beta", got, err)
	}
}

// TestCh06Step2PullThroughMirror pulls a docker.io image from a mirror, never from Docker Hub.
func TestCh06Step2PullThroughMirror(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Anonymous)
	_, m := pushedImage(t, reg, "library/tiny:1", registrytest.Tar(t, map[string]string{"a": "1"}))
	c := New(Options{Mirrors: []string{"http://" + reg.Host}})
	res, err := c.Pull(context.Background(), mustParse(t, "tiny:1"), newDirStore(t), nil)
	if err != nil || res.Manifest.Digest != m.Digest {
		t.Fatalf("pull tiny:1 through the mirror: %v", err)
	}
	if res.Reference.Familiar() != "tiny:1" {
		t.Errorf("reference %s, want tiny:1", res.Reference.Familiar())
	}
}
