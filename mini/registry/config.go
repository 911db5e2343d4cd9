//mini:chapter 06

package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// SystemConfig is the host-wide config file, the counterpart of Docker's daemon.json.
const SystemConfig = "/etc/mini/config.json"

// Config is what Mini's config file says about registries.
type Config struct {
	// Mirrors are tried before Docker Hub for docker.io images: "https://mirror.example".
	Mirrors []string `json:"registry-mirrors"`
	// Insecure registries may be reached over plain HTTP: "host:port", "host" or a CIDR.
	Insecure []string `json:"insecure-registries"`
}

// FindConfig picks the config file: flag (--config) if given, which must exist; else
// <root>/config.json if it exists (a state root of its own, e.g. a test's, gets its own config);
// else /etc/mini/config.json if it exists; else none ("").
func FindConfig(flag, stateRoot string) (string, error) {
	if flag != "" {
		if _, err := os.Stat(flag); err != nil {
			return "", fmt.Errorf("config file: %w", err)
		}
		return flag, nil
	}
	for _, p := range []string{filepath.Join(stateRoot, "config.json"), SystemConfig} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", nil
}

// LoadConfig reads the config file at path ("" is the empty config). A key Mini does not know
// is an error naming it: a typo ("insecure-registry") must not silently do nothing.
func LoadConfig(path string) (Config, error) {
	var c Config
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read the config file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return c, fmt.Errorf("config file %s: unknown key %s (Mini knows \"registry-mirrors\" and \"insecure-registries\")", path, key)
		}
		return c, fmt.Errorf("config file %s: %w", path, err)
	}
	for _, m := range c.Mirrors {
		if u, err := url.Parse(m); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return c, fmt.Errorf("config file %s: registry mirror %q is not a URL like https://mirror.example", path, m)
		}
	}
	for _, r := range c.Insecure {
		if _, _, err := net.ParseCIDR(r); r == "" || strings.Contains(r, "/") && err != nil {
			return c, fmt.Errorf("config file %s: insecure registry %q is not host, host:port or a CIDR", path, r)
		}
	}
	return c, nil
}
