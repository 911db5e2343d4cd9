//mini:chapter 06

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minikit/kit/mini/registry/registrytest"
)

// pushApp pushes a two-layer image to reg as repo and returns nothing: the tests look at what
// mini prints.
func pushApp(t *testing.T, reg *registrytest.Registry, repo string) {
	t.Helper()
	l := registrytest.NewLayout(t)
	l.Index(t, l.Image(t, "amd64",
		registrytest.Tar(t, map[string]string{"etc/os-release": "NAME=e2e\n"}),
		registrytest.Tar(t, map[string]string{"app/hello.txt": "hello\n"})))
	reg.Push(t, l.Dir, repo)
}

// oneLineError checks that mini failed as Mini does: status 125, one line on stderr saying want.
func oneLineError(t *testing.T, r result, want string) {
	t.Helper()
	if r.Status != 125 || !strings.HasPrefix(r.Stderr, "mini: ") || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, want) {
		t.Errorf("want status 125 and one line saying %q, got:\n%s", want, r)
	}
}

// TestCh06Step2PullCommand runs `mini pull` against a real registry: Docker's lines in a pipe,
// nothing fetched the second time, -q, and --explain's curl commands.
func TestCh06Step2PullCommand(t *testing.T) {
	e := newEnv(t)
	reg := registrytest.Start(t, registrytest.Anonymous)
	pushApp(t, reg, "e2e/app:1")
	name := reg.Host + "/e2e/app:1"

	r := e.mini("pull", name)
	if r.Status != 0 {
		t.Fatalf("pull: %s\nregistry log:\n%s", r, reg.Log.String())
	}
	for _, want := range []string{"1: Pulling from " + reg.Host + "/e2e/app\n", "Digest: sha256:", "Status: Downloaded newer image for " + name + "\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("pull's output lacks %q:\n%s", want, r.Stdout)
		}
	}
	if !strings.HasSuffix(r.Stdout, "\n"+name+"\n") {
		t.Errorf("pull's output does not end with the image's full name:\n%s", r.Stdout)
	}
	if n := strings.Count(r.Stdout, ": Pull complete\n"); n != 2 {
		t.Errorf("want one \"Pull complete\" line per layer (2), got %d:\n%s", n, r.Stdout)
	}

	r = e.mini("pull", name)
	if r.Status != 0 || strings.Count(r.Stdout, ": Already exists\n") != 2 || !strings.Contains(r.Stdout, "Status: Image is up to date for "+name) {
		t.Errorf("second pull: want both layers \"Already exists\" and \"Image is up to date\":\n%s", r)
	}

	r = e.mini("pull", "-q", name)
	if r.Status != 0 || r.Stdout != name+"\n" {
		t.Errorf("pull -q: want only the name, got:\n%s", r)
	}

	r = e.mini("pull", "--explain", name)
	for _, want := range []string{"curl -s", "/v2/", "/v2/e2e/app/manifests/1", "Accept: application/vnd.oci.image.index.v1+json"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("pull --explain: the narration lacks %q:\n%s", want, r.Stderr)
		}
	}
}

// TestCh06PullCommandErrors: each bad input is one line and status 125.
func TestCh06PullCommandErrors(t *testing.T) {
	e := newEnv(t)
	reg := registrytest.Start(t, registrytest.Anonymous)

	oneLineError(t, e.mini("pull", "Bad/Name"), "invalid reference")
	oneLineError(t, e.mini("pull"), "pull takes one image name")
	oneLineError(t, e.mini("pull", reg.Host+"/no/such:tag"), "no such image: "+reg.Host+"/no/such:tag")
	oneLineError(t, e.mini("pull", "--platform", "linux", reg.Host+"/x"), "bad --platform")

	cfg := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(cfg, []byte(`{"insecure-registry": ["x"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	oneLineError(t, e.mini("--config", cfg, "pull", reg.Host+"/x"), `unknown key "insecure-registry"`)
}

// TestCh06LoginCommand logs in to a basic-auth registry: the login is checked before it is
// saved, kept mode 0600, never printed; logout forgets it.
func TestCh06LoginCommand(t *testing.T) {
	e := newEnv(t)
	reg := registrytest.Start(t, registrytest.Basic)
	auth := filepath.Join(e.root, "auth.json")

	r := e.miniIn(strings.NewReader("wrong-password\n"), "login", "-u", registrytest.User, "--password-stdin", reg.Host)
	oneLineError(t, r, "wrong user name or password")
	if strings.Contains(r.Stdout+r.Stderr, "wrong-password") {
		t.Errorf("login printed the password:\n%s", r)
	}
	if _, err := os.Stat(auth); err == nil {
		t.Error("a refused login was saved")
	}

	r = e.miniIn(strings.NewReader(registrytest.Password+"\n"), "login", "-u", registrytest.User, "--password-stdin", reg.Host)
	if r.Status != 0 || !strings.Contains(r.Stdout, "Login Succeeded") || strings.Contains(r.Stdout+r.Stderr, registrytest.Password) {
		t.Fatalf("login: want \"Login Succeeded\" and no password, got:\n%s", r)
	}
	if fi, err := os.Stat(auth); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("auth.json: %v; want mode 0600", err)
	}

	oneLineError(t, e.miniIn(strings.NewReader(""), "login", "-u", "x", reg.Host), "--password-stdin")

	r = e.mini("logout", reg.Host)
	if r.Status != 0 || !strings.Contains(r.Stdout, "Removing login credentials for "+reg.Host) {
		t.Errorf("logout: %s", r)
	}
	r = e.mini("logout", reg.Host)
	if r.Status != 0 || !strings.Contains(r.Stdout, "Not logged in to "+reg.Host) {
		t.Errorf("logout again: %s", r)
	}
	oneLineError(t, e.mini("pull", reg.Host+"/private/app:1"), "mini login "+reg.Host)
}

// TestCh06Step2PullAfterLogin pulls from a private registry with the saved login.
func TestCh06Step2PullAfterLogin(t *testing.T) {
	e := newEnv(t)
	reg := registrytest.Start(t, registrytest.Basic)
	pushApp(t, reg, "private/app:1")
	r := e.miniIn(strings.NewReader(registrytest.Password), "login", "-u", registrytest.User, "--password-stdin", reg.Host)
	if r.Status != 0 {
		t.Fatalf("login: %s", r)
	}
	r = e.mini("pull", "--explain", reg.Host+"/private/app:1")
	if r.Status != 0 {
		t.Fatalf("pull after login: %s", r)
	}
	if !strings.Contains(r.Stderr, registrytest.User+":REDACTED") || strings.Contains(r.Stderr, registrytest.Password) {
		t.Errorf("--explain must show the login as %s:REDACTED and never the password:\n%s", registrytest.User, r.Stderr)
	}
}

// TestCh06Step1LoginCommandToken logs in through a token server.
func TestCh06Step1LoginCommandToken(t *testing.T) {
	e := newEnv(t)
	reg := registrytest.Start(t, registrytest.Token)
	r := e.miniIn(strings.NewReader(registrytest.Password), "login", "--explain", "-u", registrytest.User, "--password-stdin", reg.Host)
	if r.Status != 0 || !strings.Contains(r.Stdout, "Login Succeeded") {
		t.Fatalf("login: %s", r)
	}
	if !strings.Contains(r.Stderr, reg.Tokens.URL+"/token") || strings.Contains(r.Stderr, registrytest.Password) {
		t.Errorf("--explain must show the token request, never the password:\n%s", r.Stderr)
	}
}

// TestCh06SearchCommand lists a registry's repositories from its catalog.
func TestCh06SearchCommand(t *testing.T) {
	e := newEnv(t)
	reg := registrytest.Start(t, registrytest.Anonymous)
	for _, repo := range []string{"tools/alpha:1", "tools/beta:1", "other:1"} {
		pushApp(t, reg, repo)
	}
	r := e.mini("search", "tools", "--registry", reg.Host)
	want := "NAME\n" + reg.Host + "/tools/alpha\n" + reg.Host + "/tools/beta\n"
	if r.Status != 0 || r.Stdout != want {
		t.Errorf("search: want\n%s\ngot:\n%s", want, r)
	}
}
