//mini:chapter 06

// Package registry is a client for the Distribution v2 API (the OCI distribution spec), the
// protocol `docker pull` speaks, written by hand on net/http so that every exchange can be read.
//
// A pull is a handful of HTTP requests:
//
//	GET /v2/                            the ping: is this a registry, and how does it want auth?
//	GET <realm>?service=…&scope=…       a bearer token, when the ping answered 401 with a challenge
//	GET /v2/<repo>/manifests/<tag>      the manifest (or an index of manifests, one per platform)
//	GET /v2/<repo>/blobs/<digest>       the config, then each layer: content named by its sha256
//
// Everything the registry sends is checked against the digest that names it, while it streams:
// a registry (or anything between) cannot slip in other bytes.
package registry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikit/kit/mini/explain"
)

// DefaultTimeout bounds each step of a request: connecting, waiting for the answer's headers,
// and any silence while a body streams. A registry that hangs is an error after this long, not
// a pull that never ends.
const DefaultTimeout = 30 * time.Second

// DefaultParallel is how many layers are fetched at once, as Docker's default.
const DefaultParallel = 3

// dockerHub is where the docker.io domain of a reference really lives.
const dockerHub = "registry-1.docker.io"

// Options configure a Client. The zero value talks HTTPS to every registry, anonymously.
type Options struct {
	// Insecure lists registries that may be reached over plain HTTP: "host:port", "host", or a
	// CIDR such as "10.0.0.0/8". Loopback (127.0.0.0/8, ::1, localhost) always may.
	Insecure []string
	// Mirrors are base URLs (https://mirror.example) tried, in order, before Docker Hub for
	// docker.io images.
	Mirrors []string
	// Credentials are the logins by registry (the reference's domain: docker.io, localhost:5000).
	Credentials map[string]Credential
	// Timeout bounds connecting, waiting for headers, and silence in a body. Default DefaultTimeout.
	Timeout time.Duration
	// Parallel is how many layers are fetched at once. Default DefaultParallel.
	Parallel int
	// Platform is the platform an index is resolved to. Default linux/runtime.GOARCH.
	Platform v1.Platform
	// Explain narrates each HTTP exchange as a curl command (credentials redacted).
	Explain *explain.Narrator
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// Credential is a login for one registry.
type Credential struct {
	Username string
	Password string
}

// Client talks to registries. It remembers, per registry, the base URL that answered and the
// tokens it was given, so a pull pings and authenticates once.
type Client struct {
	opts Options
	http *http.Client

	mu        sync.Mutex
	endpoints map[string]*endpoint // by base URL
}

// New returns a client with the options' defaults filled in.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultParallel
	}
	if opts.Platform.OS == "" {
		opts.Platform = v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	}
	tr := opts.Transport
	if tr == nil {
		dialer := &net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}
		tr = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   opts.Timeout,
			ResponseHeaderTimeout: opts.Timeout,
			MaxIdleConnsPerHost:   opts.Parallel + 1,
			ForceAttemptHTTP2:     true,
		}
	}
	return &Client{
		opts: opts,
		http: &http.Client{
			Transport: tr,
			// A redirect (blobs often live on a CDN) keeps the method; Go drops the
			// Authorization header when the redirect leaves the host, so a token is never sent
			// to the CDN.
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 10 {
					return errors.New("more than 10 redirects")
				}
				return nil
			},
		},
		endpoints: map[string]*endpoint{},
	}
}

// endpoint is one registry as reached at one base URL.
type endpoint struct {
	domain string // the reference's domain: docker.io, localhost:5000
	base   string // https://registry-1.docker.io, http://127.0.0.1:5000

	mu        sync.Mutex
	challenge *challenge        // how the ping asked us to authenticate; nil: it did not
	tokens    map[string]string // bearer tokens by scope
}

// endpoint pings the registry behind domain (or base, a mirror's URL) once and remembers the
// answer. Plain HTTP is tried only where it is allowed, and only after HTTPS was answered in
// plain HTTP, as Docker does.
func (c *Client) endpoint(ctx context.Context, domain, base string) (*endpoint, error) {
	if base == "" {
		host := domain
		if domain == "docker.io" {
			host = dockerHub
		}
		base = "https://" + host
	}
	c.mu.Lock()
	ep, ok := c.endpoints[base]
	c.mu.Unlock()
	if ok {
		return ep, nil
	}
	ep = &endpoint{domain: domain, base: base, tokens: map[string]string{}}
	err := c.ping(ctx, ep)
	if err != nil && answeredInPlainHTTP(err) && strings.HasPrefix(base, "https://") {
		host := strings.TrimPrefix(base, "https://")
		if !c.insecure(host) {
			return nil, fmt.Errorf("registry %s answers in plain HTTP, not HTTPS: if you trust the network to it, add %q to \"insecure-registries\" in Mini's config file", domain, host)
		}
		c.narrate("", fmt.Sprintf("%s answered HTTPS in plain HTTP; it may use plain HTTP (loopback, or an insecure registry in the config file): ask again over http", host))
		ep.base = "http://" + host
		err = c.ping(ctx, ep)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.endpoints[base] = ep
	c.mu.Unlock()
	return ep, nil
}

// answeredInPlainHTTP reports whether err says that an HTTPS request got a plain HTTP answer.
// net/http turns the TLS record error into a message of its own, so both are looked for.
func answeredInPlainHTTP(err error) bool {
	var rh tls.RecordHeaderError
	return errors.As(err, &rh) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

// insecure reports whether host (host or host:port) may be reached over plain HTTP.
func (c *Client) insecure(host string) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.Trim(name, "[]")
	if name == "localhost" {
		return true
	}
	ip := net.ParseIP(name)
	if ip != nil && ip.IsLoopback() {
		return true
	}
	for _, entry := range c.opts.Insecure {
		if entry == host || entry == name {
			return true
		}
		if _, cidr, err := net.ParseCIDR(entry); err == nil && ip != nil && cidr.Contains(ip) {
			return true
		}
	}
	return false
}

// bases is where a domain's images are looked for, in order: the mirrors first for Docker Hub,
// then the registry itself ("" means the domain's own URL).
func (c *Client) bases(domain string) []string {
	if domain != "docker.io" {
		return []string{""}
	}
	var out []string
	for _, m := range c.opts.Mirrors {
		out = append(out, strings.TrimRight(m, "/"))
	}
	return append(out, "")
}
