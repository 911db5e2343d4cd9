//mini:chapter 06

package registry

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/minikit/kit/mini/state"
)

// AuthFile is where `mini login` keeps logins: <root>/auth.json, mode 0600, in Docker's
// config.json shape ({"auths": {"HOST": {"auth": base64("user:password")}}}). base64 is not
// encryption: the file's mode is what keeps the passwords from other users, as with Docker's.
type AuthFile struct {
	Path string
}

// AuthFileIn is the auth file under a state root.
func AuthFileIn(stateRoot string) AuthFile {
	if stateRoot == "" {
		stateRoot = state.DefaultRoot
	}
	return AuthFile{Path: filepath.Join(stateRoot, "auth.json")}
}

type authJSON struct {
	Auths map[string]authEntry `json:"auths"`
}

type authEntry struct {
	Auth string `json:"auth"`
}

// Load reads every login in the file. A missing file is no logins.
func (a AuthFile) Load() (map[string]Credential, error) {
	raw, err := a.read()
	if err != nil {
		return nil, err
	}
	out := map[string]Credential{}
	for host, e := range raw.Auths {
		b, err := base64.StdEncoding.DecodeString(e.Auth)
		if err != nil {
			return nil, fmt.Errorf("%s: the login for %s is not base64 (log in again: mini login %s)", a.Path, host, host)
		}
		user, pass, ok := strings.Cut(string(b), ":")
		if !ok {
			return nil, fmt.Errorf("%s: the login for %s is not user:password (log in again: mini login %s)", a.Path, host, host)
		}
		out[host] = Credential{Username: user, Password: pass}
	}
	return out, nil
}

// Save stores the login for host, replacing any other for it.
func (a AuthFile) Save(host string, c Credential) error {
	raw, err := a.read()
	if err != nil {
		return err
	}
	raw.Auths[host] = authEntry{Auth: base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Password))}
	return a.write(raw)
}

// Remove forgets the login for host. It reports whether there was one.
func (a AuthFile) Remove(host string) (bool, error) {
	raw, err := a.read()
	if err != nil {
		return false, err
	}
	if _, ok := raw.Auths[host]; !ok {
		return false, nil
	}
	delete(raw.Auths, host)
	return true, a.write(raw)
}

func (a AuthFile) read() (*authJSON, error) {
	raw := &authJSON{Auths: map[string]authEntry{}}
	b, err := os.ReadFile(a.Path)
	if errors.Is(err, os.ErrNotExist) {
		return raw, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the logins: %w", err)
	}
	if err := json.Unmarshal(b, raw); err != nil {
		return nil, fmt.Errorf("read the logins in %s: %w (remove the file and log in again)", a.Path, err)
	}
	if raw.Auths == nil {
		raw.Auths = map[string]authEntry{}
	}
	return raw, nil
}

// write replaces the file atomically with mode 0600: a reader never sees half a file, and no
// moment exists at which the passwords are readable by others.
func (a AuthFile) write(raw *authJSON) error {
	b, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(a.Path), 0o700); err != nil {
		return fmt.Errorf("save the login: %w", err)
	}
	if err := state.WriteFileAtomic(a.Path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save the login: %w", err)
	}
	return nil
}
