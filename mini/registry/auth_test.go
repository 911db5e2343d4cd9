//mini:chapter 06

package registry

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/minikit/kit/mini/explain"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// The tests of step 06.1, the token dance. They stop at the manifest, so they need no blob
// (step 06.2, which comes later) to pass; TestCh06Step2PullTokenAuth goes all the way.

// TestCh06Step1FetchToken asks a token server for a token the way Docker does: GET the realm
// with service and scope in the query, the login as basic auth.
func TestCh06Step1FetchToken(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		if u, p, ok := r.BasicAuth(); ok && (u != registrytest.User || p != registrytest.Password) {
			http.Error(w, "wrong login", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("oauth") != "" {
			w.Write([]byte(`{"access_token":"oauth-token"}`))
			return
		}
		w.Write([]byte(`{"token":"the-token","expires_in":300}`))
	}))
	defer srv.Close()
	realm, _ := url.Parse(srv.URL + "/token")
	c := New(Options{})

	token, err := c.fetchToken(context.Background(), realm, "registry.example", "repository:team/app:pull", Credential{})
	if err != nil || token != "the-token" {
		t.Fatalf("anonymous token: %q, %v; want the-token", token, err)
	}
	if got.Method != http.MethodGet || got.URL.Path != "/token" {
		t.Errorf("asked %s %s, want GET /token", got.Method, got.URL.Path)
	}
	if q := got.URL.Query(); q.Get("service") != "registry.example" || q.Get("scope") != "repository:team/app:pull" {
		t.Errorf("query %q: want service=registry.example and scope=repository:team/app:pull", got.URL.RawQuery)
	}
	if _, _, ok := got.BasicAuth(); ok {
		t.Error("an anonymous token request sent a login")
	}

	token, err = c.fetchToken(context.Background(), realm, "registry.example", "repository:team/app:pull", Credential{Username: registrytest.User, Password: registrytest.Password})
	if err != nil || token != "the-token" {
		t.Fatalf("token with a login: %q, %v", token, err)
	}
	if u, p, ok := got.BasicAuth(); !ok || u != registrytest.User || p != registrytest.Password {
		t.Errorf("the login was not sent as basic auth (got %q, %v)", u, ok)
	}

	_, err = c.fetchToken(context.Background(), realm, "registry.example", "repository:team/app:pull", Credential{Username: registrytest.User, Password: "wrong-password"})
	if err == nil || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("wrong login: %v; want an error that does not show the password", err)
	}

	oauth, _ := url.Parse(srv.URL + "/token?oauth=1")
	if token, err = c.fetchToken(context.Background(), oauth, "registry.example", "repository:x:pull", Credential{}); err != nil || token != "oauth-token" {
		t.Errorf("an OAuth2-style answer: %q, %v; want the access_token oauth-token", token, err)
	}
	if q := got.URL.Query(); q.Get("oauth") != "1" || q.Get("scope") != "repository:x:pull" {
		t.Errorf("query %q: the realm's own query must be kept", got.URL.RawQuery)
	}
}

// TestCh06Step1TokenAnonymous: the real registry behind token auth answers 401 with a Bearer
// challenge; an anonymous token for the repository's pull scope opens the manifest.
func TestCh06Step1TokenAnonymous(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Token)
	_, m := pushedImage(t, reg, "tok/app:1", registrytest.Tar(t, map[string]string{"a": "1"}))
	o := options(reg)
	o.Credentials = nil
	ref := mustParse(t, reg.Host+"/tok/app:1")
	_, top, err := New(o).resolve(context.Background(), ref, "")
	if err != nil {
		t.Fatalf("resolve %s anonymously: %v", ref, err)
	}
	if top.digest != m.Digest {
		t.Errorf("got manifest %s, want %s", top.digest, m.Digest)
	}
	if !slices.Contains(reg.Tokens.Scopes(), "repository:tok/app:pull") {
		t.Errorf("the token server was asked for scopes %v; want repository:tok/app:pull", reg.Tokens.Scopes())
	}
}

// TestCh06Step1TokenLogin: with a login, the token request carries it; with a wrong one the
// token server refuses, and the password is never shown, not even in --explain.
func TestCh06Step1TokenLogin(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Token)
	pushedImage(t, reg, "tok/private:1", registrytest.Tar(t, map[string]string{"a": "1"}))
	ref := mustParse(t, reg.Host+"/tok/private:1")
	var narration bytes.Buffer
	o := options(reg)
	o.Explain = explain.New(&narration, false)
	if _, _, err := New(o).resolve(context.Background(), ref, ""); err != nil {
		t.Fatalf("resolve with the login: %v", err)
	}
	n := narration.String()
	if !strings.Contains(n, "curl") || !strings.Contains(n, "scope=repository") || !strings.Contains(n, registrytest.User+":REDACTED") || !strings.Contains(n, "Bearer $TOKEN") {
		t.Errorf("--explain should show the token request and the manifest request as curl, login redacted:\n%s", n)
	}
	if strings.Contains(n, registrytest.Password) || strings.Contains(n, "eyJ") {
		t.Errorf("--explain shows a password or a token:\n%s", n)
	}

	o.Credentials = map[string]Credential{reg.Host: {Username: registrytest.User, Password: "wrong-password"}}
	_, _, err := New(o).resolve(context.Background(), ref, "")
	if err == nil || strings.Contains(err.Error(), "wrong-password") || !strings.Contains(err.Error(), reg.Host) {
		t.Errorf("wrong login: %v; want an error naming the registry, without the password", err)
	}
}

// TestCh06Step2PullTokenAuth pulls a whole image through the token dance (step 06.1) and
// verifies its blobs (step 06.2).
func TestCh06Step2PullTokenAuth(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Token)
	_, m := pushedImage(t, reg, "tok/full:1", registrytest.Tar(t, map[string]string{"a": "1"}), registrytest.Tar(t, map[string]string{"b": "2"}))
	store := newDirStore(t)
	res, err := New(options(reg)).Pull(context.Background(), mustParse(t, reg.Host+"/tok/full:1"), store, nil)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if res.Manifest.Digest != m.Digest || len(store.blobs(t)) != 3 {
		t.Errorf("pulled %s into a store of %v; want %s, its config and 2 layers", res.Manifest.Digest, store.blobs(t), m.Digest)
	}
}
